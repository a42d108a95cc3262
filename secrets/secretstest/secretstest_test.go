package secretstest_test

import (
	"context"
	"errors"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/secretref/secretref/providers/memory"
	"github.com/secretref/secretref/secrets"
	"github.com/secretref/secretref/secrets/secretstest"
)

// Every form of reference to one secret or parameter reads it, through one
// store.
func TestReferencesAlike(t *testing.T) {
	c, store := secretstest.New(t)
	store.Put("prod/db", `{"username":"app","password":"pw-one"}`)
	store.Put("prod/db", `{"username":"app","password":"pw-two"}`)
	store.Put("/prod/app/key", "key-one")
	store.Put("/prod/app/key", "key-two")
	store.SetStage("/prod/app/key", "blue", "1")
	ctx := context.Background()
	for _, tc := range []struct{ ref, want string }{
		{"sm:prod/db#password", "pw-two"},
		{"prod/db#password", "pw-two"},
		{memory.SecretARN("prod/db") + ":password::", "pw-two"},
		{memory.SecretARN("prod/db") + ":password:AWSPREVIOUS:", "pw-one"},
		{"arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/db#password", "pw-two"},
		{"sm:prod/db?stage=AWSPREVIOUS#password", "pw-one"},
		{"sm:prod/db?version-id=1#password", "pw-one"},
		{"/aws/reference/secretsmanager/prod/db#password", "pw-two"},
		{"/prod/app/key", "key-two"},
		{"ssm:/prod/app/key:1", "key-one"},
		{"ssm:/prod/app/key:blue", "key-one"},
		{memory.ParameterARN("/prod/app/key"), "key-two"},
		{memory.ParameterARN("/prod/app/key") + ":1", "key-one"},
	} {
		got, err := c.GetString(ctx, tc.ref)
		if err != nil || got != tc.want {
			t.Errorf("GetString(%q) = a %d-byte value, %v; want the %d-byte one", tc.ref, len(got), err, len(tc.want))
		}
	}
}

// GetPath lists the store's parameters and GetMany fetches in one batch.
func TestPathsAndBatches(t *testing.T) {
	c, store := secretstest.New(t)
	for _, n := range []string{"/svc/a", "/svc/b", "/svc/deep/c"} {
		store.Put(n, "value of "+n)
	}
	ctx := context.Background()
	got, err := c.GetPath(ctx, "/svc", true)
	if err != nil {
		t.Fatal(err)
	}
	if names := slices.Sorted(maps.Keys(got)); !slices.Equal(names, []string{"/svc/a", "/svc/b", "/svc/deep/c"}) {
		t.Errorf("GetPath = %q", names)
	}
	store.Put("one", "1")
	store.Put("two", "2")
	vals, err := c.GetMany(ctx, "sm:one", "sm:two", memory.SecretARN("one"))
	if err != nil || len(vals) != 3 {
		t.Fatalf("GetMany = %d values, %v", len(vals), err)
	}
	if store.BatchCalls() == 0 {
		t.Error("GetMany made no batch call")
	}
}

// Rotate makes a new current version; a Client tells watchers of it.
func TestRotation(t *testing.T) {
	c, store := secretstest.New(t)
	store.Put("prod/db", "first")
	ctx := context.Background()
	if _, err := c.Get(ctx, "sm:prod/db"); err != nil {
		t.Fatal(err)
	}
	seen := make(chan secrets.Value, 1)
	stop, err := c.Watch("sm:prod/db", func(v secrets.Value) { seen <- v })
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	id := store.Rotate("prod/db", "second")
	// A second fetch of the secret: the cached value is dropped.
	if err := c.Invalidate("sm:prod/db"); err != nil {
		t.Fatal(err)
	}
	v, err := c.Get(ctx, "sm:prod/db")
	if err != nil || v.Reveal() != "second" || v.Version() != id {
		t.Fatalf("after Rotate: version %q, %v; want version %q", v.Version(), err, id)
	}
	if prev, err := c.GetString(ctx, "sm:prod/db?stage=AWSPREVIOUS"); err != nil || prev != "first" {
		t.Errorf("AWSPREVIOUS after Rotate: %d bytes, %v", len(prev), err)
	}
	select {
	case w := <-seen:
		if w.Version() != id {
			t.Errorf("the watcher saw version %q, want %q", w.Version(), id)
		}
	case <-time.After(10 * time.Second):
		t.Error("the watcher was not told of the rotation")
	}
}

// Injected failures reach the caller classified.
func TestFailures(t *testing.T) {
	for _, kind := range []error{secrets.ErrThrottled, secrets.ErrUnavailable, secrets.ErrAccessDenied, secrets.ErrNotFound, secrets.ErrMisconfigured} {
		t.Run(kind.Error(), func(t *testing.T) {
			c, store := secretstest.New(t)
			store.Put("prod/db", "v")
			store.Fail(memory.SecretARN("prod/db"), secretstest.Failure(kind))
			_, err := c.Get(context.Background(), "sm:prod/db")
			if !errors.Is(err, kind) {
				t.Fatalf("error %v, want %v", err, kind)
			}
			store.Fail("prod/db", nil)
			if _, err := c.Get(context.Background(), "sm:prod/db"); err != nil {
				t.Fatalf("after the failure was cleared: %v", err)
			}
		})
	}
}

// The Client is closed when the test ends.
func TestClosedAtCleanup(t *testing.T) {
	var c *secrets.Client
	t.Run("user test", func(t *testing.T) {
		c, _ = secretstest.New(t)
	})
	if _, err := c.Get(context.Background(), "sm:prod/db"); !errors.Is(err, secrets.ErrClosed) {
		t.Fatalf("Get after the test ended: %v, want ErrClosed", err)
	}
}
