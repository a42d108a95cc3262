// Package providertest is the conformance suite every providers.Provider
// passes: each provider's own tests call Run with a Harness for it. Beyond
// Fetch, it checks the optional interfaces a provider implements
// (providers.BatchFetcher, providers.PathFetcher,
// providers.Describer), and that errors still unwrap to the
// backend's own error type.
package providertest

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/secretref/secretref/providers"
)

// Harness tells the suite how to store values in a provider's backend and
// what the provider supports.
type Harness struct {
	// Provider is the provider under test.
	Provider providers.Provider
	// Name maps a short lower-case word to a secret name valid for the
	// provider; distinct words give distinct names.
	Name func(word string) string
	// Put stores value as the new current version of name, creating the
	// secret if needed, and returns the new version's id ("" for a backend
	// without versions).
	Put func(ctx context.Context, name string, value []byte) (version string, err error)
	// PutBinary stores value as a binary secret; nil when the backend has
	// no binary secrets.
	PutBinary func(ctx context.Context, name string, value []byte) (version string, err error)
	// Versions: the provider reads an older version by Request.VersionID.
	Versions bool
	// PreviousStage is the Request.Stage that reads the version before the
	// current one ("AWSPREVIOUS"); empty when the provider has no stages.
	PreviousStage string
	// Unversioned: the backend has no versions or stages, and the provider
	// must reject a Request that selects one with ErrInvalidReference.
	Unversioned bool
	// Decrypts: the provider supports Request.SkipDecryption; otherwise it
	// must reject it with ErrInvalidReference.
	Decrypts bool
	// BackendError reports whether err unwraps to the backend's own error
	// type (errors.As to smithy.APIError for AWS, to *fs.PathError for
	// files), which the suite requires of the "not found" errors of every
	// call; nil when the backend has no error type of its own.
	BackendError func(err error) bool
	// ScheduleRotation schedules the secret name's next rotation at next,
	// for a providers.Describer; nil when the backend cannot be
	// made to (the suite then checks that an unscheduled secret has
	// none).
	ScheduleRotation func(ctx context.Context, name string, next time.Time) error
}

// Run runs the conformance suite against h.
func Run(t *testing.T, h Harness) {
	t.Run("Found", func(t *testing.T) { testFound(t, h) })
	t.Run("NotFound", func(t *testing.T) { testNotFound(t, h) })
	t.Run("Binary", func(t *testing.T) {
		if h.PutBinary == nil {
			return // the backend has no binary secrets
		}
		testBinary(t, h)
	})
	t.Run("Versions", func(t *testing.T) { testVersions(t, h) })
	t.Run("UnsupportedRequest", func(t *testing.T) { testUnsupported(t, h) })
	t.Run("Concurrent", func(t *testing.T) { testConcurrent(t, h) })
	t.Run("ContextCanceled", func(t *testing.T) { testCanceled(t, h) })
	t.Run("ResultNotRetained", func(t *testing.T) { testNotRetained(t, h) })
	if bf, ok := h.Provider.(providers.BatchFetcher); ok {
		t.Run("Batch", func(t *testing.T) { testBatch(t, h, bf) })
	}
	if pf, ok := h.Provider.(providers.PathFetcher); ok {
		t.Run("Path", func(t *testing.T) { testPath(t, h, pf) })
	}
	if d, ok := h.Provider.(providers.Describer); ok {
		t.Run("Describe", func(t *testing.T) { testDescribe(t, h, d) })
	}
}

// checkNotFound fails t unless err is a "not found" error that unwraps to
// the backend's own error type.
func checkNotFound(t *testing.T, h Harness, what string, err error) {
	t.Helper()
	if !errors.Is(err, providers.ErrNotFound) {
		t.Errorf("%s: error %v, want one matching ErrNotFound", what, err)
		return
	}
	if h.BackendError != nil && !h.BackendError(err) {
		t.Errorf("%s: error %v does not unwrap to the backend's own error type", what, err)
	}
}

func put(t *testing.T, h Harness, name, value string) string {
	t.Helper()
	v, err := h.Put(context.Background(), name, []byte(value))
	if err != nil {
		t.Fatalf("Put(%q): %v", name, err)
	}
	return v
}

func fetch(t *testing.T, h Harness, req providers.Request) *providers.Result {
	t.Helper()
	res, err := h.Provider.Fetch(context.Background(), req)
	if err != nil {
		t.Fatalf("Fetch(%+v): %v", req, err)
	}
	if res == nil {
		t.Fatalf("Fetch(%+v) returned a nil result and no error", req)
	}
	return res
}

// checkValue compares without printing either value: test output must not
// show secrets either.
func checkValue(t *testing.T, what string, got []byte, want string) {
	t.Helper()
	if !bytes.Equal(got, []byte(want)) {
		t.Errorf("%s: got a %d-byte value, want a different %d-byte value", what, len(got), len(want))
	}
}

func testFound(t *testing.T, h Harness) {
	name := h.Name("found")
	version := put(t, h, name, "value-one")
	res := fetch(t, h, providers.Request{Name: name})
	checkValue(t, "current value", res.Value, "value-one")
	if res.Binary {
		t.Error("a string secret came back as binary")
	}
	if version != "" && res.Version != version {
		t.Errorf("Version = %q, want %q (from Put)", res.Version, version)
	}
}

func testNotFound(t *testing.T, h Harness) {
	_, err := h.Provider.Fetch(context.Background(), providers.Request{Name: h.Name("missing")})
	checkNotFound(t, h, "Fetch of a missing secret", err)
}

func testBinary(t *testing.T, h Harness) {
	name := h.Name("binary")
	want := []byte{0x00, 0xff, 0xfe, 'b', 'i', 'n', 0x80}
	if _, err := h.PutBinary(context.Background(), name, want); err != nil {
		t.Fatalf("PutBinary: %v", err)
	}
	res := fetch(t, h, providers.Request{Name: name})
	checkValue(t, "binary value", res.Value, string(want))
	if !res.Binary {
		t.Error("a binary secret came back as a string")
	}
}

func testVersions(t *testing.T, h Harness) {
	if !h.Versions && h.PreviousStage == "" {
		return // the backend keeps no older versions that the provider can read
	}
	name := h.Name("versioned")
	v1 := put(t, h, name, "first")
	v2 := put(t, h, name, "second")
	if v1 == v2 {
		t.Fatalf("two Puts gave one version id %q", v1)
	}
	cur := fetch(t, h, providers.Request{Name: name})
	checkValue(t, "current after two puts", cur.Value, "second")
	if cur.Version != v2 {
		t.Errorf("current Version = %q, want %q", cur.Version, v2)
	}
	if h.Versions {
		old := fetch(t, h, providers.Request{Name: name, VersionID: v1})
		checkValue(t, "version "+v1, old.Value, "first")
		if old.Version != v1 {
			t.Errorf("Version = %q, want %q", old.Version, v1)
		}
	}
	if h.PreviousStage != "" {
		prev := fetch(t, h, providers.Request{Name: name, Stage: h.PreviousStage})
		checkValue(t, h.PreviousStage, prev.Value, "first")
	}
}

func testUnsupported(t *testing.T, h Harness) {
	name := h.Name("unsupported")
	put(t, h, name, "x")
	var reqs []providers.Request
	if !h.Decrypts {
		reqs = append(reqs, providers.Request{Name: name, SkipDecryption: true})
	}
	if h.Unversioned {
		reqs = append(reqs, providers.Request{Name: name, Stage: "AWSCURRENT"}, providers.Request{Name: name, VersionID: "1"})
	}
	for _, req := range reqs {
		if _, err := h.Provider.Fetch(context.Background(), req); !errors.Is(err, providers.ErrInvalidReference) {
			t.Errorf("Fetch(%+v): error %v, want one matching ErrInvalidReference", req, err)
		}
	}
}

func testConcurrent(t *testing.T, h Harness) {
	name := h.Name("concurrent")
	put(t, h, name, "shared")
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for range 16 {
		wg.Go(func() {
			for range 5 {
				res, err := h.Provider.Fetch(context.Background(), providers.Request{Name: name})
				if err != nil {
					errs <- err
					return
				}
				if string(res.Value) != "shared" {
					errs <- errors.New("a concurrent Fetch returned another value")
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func testCanceled(t *testing.T, h Harness) {
	name := h.Name("canceled")
	put(t, h, name, "x")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := h.Provider.Fetch(ctx, providers.Request{Name: name}); !errors.Is(err, context.Canceled) {
		t.Fatalf("Fetch with a cancelled context: error %v, want one matching context.Canceled", err)
	}
}

func testNotRetained(t *testing.T, h Harness) {
	name := h.Name("retained")
	put(t, h, name, "original")
	res := fetch(t, h, providers.Request{Name: name})
	for i := range res.Value {
		res.Value[i] = 'X'
	}
	again := fetch(t, h, providers.Request{Name: name})
	checkValue(t, "value after the caller changed an earlier result", again.Value, "original")
}
