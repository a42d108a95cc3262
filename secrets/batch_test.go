package secrets_test

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/secretref/secretref/internal/testing/kumotest"
	"github.com/secretref/secretref/secrets"
)

// putParameters stores name → "value-of-"+name SecureStrings in kumo.
func putParameters(t *testing.T, srv *kumotest.Server, names ...string) {
	t.Helper()
	client := srv.SSM(t)
	for _, n := range names {
		if _, err := client.PutParameter(context.Background(), &ssm.PutParameterInput{
			Name: aws.String(n), Value: aws.String("value-of-" + n), Type: ssmtypes.ParameterTypeSecureString,
		}); err != nil {
			t.Fatal(err)
		}
	}
}

func newKumoClient(t *testing.T, srv *kumotest.Server, opts ...func(*secrets.Options)) (*secrets.Client, *kumotest.RequestLog) {
	t.Helper()
	cfg, log := srv.LoggedConfig(t)
	return newAWSClient(t, cfg, opts...), log
}

func TestGetManyBatchesParameters(t *testing.T) {
	srv := kumotest.Start(t)
	var refs []string
	for i := range 25 {
		refs = append(refs, fmt.Sprintf("/batch/app/p%02d", i))
	}
	putParameters(t, srv, refs...)
	c, log := newKumoClient(t, srv)

	got, err := c.GetMany(context.Background(), refs...)
	if err != nil {
		t.Fatal(err)
	}
	if n := log.Count("GetParameters"); n != 3 {
		t.Errorf("%d GetParameters calls for 25 parameters, want 3", n)
	}
	if n := len(log.Take()); n != 3 {
		t.Errorf("%d requests in all, want 3", n)
	}
	for _, r := range refs {
		if got[r].Reveal() != "value-of-"+r {
			t.Errorf("%s: wrong value", r)
		}
	}
	// The values are in the cache: reading them again calls nothing.
	for _, r := range refs {
		if _, err := c.Get(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.GetMany(context.Background(), refs...); err != nil {
		t.Fatal(err)
	}
	if n := len(log.Take()); n != 0 {
		t.Errorf("%d requests for cached values, want 0", n)
	}
}

func TestGetManyReportsExactlyTheMissing(t *testing.T) {
	srv := kumotest.Start(t)
	putParameters(t, srv, "/mix/a", "/mix/b")
	if _, err := srv.SecretsManager(t).CreateSecret(context.Background(), &secretsmanager.CreateSecretInput{
		Name: aws.String("mix/db"), SecretString: aws.String(`{"user":"app"}`),
	}); err != nil {
		t.Fatal(err)
	}
	c, _ := newKumoClient(t, srv)
	refs := []string{"/mix/a", "/mix/none", "sm:mix/db#user", "sm:mix/db#nokey", "sm:mix/gone", "/mix/b", "bad:ref"}
	got, err := c.GetMany(context.Background(), refs...)
	if len(got) != 3 || got["/mix/a"].Reveal() != "value-of-/mix/a" || got["sm:mix/db#user"].Reveal() != "app" {
		t.Errorf("got values for %v, want /mix/a, /mix/b and sm:mix/db#user", keys(got))
	}
	var failed []string
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		var re *secrets.RefError
		if !errors.As(e, &re) {
			t.Fatalf("%v is not a *RefError", e)
		}
		failed = append(failed, re.Ref)
	}
	sort.Strings(failed)
	if want := []string{"/mix/none", "bad:ref", "sm:mix/db#nokey", "sm:mix/gone"}; strings.Join(failed, " ") != strings.Join(want, " ") {
		t.Errorf("failed references %q, want %q", failed, want)
	}
	if !errors.Is(err, secrets.ErrNotFound) || !errors.Is(err, secrets.ErrKeyNotFound) || !errors.Is(err, secrets.ErrInvalidReference) {
		t.Errorf("joined error %v does not match each cause", err)
	}
}

// kumo has no BatchGetSecretValue: GetMany must fall back to GetSecretValue
// and stop trying the batch call.
func TestGetManySecretsFallBackAgainstKumo(t *testing.T) {
	srv := kumotest.Start(t)
	sm := srv.SecretsManager(t)
	var refs []string
	for i := range 5 {
		name := fmt.Sprintf("fallback/s%d", i)
		if _, err := sm.CreateSecret(context.Background(), &secretsmanager.CreateSecretInput{Name: &name, SecretString: aws.String("v")}); err != nil {
			t.Fatal(err)
		}
		refs = append(refs, "sm:"+name)
	}
	c, log := newKumoClient(t, srv)
	if _, err := c.GetMany(context.Background(), refs[:3]...); err != nil {
		t.Fatal(err)
	}
	if b, g := log.Count("BatchGetSecretValue"), log.Count("GetSecretValue"); b != 1 || g != 3 {
		t.Errorf("first batch: %d BatchGetSecretValue and %d GetSecretValue calls, want 1 and 3", b, g)
	}
	log.Take()
	if _, err := c.GetMany(context.Background(), refs[3:]...); err != nil {
		t.Fatal(err)
	}
	if b, g := log.Count("BatchGetSecretValue"), log.Count("GetSecretValue"); b != 0 || g != 2 {
		t.Errorf("second batch: %d BatchGetSecretValue and %d GetSecretValue calls, want 0 and 2", b, g)
	}
}

func TestGetPathReadsEveryPage(t *testing.T) {
	srv := kumotest.Start(t)
	var names []string
	for i := range 26 {
		names = append(names, fmt.Sprintf("/tree/level%d/p%02d", i%3, i))
	}
	putParameters(t, srv, append(names, "/other/x")...)
	c, log := newKumoClient(t, srv)

	got, err := c.GetPath(context.Background(), "/tree", true)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 26 {
		t.Fatalf("%d parameters, want 26", len(got))
	}
	for _, n := range names {
		if got[n].Reveal() != "value-of-"+n {
			t.Errorf("%s: wrong value", n)
		}
	}
	if n := log.Count("GetParametersByPath"); n < 3 {
		t.Errorf("%d pages, want at least 3 of at most 10", n)
	}
	log.Take()
	if _, err := c.Get(context.Background(), names[0]); err != nil {
		t.Fatal(err)
	}
	if n := len(log.Take()); n != 0 {
		t.Errorf("Get of a listed parameter made %d requests, want 0", n)
	}
	for _, bad := range []string{"tree", "/tree//x", "/tree#k"} {
		if _, err := c.GetPath(context.Background(), bad, false); !errors.Is(err, secrets.ErrInvalidReference) {
			t.Errorf("GetPath(%q): %v, want ErrInvalidReference", bad, err)
		}
	}
}

func TestPrefetch(t *testing.T) {
	srv := kumotest.Start(t)
	putParameters(t, srv, "/pre/a", "/pre/b")
	c, log := newKumoClient(t, srv, func(o *secrets.Options) { o.Prefetch = append(o.Prefetch, "/pre/a", "/pre/b") })
	if n := log.Count("GetParameters"); n != 1 {
		t.Errorf("New made %d GetParameters calls, want 1", n)
	}
	log.Take()
	for _, r := range []string{"/pre/a", "/pre/b"} {
		if _, err := c.Get(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(log.Take()); n != 0 {
		t.Errorf("reads after prefetch made %d requests, want 0", n)
	}
	cfg, _ := srv.LoggedConfig(t)
	_, err := secrets.New(context.Background(), func(o *secrets.Options) { o.AWSConfig = &cfg; o.Prefetch = append(o.Prefetch, "/pre/missing") })
	if !errors.Is(err, secrets.ErrNotFound) || !strings.Contains(err.Error(), "/pre/missing") {
		t.Errorf("New with a missing prefetch: %v, want ErrNotFound naming it", err)
	}
}

func keys(m map[string]secrets.Value) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
