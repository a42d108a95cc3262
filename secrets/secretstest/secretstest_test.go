package secretstest_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
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

// fatalT is a T whose Fatalf ends the function that called it, as
// t.Fatalf ends a test, and records the message.
type fatalT struct {
	cleanups []func()
	msg      string
}

type fatal struct{}

func (t *fatalT) Helper()          {}
func (t *fatalT) Cleanup(f func()) { t.cleanups = append(t.cleanups, f) }
func (t *fatalT) Fatalf(format string, a ...any) {
	t.msg = fmt.Sprintf(format, a...)
	panic(fatal{})
}

// failed reports whether f called t.Fatalf.
func (t *fatalT) failed(f func()) (failed bool) {
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(fatal); !ok {
				panic(r)
			}
			failed = true
		}
	}()
	f()
	return false
}

// The store is as strict as the services: Put fails the test for a name
// neither takes, and an ARN of another account or region, or a full ARN
// of a secret made again, does not read the secret stored by name.
func TestStrictAsTheServices(t *testing.T) {
	ft := &fatalT{}
	defer func() {
		for i := len(ft.cleanups) - 1; i >= 0; i-- {
			ft.cleanups[i]()
		}
	}()
	c, store := secretstest.New(ft)
	for name, put := range map[string]func(){
		"Put":        func() { store.Put("prod db", "v") },
		"PutBinary":  func() { store.PutBinary("prod/db#password", []byte("v")) },
		"PutPending": func() { store.PutPending("/prod//db", "v") },
		"Rotate":     func() { store.Rotate("/aws/app/key", "v") },
	} {
		ft.msg = ""
		if !ft.failed(put) {
			t.Errorf("%s of an invalid name did not fail the test", name)
		} else if !strings.HasPrefix(ft.msg, "secretstest: ") || !strings.Contains(ft.msg, "memory: ") {
			t.Errorf("%s: message %q", name, ft.msg)
		}
	}
	if store.Calls() != 0 {
		t.Error("a refused Put reached the store")
	}

	store.Put("prod/db", `{"password":"pw"}`)
	store.Put("/prod/app/key", "key")
	ctx := context.Background()
	full := memory.SecretARN("prod/db")
	for _, ref := range []string{
		"arn:aws:secretsmanager:eu-west-1:" + memory.Account + ":secret:prod/db#password",
		"arn:aws:secretsmanager:" + memory.Region + ":111122223333:secret:prod/db#password",
		strings.Replace(full, ":"+memory.Region+":", ":eu-west-1:", 1) + ":password::",
		full[:len(full)-6] + "Zz9Zz9:password::",
		"arn:aws:ssm:eu-west-1:" + memory.Account + ":parameter/prod/app/key",
	} {
		if _, err := c.Get(ctx, ref); !errors.Is(err, secrets.ErrNotFound) {
			t.Errorf("Get(%q): %v, want ErrNotFound", ref, err)
		}
	}
	if pw, err := c.GetString(ctx, full+":password::"); err != nil || pw != "pw" {
		t.Errorf("Get by the secret's own ARN: %d bytes, %v", len(pw), err)
	}
}

// A handler that reads through the package-level functions reads the
// store's secrets; the previous default is back when the test ends.
func TestNewDefault(t *testing.T) {
	outer, _ := secretstest.New(t)
	before := secrets.SetDefault(outer)
	t.Cleanup(func() { secrets.SetDefault(before) })

	handler := func(ctx context.Context) (string, error) { return secrets.GetString(ctx, "sm:prod/db#password") }
	var inner *secrets.Client
	t.Run("handler test", func(t *testing.T) {
		var store *secretstest.Store
		inner, store = secretstest.NewDefault(t)
		store.Put("prod/db", `{"password":"test-only"}`)
		if got, err := handler(context.Background()); err != nil || got != "test-only" {
			t.Errorf("handler read a %d-byte value, %v", len(got), err)
		}
	})
	if c, err := secrets.Default(context.Background()); err != nil || c != outer {
		t.Errorf("after the test the default is %p (%v), want the previous one %p", c, err, outer)
	}
	if _, err := inner.Get(context.Background(), "sm:prod/db"); !errors.Is(err, secrets.ErrClosed) {
		t.Errorf("the test's default Client after the test: %v, want ErrClosed", err)
	}
}
