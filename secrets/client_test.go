package secrets_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/secretref/secretref/providers"
	"github.com/secretref/secretref/providers/memory"
	"github.com/secretref/secretref/secrets"
)

// newMemoryClient returns a Client whose "sm" and "ssm" schemes are served by
// one memory store.
func newMemoryClient(t *testing.T, opts ...func(*secrets.Options)) (*secrets.Client, *memory.Store) {
	t.Helper()
	store := memory.New()
	return newProviderClient(t, store, opts...), store
}

const dbSecret = `{"username":"app","password":"correct horse battery staple","port":5432}`

func TestKeysShareOneFetch(t *testing.T) {
	c, store := newMemoryClient(t)
	store.Put("prod/db", dbSecret)
	ctx := context.Background()
	for _, tc := range []struct{ ref, want string }{
		{"sm:prod/db#username", "app"},
		{"sm:prod/db#password", "correct horse battery staple"},
		{"sm:prod/db#port", "5432"},
		{"prod/db#username", "app"},
		{"sm:prod/db", dbSecret},
	} {
		got, err := c.GetString(ctx, tc.ref)
		if err != nil || got != tc.want {
			t.Errorf("GetString(%q) = %d bytes, %v; want the field", tc.ref, len(got), err)
		}
	}
	if n := store.Calls(); n != 1 {
		t.Errorf("%d fetches for five references to one secret, want 1", n)
	}
}

func TestConcurrentMissesMakeOneFetch(t *testing.T) {
	c, store := newMemoryClient(t)
	store.Put("prod/db", dbSecret)
	var wg sync.WaitGroup
	for i := range 100 {
		wg.Go(func() {
			ref := "sm:prod/db#username"
			if i%2 == 0 {
				ref = "sm:prod/db#password"
			}
			if _, err := c.Get(context.Background(), ref); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := store.Calls(); n != 1 {
		t.Errorf("%d fetches for 100 concurrent reads, want 1", n)
	}
}

func TestHitAllocatesNothing(t *testing.T) {
	c, store := newMemoryClient(t)
	store.Put("prod/db", dbSecret)
	ctx := context.Background()
	for _, ref := range []string{"sm:prod/db", "sm:prod/db#password"} {
		if _, err := c.Get(ctx, ref); err != nil {
			t.Fatal(err)
		}
		if n := testing.AllocsPerRun(1000, func() { _, _ = c.Get(ctx, ref) }); n != 0 {
			t.Errorf("Get(%q) hit: %v allocations, want 0", ref, n)
		}
		if n := testing.AllocsPerRun(1000, func() { _, _ = c.GetString(ctx, ref) }); n != 0 {
			t.Errorf("GetString(%q) hit: %v allocations, want 0", ref, n)
		}
	}
}

func TestInvalidate(t *testing.T) {
	c, store := newMemoryClient(t)
	ctx := context.Background()
	store.Put("prod/db", dbSecret)
	if _, err := c.Get(ctx, "sm:prod/db#password"); err != nil {
		t.Fatal(err)
	}
	store.Put("prod/db", `{"password":"rotated"}`)
	// Invalidating one #key drops the entry every #key of the secret shares.
	if err := c.Invalidate("sm:prod/db#username"); err != nil {
		t.Fatal(err)
	}
	if got, err := c.GetString(ctx, "sm:prod/db#password"); err != nil || got != "rotated" {
		t.Fatalf("after Invalidate: %d bytes, %v; want the new value", len(got), err)
	}
	if err := c.Invalidate("sm:"); !errors.Is(err, secrets.ErrInvalidReference) {
		t.Fatalf("Invalidate of a malformed reference: %v", err)
	}
}

func TestErrorsAreClassifiedAndNameTheReference(t *testing.T) {
	c, store := newMemoryClient(t)
	store.Put("prod/db", dbSecret)
	store.Put("plain", "not json at all: correct horse")
	store.PutBinary("bin", []byte{0, 1, 2, 'c', 'o', 'r', 'r', 'e', 'c', 't'})
	ctx := context.Background()
	for _, tc := range []struct {
		ref  string
		want error
	}{
		{"sm:missing", secrets.ErrNotFound},
		{"sm:prod/db#nokey", secrets.ErrKeyNotFound},
		{"sm:plain#password", secrets.ErrInvalidValue},
		{"sm:bin#password", secrets.ErrInvalidValue},
		{"sm:prod/db?version-id=99", secrets.ErrNotFound},
		{"nope:x", secrets.ErrInvalidReference},
	} {
		_, err := c.Get(ctx, tc.ref)
		if !errors.Is(err, tc.want) {
			t.Errorf("Get(%q): %v, want %v", tc.ref, err, tc.want)
			continue
		}
		var re *secrets.RefError
		if !errors.As(err, &re) || re.Ref != tc.ref || !strings.Contains(err.Error(), tc.ref) {
			t.Errorf("Get(%q): error %q does not name the reference", tc.ref, err)
		}
		if strings.Contains(err.Error(), "correct") {
			t.Errorf("Get(%q): error message contains the secret", tc.ref)
		}
	}
}

func TestNilContext(t *testing.T) {
	c, store := newMemoryClient(t)
	store.Put("a", "v")
	//lint:ignore SA1012 a nil Context is the input under test
	_, err := c.Get(nil, "sm:a") //nolint:staticcheck
	if !errors.Is(err, secrets.ErrInvalidArgument) {
		t.Fatalf("Get(nil ctx): %v, want ErrInvalidArgument", err)
	}
}

func TestClosedClient(t *testing.T) {
	c, store := newMemoryClient(t)
	store.Put("a", "v")
	ctx := context.Background()
	if _, err := c.Get(ctx, "sm:a"); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	for _, ref := range []string{"sm:a", "sm:b"} {
		if _, err := c.Get(ctx, ref); !errors.Is(err, secrets.ErrClosed) {
			t.Errorf("Get(%q) after Close: %v, want ErrClosed", ref, err)
		}
	}
}

func TestCustomScheme(t *testing.T) {
	vault := memory.New()
	vault.Put("team/db", `{"password":"p"}`)
	c, _ := newMemoryClient(t, func(o *secrets.Options) { o.Providers["vault"] = vault })
	got, err := c.GetString(context.Background(), "vault:team/db#password")
	if err != nil || got != "p" {
		t.Fatalf("custom scheme: %d bytes, %v", len(got), err)
	}
	if _, err := secrets.New(context.Background(), func(o *secrets.Options) { o.Providers = map[string]providers.Provider{"Bad Scheme": vault} }); !errors.Is(err, secrets.ErrInvalidArgument) {
		t.Fatalf("New with a malformed scheme: %v, want ErrInvalidArgument", err)
	}
}

func TestWatchTellsOfNewVersions(t *testing.T) {
	// No minimum interval: the Refresh below comes right after the first
	// fetch, and would otherwise return it.
	c, store := newMemoryClient(t, func(o *secrets.Options) { o.MinRefreshInterval = secrets.Disabled })
	store.Put("prod/db", `{"password":"one"}`)
	ctx := context.Background()
	if _, err := c.Get(ctx, "sm:prod/db#password"); err != nil {
		t.Fatal(err)
	}
	seen := make(chan string, 4)
	stop, err := c.Watch("sm:prod/db#password", func(v secrets.Value) { seen <- v.Reveal() })
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	store.Put("prod/db", `{"password":"two"}`)
	if _, err := c.Refresh(ctx, "sm:prod/db"); err != nil {
		t.Fatal(err)
	}
	if got := <-seen; got != "two" {
		t.Fatalf("watch saw a %d-byte value, want the new field", len(got))
	}
	if _, err := c.Watch("sm:", func(secrets.Value) {}); !errors.Is(err, secrets.ErrInvalidReference) {
		t.Fatalf("Watch of a malformed reference: %v", err)
	}
}

// References built anew for each read, whose memory the garbage collector
// reuses, each read their own value: the table of recently read strings
// matches a string by its address only while it holds that string.
func TestReferencesBuiltAtRunTime(t *testing.T) {
	c, store := newMemoryClient(t)
	const n = 300
	for i := range n {
		store.Put(fmt.Sprintf("app/s%04d", i), fmt.Sprintf("value-%04d", i))
	}
	ctx := context.Background()
	for round := range 20 {
		for i := range n {
			ref := fmt.Sprintf("sm:app/s%04d", (i*7+round)%n)
			want := fmt.Sprintf("value-%04d", (i*7+round)%n)
			if got, err := c.GetString(ctx, ref); err != nil || got != want {
				t.Fatalf("round %d: %s read another value (%d bytes), %v", round, ref, len(got), err)
			}
		}
		runtime.GC()
	}
}
