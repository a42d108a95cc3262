package memory_test

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/secretref/secretref/providers"
	"github.com/secretref/secretref/providers/memory"
	"github.com/secretref/secretref/providers/providertest"
)

func TestConformance(t *testing.T) {
	s := memory.New()
	providertest.Run(t, providertest.Harness{
		Provider: s,
		// Hierarchical names, for the listing of paths.
		Name: func(w string) string { return "/providertest/" + w },
		Put: func(_ context.Context, name string, v []byte) (string, error) {
			return s.Put(name, string(v)), nil
		},
		PutBinary: func(_ context.Context, name string, v []byte) (string, error) {
			return s.PutBinary(name, v), nil
		},
		Versions:         true,
		PreviousStage:    memory.StagePrevious,
		ScheduleRotation: func(_ context.Context, name string, next time.Time) error { return s.SetNextRotation(name, next) },
	})
}

func fetchValue(t *testing.T, s *memory.Store, req providers.Request) string {
	t.Helper()
	res, err := s.Fetch(context.Background(), req)
	if err != nil {
		t.Fatalf("Fetch(%+v): %v", req, err)
	}
	return string(res.Value)
}

// A name, its ARNs and its passthrough path name one entry.
func TestNamesAndARNsAlike(t *testing.T) {
	s := memory.New()
	s.Put("prod/db", "secret-value")
	s.Put("/prod/app/key", "parameter-value")
	s.Put("flat", "flat-value")
	s.Put("legacy-AbCdEf", "suffixed-name-value") // a name that ends like a full ARN
	for _, tc := range []struct{ name, want string }{
		{"prod/db", "secret-value"},
		{memory.SecretARN("prod/db"), "secret-value"},
		{"arn:aws:secretsmanager:" + memory.Region + ":" + memory.Account + ":secret:prod/db", "secret-value"}, // partial ARN
		{"/aws/reference/secretsmanager/prod/db", "secret-value"},
		{"/prod/app/key", "parameter-value"},
		{memory.ParameterARN("/prod/app/key"), "parameter-value"},
		{memory.ParameterARN("flat"), "flat-value"},
		{"arn:aws:secretsmanager:" + memory.Region + ":" + memory.Account + ":secret:legacy-AbCdEf", "suffixed-name-value"},
		{memory.SecretARN("legacy-AbCdEf"), "suffixed-name-value"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := fetchValue(t, s, providers.Request{Name: tc.name}); got != tc.want {
				t.Errorf("Fetch gave a %d-byte value, want the %d-byte one", len(got), len(tc.want))
			}
		})
	}
}

// Every method that takes a name takes its ARNs too.
func TestMethodsTakeARNs(t *testing.T) {
	s := memory.New()
	arn := memory.SecretARN("prod/db")
	v1 := s.Put(arn, "one")
	s.Put("prod/db", "two")
	if got := fetchValue(t, s, providers.Request{Name: "prod/db", VersionID: v1}); got != "one" {
		t.Error("Put by ARN and Put by name made two entries")
	}
	if err := s.SetStage(arn, "custom", v1); err != nil {
		t.Fatal(err)
	}
	if got := fetchValue(t, s, providers.Request{Name: "prod/db", Stage: "custom"}); got != "one" {
		t.Error("SetStage by ARN did not move the label")
	}
	when := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	if err := s.SetNextRotation(arn, when); err != nil {
		t.Fatal(err)
	}
	if err := s.SetReplicas(arn, "eu-west-1", "us-west-2"); err != nil {
		t.Fatal(err)
	}
	if d, err := s.Describe(context.Background(), providers.Request{Name: "prod/db"}); err != nil || !d.NextRotation.Equal(when) || len(d.Replicas) != 2 {
		t.Errorf("Describe by name after SetNextRotation and SetReplicas by ARN = %+v, %v", d, err)
	}
	s.Fail("prod/db", providers.Classify(providers.ErrThrottled, errors.New("injected")))
	if _, err := s.Fetch(context.Background(), providers.Request{Name: arn}); !errors.Is(err, providers.ErrThrottled) {
		t.Errorf("Fetch by ARN of a name failed by Fail: %v", err)
	}
	s.Fail(arn, nil)
	s.Delete(arn)
	if _, err := s.Fetch(context.Background(), providers.Request{Name: "prod/db"}); !errors.Is(err, providers.ErrNotFound) {
		t.Errorf("Fetch after Delete by ARN: %v", err)
	}
}

func TestSecretARN(t *testing.T) {
	a := memory.SecretARN("prod/db")
	if !strings.HasPrefix(a, "arn:aws:secretsmanager:"+memory.Region+":"+memory.Account+":secret:prod/db-") || len(a) != len(memory.SecretARN("prod/db2"))-1 {
		t.Errorf("SecretARN = %q", a)
	}
	if a != memory.SecretARN("prod/db") || a == memory.SecretARN("prod/other") {
		t.Error("SecretARN is not a function of the name alone")
	}
	if got := memory.ParameterARN("/prod/key"); got != "arn:aws:ssm:"+memory.Region+":"+memory.Account+":parameter/prod/key" {
		t.Errorf("ParameterARN = %q", got)
	}
}

func TestFetchPath(t *testing.T) {
	s := memory.New()
	for _, n := range []string{"/app/a", "/app/b", "/app/sub/c", "/apple/x", "/top", "app/flat"} {
		s.Put(n, "v"+n)
	}
	s.PutPending("/app/pending-only", "p")
	ctx := context.Background()
	for _, tc := range []struct {
		path      string
		recursive bool
		want      []string
	}{
		{"/app", false, []string{"/app/a", "/app/b"}},
		{"/app/", false, []string{"/app/a", "/app/b"}},
		{"/app", true, []string{"/app/a", "/app/b", "/app/sub/c"}},
		{"/", false, []string{"/top"}},
		{"/", true, []string{"/app/a", "/app/b", "/app/sub/c", "/apple/x", "/top"}},
		{"/nothing", true, nil},
	} {
		got, err := s.FetchPath(ctx, tc.path, tc.recursive, "")
		if err != nil {
			t.Fatalf("FetchPath(%q, %v): %v", tc.path, tc.recursive, err)
		}
		if names := slices.Sorted(maps.Keys(got)); !slices.Equal(names, tc.want) {
			t.Errorf("FetchPath(%q, %v) = %q, want %q", tc.path, tc.recursive, names, tc.want)
		}
	}
	if _, err := s.FetchPath(ctx, "app", true, ""); !errors.Is(err, providers.ErrInvalidReference) {
		t.Errorf("FetchPath of a path without '/': %v", err)
	}
	// A listing fails as a whole, for its path or for every read.
	throttled := providers.Classify(providers.ErrThrottled, errors.New("injected"))
	s.Fail("/app/a", throttled)
	if _, err := s.FetchPath(ctx, "/app", true, ""); err != nil {
		t.Errorf("an entry's failure failed the listing: %v", err)
	}
	for _, failed := range []string{"/app", ""} {
		s.Fail(failed, throttled)
		if _, err := s.FetchPath(ctx, "/app/", true, ""); !errors.Is(err, providers.ErrThrottled) {
			t.Errorf("FetchPath with Fail(%q): %v", failed, err)
		}
		s.Fail(failed, nil)
	}
	if n := s.PathCalls(); n != 9 { // the path without '/' is refused before it counts
		t.Errorf("PathCalls = %d, want 9", n)
	}
}

func TestFetchBatch(t *testing.T) {
	s := memory.New()
	s.Put("a", "va")
	s.Put("/b", "vb")
	s.Fail("/b", providers.Classify(providers.ErrUnavailable, errors.New("injected")))
	res := s.FetchBatch(context.Background(), []providers.Request{{Name: "a"}, {Name: "/b"}, {Name: "missing"}, {Name: memory.SecretARN("a")}})
	if res[0].Err != nil || string(res[0].Result.Value) != "va" || string(res[3].Result.Value) != "va" {
		t.Errorf("found: %+v, %+v", res[0], res[3])
	}
	if !errors.Is(res[1].Err, providers.ErrUnavailable) || !errors.Is(res[2].Err, providers.ErrNotFound) {
		t.Errorf("failures: %v, %v", res[1].Err, res[2].Err)
	}
	// Calls counts values asked for, whichever way.
	if _, err := s.Fetch(context.Background(), providers.Request{Name: "a"}); err != nil {
		t.Fatal(err)
	}
	if s.Calls() != 5 || s.BatchCalls() != 1 {
		t.Errorf("Calls = %d, BatchCalls = %d; want 5 and 1", s.Calls(), s.BatchCalls())
	}
}

// SetStage moves a label as UpdateSecretVersionStage does (checked against
// Secrets Manager's API reference, which kumo does not follow here): the
// version keeps its other labels, and moving AWSCURRENT moves AWSPREVIOUS
// to the version that was current and leaves AWSPENDING where it is, so
// that after a rotation function's finishSecret the new version is both
// current and pending. RemoveStage takes a label off one version only.
func TestSetStageAsUpdateSecretVersionStage(t *testing.T) {
	s := memory.New()
	v1 := s.Put("prod/db", "one")
	v2 := s.PutPending("prod/db", "two") // createSecret
	stages := func() map[string]string {
		got := map[string]string{}
		for _, stage := range []string{memory.StageCurrent, memory.StagePrevious, memory.StagePending} {
			v, err := s.Fetch(context.Background(), providers.Request{Name: "prod/db", Stage: stage})
			if err == nil {
				got[stage] = v.Version
			} else if !errors.Is(err, providers.ErrNotFound) {
				t.Fatal(err)
			}
		}
		return got
	}
	check := func(step string, want map[string]string) {
		t.Helper()
		if got := stages(); !maps.Equal(got, want) {
			t.Errorf("after %s: labels on versions %v, want %v", step, got, want)
		}
	}
	check("createSecret", map[string]string{memory.StageCurrent: v1, memory.StagePending: v2})
	if err := s.SetStage("prod/db", memory.StageCurrent, v2); err != nil { // finishSecret
		t.Fatal(err)
	}
	check("finishSecret", map[string]string{memory.StageCurrent: v2, memory.StagePrevious: v1, memory.StagePending: v2})
	if err := s.RemoveStage("prod/db", memory.StagePending, v1); err != nil {
		t.Fatal(err)
	}
	check("removing AWSPENDING from a version without it", map[string]string{memory.StageCurrent: v2, memory.StagePrevious: v1, memory.StagePending: v2})
	if err := s.RemoveStage("prod/db", memory.StagePending, v2); err != nil {
		t.Fatal(err)
	}
	check("removing AWSPENDING", map[string]string{memory.StageCurrent: v2, memory.StagePrevious: v1})
	v3 := s.PutPending("prod/db", "three") // the next createSecret
	check("the next createSecret", map[string]string{memory.StageCurrent: v2, memory.StagePrevious: v1, memory.StagePending: v3})
	if err := s.RemoveStage("prod/db", memory.StagePending, "9"); !errors.Is(err, providers.ErrNotFound) {
		t.Errorf("RemoveStage of a version that does not exist: %v, want ErrNotFound", err)
	}
}

// Rotate does a rotation function's steps: the new version is current, the
// old one previous, and none is pending.
func TestRotate(t *testing.T) {
	s := memory.New()
	v1 := s.Put("prod/db", "one")
	s.PutPending("prod/db", "abandoned")
	v3 := s.Rotate("prod/db", "three")
	for _, tc := range []struct{ stage, want string }{
		{memory.StageCurrent, "three"},
		{memory.StagePrevious, "one"},
	} {
		if got := fetchValue(t, s, providers.Request{Name: "prod/db", Stage: tc.stage}); got != tc.want {
			t.Errorf("%s holds a %d-byte value, want the %d-byte one", tc.stage, len(got), len(tc.want))
		}
	}
	if _, err := s.Fetch(context.Background(), providers.Request{Name: "prod/db", Stage: memory.StagePending}); !errors.Is(err, providers.ErrNotFound) {
		t.Errorf("AWSPENDING after Rotate: %v, want ErrNotFound", err)
	}
	if v1 != "1" || v3 != "3" {
		t.Errorf("versions %q and %q, want 1 and 3", v1, v3)
	}
}
