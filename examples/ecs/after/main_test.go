package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/secretref/secretref/internal/testing/exampletest"
	"github.com/secretref/secretref/internal/testing/kumotest"
	"github.com/secretref/secretref/internal/testing/poll"
)

var service = exampletest.Binary{Package: "./examples/ecs/after", Name: "service"}

func TestMain(m *testing.M) { os.Exit(exampletest.Main(m, &service)) }

const (
	secretName = "prod/orders/db"
	passwordV1 = "ecs-test-password-v1"
	passwordV2 = "ecs-test-password-v2"
)

// TestRotationWithoutRestart runs the service against Secrets Manager
// emulated by kumo, rotates the secret, and sees the running process switch
// to the new version.
func TestRotationWithoutRestart(t *testing.T) {
	ctx := context.Background()
	kumo := kumotest.Start(t)
	sm := kumo.SecretsManager(t)
	created, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String(secretName), SecretString: aws.String(dbSecretJSON(t, passwordV1))})
	if err != nil {
		t.Fatal(err)
	}
	addr := exampletest.FreeAddr(t)
	svc := exampletest.Start(t, exampletest.Command{
		Path: service.Path,
		Env: append(exampletest.AWSEnv(t, kumo.URL),
			"DB_SECRET_REF="+aws.ToString(created.ARN),
			"SECRET_TTL=1s", // the watch re-reads the secret each TTL
			"LISTEN_ADDR="+addr,
		),
		Secrets: []string{passwordV1, passwordV2},
	})

	awaitVersion(t, addr, aws.ToString(created.VersionId))
	rotated, err := sm.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String(secretName), SecretString: aws.String(dbSecretJSON(t, passwordV2))})
	if err != nil {
		t.Fatal(err)
	}
	awaitVersion(t, addr, aws.ToString(rotated.VersionId))
	if svc.Exited() {
		t.Fatal("the service exited")
	}

	if err := svc.Stop(t, syscall.SIGTERM, 30*time.Second); err != nil {
		t.Errorf("after SIGTERM: %v, want exit code 0", err)
	}
	if out := svc.Output(); !strings.Contains(out, `"msg":"reconnected with rotated credentials","credential_version":"`+aws.ToString(rotated.VersionId)) {
		t.Error("the service did not log its reconnection")
	}
}

// The service refuses to start without a readable secret, and says why
// without showing any value.
func TestStartFailures(t *testing.T) {
	kumo := kumotest.Start(t)
	for _, tc := range []struct {
		name string
		env  []string
		want string
	}{
		{name: "no reference", env: nil, want: "DB_SECRET_REF must name the database secret"},
		{name: "bad TTL", env: []string{"DB_SECRET_REF=sm:" + secretName, "SECRET_TTL=soon"}, want: `SECRET_TTL \"soon\" is not a positive duration`},
		{name: "no such secret", env: []string{"DB_SECRET_REF=sm:prod/none"}, want: `secrets: \"sm:prod/none\": secret not found`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, code := exampletest.Run(t, exampletest.Command{
				Path: service.Path,
				Env:  append(exampletest.AWSEnv(t, kumo.URL), append(tc.env, "LISTEN_ADDR="+exampletest.FreeAddr(t))...),
			}, 30*time.Second)
			if code != 1 || !strings.Contains(out, tc.want) {
				t.Errorf("exit code %d, output:\n%s\nwant exit code 1 and %s", code, out, tc.want)
			}
		})
	}
}

// awaitVersion polls the service's /healthz until it is healthy with the
// credentials of version.
func awaitVersion(t *testing.T, addr, version string) {
	t.Helper()
	client := &http.Client{Timeout: time.Second}
	poll.Until(t, "the service to use version "+version, func() bool {
		resp, err := client.Get("http://" + addr + "/healthz")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			return false
		}
		exampletest.NoSecrets(t, "/healthz", string(body), passwordV1, passwordV2)
		var h health
		if err := json.Unmarshal(body, &h); err != nil {
			t.Fatalf("/healthz: %v", err)
		}
		return resp.StatusCode == http.StatusOK && h.CredentialVersion == version
	})
}

func dbSecretJSON(t *testing.T, password string) string {
	b, err := json.Marshal(dbSecret{Host: "orders.cluster.internal", Username: "orders", Password: password})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
