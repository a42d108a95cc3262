package secrets_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/aws/smithy-go"

	"github.com/secretref/secretref/internal/testing/kumotest"
	"github.com/secretref/secretref/secrets"
)

// seeded is a kumo server holding the secrets and parameters the tests read.
type seeded struct {
	srv      *kumotest.Server
	arn      string // the full ARN kumo gave prod/db
	versions []string
	log      *kumotest.RequestLog
	client   *secrets.Client
}

const (
	dbV1 = `{"username":"app","password":"first-password-v1"}`
	dbV2 = `{"username":"app","password":"second-password-v2"}`
)

func seed(t *testing.T) *seeded {
	t.Helper()
	ctx := context.Background()
	srv := kumotest.Start(t)
	sm := srv.SecretsManager(t)
	created, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("prod/db"), SecretString: aws.String(dbV1)})
	if err != nil {
		t.Fatal(err)
	}
	put, err := sm.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String("prod/db"), SecretString: aws.String(dbV2)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("prod/cert"), SecretBinary: []byte{0xde, 0xad, 0xbe, 0xef}}); err != nil {
		t.Fatal(err)
	}
	p := srv.SSM(t)
	for name, value := range map[string]string{
		"/prod/payments/api-key": "pay-key-123",
		"/prod/app/config":       `{"host":"db.internal"}`,
		"flat-param":             "flat-value",
	} {
		if _, err := p.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String(name), Value: aws.String(value), Type: ssmtypes.ParameterTypeSecureString}); err != nil {
			t.Fatal(err)
		}
	}
	cfg, log := srv.LoggedConfig(t)
	c := newAWSClient(t, cfg)
	return &seeded{srv: srv, arn: aws.ToString(created.ARN), versions: []string{aws.ToString(created.VersionId), aws.ToString(put.VersionId)}, log: log, client: c}
}

// TestReferenceFormsAgainstKumo reads every reference form that kumo
// serves. The forms it does not serve (parameter ARNs, selectors, labels,
// /aws/reference) are checked with substituted clients in providers/ssm and
// below in TestParameterFormsKumoLacks.
func TestReferenceFormsAgainstKumo(t *testing.T) {
	s := seed(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "db"), []byte("from-file"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SECRETREF_KUMO_TEST", `{"password":"from-env"}`)
	partialARN := kumotest.SecretARN("prod/db")
	for _, tc := range []struct{ ref, want string }{
		{s.arn, dbV2},
		{partialARN, dbV2},
		{s.arn + ":password::", "second-password-v2"},
		{s.arn + ":password:AWSPREVIOUS:", "first-password-v1"},
		{s.arn + ":password::" + s.versions[0], "first-password-v1"},
		{s.arn + "#username", "app"},
		{"sm:prod/db", dbV2},
		{"sm:prod/db#password", "second-password-v2"},
		{"sm:prod/db?stage=AWSCURRENT#password", "second-password-v2"},
		{"sm:prod/db?version-id=" + s.versions[0] + "#password", "first-password-v1"},
		{"sm:" + s.arn + "#password", "second-password-v2"},
		{"prod/db#password", "second-password-v2"},
		{"/prod/payments/api-key", "pay-key-123"},
		{"ssm:/prod/payments/api-key", "pay-key-123"},
		{"/prod/app/config#host", "db.internal"},
		{"ssm:flat-param", "flat-value"},
		{"ssm:flat-param?decrypt=true", "flat-value"},
		{"env:SECRETREF_KUMO_TEST#password", "from-env"},
		{"file:" + filepath.Join(dir, "db"), "from-file"},
	} {
		got, err := s.client.GetString(context.Background(), tc.ref)
		if err != nil {
			t.Errorf("GetString(%q): %v", tc.ref, err)
		} else if got != tc.want {
			t.Errorf("GetString(%q): a %d-byte value, want a different %d-byte one", tc.ref, len(got), len(tc.want))
		}
	}
	bin, err := s.client.Get(context.Background(), "sm:prod/cert")
	if err != nil || !bin.IsBinary() || bin.Len() != 4 {
		t.Errorf("binary secret: binary=%v len=%d err=%v", bin.IsBinary(), bin.Len(), err)
	}
}

func TestKeysShareOneRequest(t *testing.T) {
	s := seed(t)
	ctx := context.Background()
	for _, ref := range []string{"sm:prod/db#username", "sm:prod/db#password", "sm:prod/db", "prod/db#password"} {
		if _, err := s.client.Get(ctx, ref); err != nil {
			t.Fatal(err)
		}
	}
	if n := s.log.Count("GetSecretValue"); n != 1 {
		t.Fatalf("%d GetSecretValue requests for four references to one secret, want 1", n)
	}
}

// A cross-region ARN is fetched from its own region: the request is signed
// for it (kumo answers every region on one endpoint).
func TestCrossRegionARNIsSignedForItsRegion(t *testing.T) {
	s := seed(t)
	ref := "arn:aws:secretsmanager:eu-west-1:" + kumotest.Account + ":secret:prod/db:password::"
	if _, err := s.client.Get(context.Background(), ref); err != nil {
		t.Fatal(err)
	}
	// Both the read and the background look-up of the rotation schedule
	// go to the ARN's region.
	for _, r := range s.log.Take() {
		if auth := r.Header.Get("Authorization"); !strings.Contains(auth, "/eu-west-1/secretsmanager/") {
			t.Fatalf("%s signed as %q, want the eu-west-1 scope", r.Header.Get("X-Amz-Target"), auth)
		}
	}
}

func TestNotFoundAgainstKumo(t *testing.T) {
	s := seed(t)
	for _, ref := range []string{"sm:prod/none", "/prod/none", kumotest.SecretARN("prod/none") + ":password::"} {
		_, err := s.client.Get(context.Background(), ref)
		if !errors.Is(err, secrets.ErrNotFound) {
			t.Errorf("Get(%q): %v, want ErrNotFound", ref, err)
		}
		var api smithy.APIError
		if !errors.As(err, &api) {
			t.Errorf("Get(%q): %v does not unwrap to smithy.APIError", ref, err)
		}
		if !strings.Contains(err.Error(), ref) {
			t.Errorf("Get(%q): %q does not name the reference", ref, err)
		}
	}
}

// The package-level functions need no set-up: the default Client reads the
// region, credentials and endpoint from the environment, as in Lambda.
func TestPackageLevelGetStringFromEnvironment(t *testing.T) {
	s := seed(t)
	t.Setenv("AWS_ENDPOINT_URL", s.srv.URL)
	t.Setenv("AWS_REGION", kumotest.Region)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAKUMOTESTFAKEKEY0")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "fake-secret-access-key")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	secrets.SetDefault(nil)
	t.Cleanup(func() {
		if previous := secrets.SetDefault(nil); previous != nil {
			_ = previous.Close()
		}
	})
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			got, err := secrets.GetString(context.Background(), "sm:prod/db#password")
			if err != nil || got != "second-password-v2" {
				t.Errorf("secrets.GetString: %d bytes, %v", len(got), err)
			}
		})
	}
	wg.Wait()
}
