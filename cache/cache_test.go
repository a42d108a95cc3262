package cache

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/secretref/secretref/internal/testing/fakeclock"
	"github.com/secretref/secretref/internal/testing/poll"
)

var errTransient = errors.New("transient failure")
var errGone = errors.New("gone for good")

// backend is a loader whose answers a test changes.
type backend struct {
	mu      sync.Mutex
	values  map[string]string
	errs    map[string]error
	calls   atomic.Int64
	started chan string   // receives the key of each load, if not nil
	release chan struct{} // when not nil, each load waits for it; guarded by mu once loads run
}

func newBackend() *backend {
	return &backend{values: map[string]string{}, errs: map[string]error{}}
}

func (b *backend) set(k, v string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.values[k] = v
}

func (b *backend) setRelease(ch chan struct{}) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.release = ch
}

func (b *backend) fail(k string, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.errs[k] = err
}

func (b *backend) load(ctx context.Context, k string) Loaded[string] {
	v, err := b.get(ctx, k)
	return Loaded[string]{Value: v, Err: err}
}

func (b *backend) get(ctx context.Context, k string) (string, error) {
	b.calls.Add(1)
	if b.started != nil {
		b.started <- k
	}
	b.mu.Lock()
	release := b.release
	b.mu.Unlock()
	if release != nil {
		select {
		case <-release:
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.errs[k]; err != nil {
		return "", err
	}
	v, ok := b.values[k]
	if !ok {
		return "", errGone
	}
	return v, nil
}

func isTransient(err error) bool { return errors.Is(err, errTransient) }

// newTest returns a cache over b with a fake clock, no jitter and no
// refresh ahead unless opts say otherwise.
func newTest(t *testing.T, b *backend, opts ...func(*Options[string, string])) (*Cache[string, string], *fakeclock.Clock) {
	t.Helper()
	clk := fakeclock.New(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	base := func(o *Options[string, string]) {
		o.Clock = clk
		o.TTL = time.Minute
		o.Jitter = Disabled
		o.RefreshAhead = Disabled
		o.IsTransient = isTransient
		o.SameVersion = func(a, b string) bool { return a == b }
	}
	c := mustNew(t, b.load, append([]func(*Options[string, string]){base}, opts...)...)
	return c, clk
}

// mustNew returns a new cache, closed when t ends.
func mustNew[K comparable, V any](t testing.TB, load Loader[K, V], opts ...func(*Options[K, V])) *Cache[K, V] {
	t.Helper()
	c, err := New(load, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// simple adapts a loader of the (value, error) shape.
func simple[K comparable, V any](f func(context.Context, K) (V, error)) Loader[K, V] {
	return func(ctx context.Context, k K) Loaded[V] {
		v, err := f(ctx, k)
		return Loaded[V]{Value: v, Err: err}
	}
}

// newLoaded returns a backend holding k = v, and a cache from newTest on
// it that has read k.
func newLoaded(t *testing.T, v string, opts ...func(*Options[string, string])) (*backend, *Cache[string, string], *fakeclock.Clock) {
	t.Helper()
	b := newBackend()
	b.set("k", v)
	c, clk := newTest(t, b, opts...)
	mustGet(t, c, "k", v)
	return b, c, clk
}

// watchValues watches k on c; seen returns the values delivered so far.
func watchValues(c *Cache[string, string], k string) (seen func() []string, stop func()) {
	var mu sync.Mutex
	var vals []string
	stop = c.Watch(k, func(v string) {
		mu.Lock()
		defer mu.Unlock()
		vals = append(vals, v)
	})
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(vals)
	}, stop
}

func mustGet(t *testing.T, c *Cache[string, string], k, want string) {
	t.Helper()
	got, err := c.Get(context.Background(), k)
	if err != nil || got != want {
		t.Fatalf("Get(%q) = %q, %v; want %q", k, got, err, want)
	}
}

func TestConcurrentMissesMakeOneLoad(t *testing.T) {
	b := newBackend()
	b.set("k", "v1")
	b.release = make(chan struct{})
	c, _ := newTest(t, b)
	const n = 200
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Go(func() {
			v, err := c.Get(context.Background(), "k")
			if err == nil && v != "v1" {
				err = fmt.Errorf("got %q", v)
			}
			errs <- err
		})
	}
	// Let the goroutines pile up on the one load before it completes.
	poll.Until(t, "the load to start", func() bool { return b.calls.Load() == 1 })
	time.Sleep(20 * time.Millisecond)
	close(b.release)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := b.calls.Load(); got != 1 {
		t.Fatalf("%d loads for %d concurrent misses, want 1", got, n)
	}
}

func TestHitAllocatesNothing(t *testing.T) {
	_, c, _ := newLoaded(t, "v")
	h := c.Handle("k")
	ctx := context.Background()
	if n := testing.AllocsPerRun(1000, func() { _, _ = c.Get(ctx, "k") }); n != 0 {
		t.Errorf("Get hit: %v allocations, want 0", n)
	}
	if n := testing.AllocsPerRun(1000, func() { _, _ = h.Get(ctx) }); n != 0 {
		t.Errorf("Handle.Get hit: %v allocations, want 0", n)
	}
}

func TestExpiryIsCheckedAtAccess(t *testing.T) {
	b, c, clk := newLoaded(t, "v1")
	b.set("k", "v2")
	clk.Advance(59 * time.Second)
	mustGet(t, c, "k", "v1")
	// A process frozen for an hour: no timer or goroutine ran, and the
	// next read still sees the value as expired.
	clk.Advance(time.Hour)
	mustGet(t, c, "k", "v2")
	if got := b.calls.Load(); got != 2 {
		t.Fatalf("%d loads, want 2", got)
	}
}

func TestJitterSpreadsExpiry(t *testing.T) {
	b := newBackend()
	c, _ := newTest(t, b, func(o *Options[string, string]) { o.Jitter = 0.1 })
	lo, hi := int64(1<<62), int64(0)
	for range 2000 {
		st := c.freshState(Loaded[string]{Value: "v"}, 0, 0, false, 0)
		lo, hi = min(lo, st.expiresAt), max(hi, st.expiresAt)
	}
	ttl := int64(time.Minute)
	if lo < ttl*9/10 || hi > ttl*11/10 {
		t.Errorf("expiries in [%v, %v], want within ±10%% of %v", time.Duration(lo), time.Duration(hi), time.Minute)
	}
	if hi-lo < ttl/10 {
		t.Errorf("expiries in [%v, %v] are not spread", time.Duration(lo), time.Duration(hi))
	}
}

// A first load draws its refresh point anywhere before the normal one, so
// that processes started together spread their refreshes at once.
func TestFirstRefreshSpread(t *testing.T) {
	b := newBackend()
	c, _ := newTest(t, b, func(o *Options[string, string]) { o.Jitter = 0.1; o.RefreshAhead = 0.2 })
	ttl := int64(time.Minute)
	lo, hi := int64(1<<62), int64(0)
	for range 2000 {
		st := c.freshState(Loaded[string]{Value: "v"}, 0, 0, true, rand.Float64())
		if normal := st.expiresAt * 8 / 10; st.refreshAt > normal {
			t.Fatalf("first refresh at %v, after the normal point %v", time.Duration(st.refreshAt), time.Duration(normal))
		}
		lo, hi = min(lo, st.refreshAt), max(hi, st.refreshAt)
	}
	if lo > ttl/10 || hi < ttl*7/10 {
		t.Errorf("first refreshes in [%v, %v], want spread over [0, 80%% of %v]", time.Duration(lo), time.Duration(hi), time.Minute)
	}
	c2, _ := newTest(t, b, func(o *Options[string, string]) { o.RefreshAhead = 0.2 })
	if st := c2.freshState(Loaded[string]{Value: "v"}, 0, 0, true, 0.5); st.refreshAt != ttl*8/10 {
		t.Errorf("without jitter, first refresh at %v, want %v", time.Duration(st.refreshAt), time.Duration(ttl*8/10))
	}
}

func TestWaiterGivesUpAlone(t *testing.T) {
	b := newBackend()
	b.set("k", "v")
	b.release = make(chan struct{})
	c, _ := newTest(t, b)
	other := make(chan error, 1)
	go func() {
		_, err := c.Get(context.Background(), "k")
		other <- err
	}()
	poll.Until(t, "the load to start", func() bool { return b.calls.Load() == 1 })
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Get(ctx, "k"); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled waiter got %v, want context.Canceled", err)
	}
	close(b.release)
	if err := <-other; err != nil {
		t.Fatalf("the other waiter failed: %v", err)
	}
	mustGet(t, c, "k", "v")
}

func TestLoaderPanicFailsTheLoadOnly(t *testing.T) {
	c := mustNew(t, simple(func(context.Context, string) (string, error) { panic("the secret is hunter2") }))
	_, err := c.Get(context.Background(), "k")
	if !errors.Is(err, ErrLoadPanicked) {
		t.Fatalf("error %v, want ErrLoadPanicked", err)
	}
	if strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("error message repeats the panic value")
	}
}

func TestInvalidateDropsTheValue(t *testing.T) {
	b, c, _ := newLoaded(t, "v1")
	b.set("k", "v2")
	c.Invalidate("k")
	mustGet(t, c, "k", "v2")
}

// A load that started before Invalidate must not store its (older) result.
func TestLoadBeforeInvalidateIsNotStored(t *testing.T) {
	b := newBackend()
	b.set("k", "old")
	b.release = make(chan struct{})
	c, _ := newTest(t, b)
	first := make(chan string, 1)
	go func() {
		v, _ := c.Get(context.Background(), "k")
		first <- v
	}()
	poll.Until(t, "the load to start", func() bool { return b.calls.Load() == 1 })
	c.Invalidate("k")
	close(b.release)
	if v := <-first; v != "old" {
		t.Fatalf("the caller of the first load got %q", v)
	}
	b.set("k", "new")
	mustGet(t, c, "k", "new")
}

func TestCloseEndsEverything(t *testing.T) {
	b := newBackend()
	b.set("k", "v")
	b.release = make(chan struct{}) // never released: Close must cancel the load
	c, _ := newTest(t, b)
	done := make(chan error, 1)
	go func() {
		_, err := c.Get(context.Background(), "k")
		done <- err
	}()
	poll.Until(t, "the load to start", func() bool { return b.calls.Load() == 1 })
	c.Close()
	if err := <-done; err == nil {
		t.Fatal("a load in progress at Close succeeded")
	}
	if _, err := c.Get(context.Background(), "k"); !errors.Is(err, ErrClosed) {
		t.Fatalf("Get after Close: %v, want ErrClosed", err)
	}
	if _, err := c.Handle("k").Get(context.Background()); !errors.Is(err, ErrClosed) {
		t.Fatalf("Handle.Get after Close: %v, want ErrClosed", err)
	}
}

func TestEvictsLeastRecentlyUsed(t *testing.T) {
	b := newBackend()
	for _, k := range []string{"a", "b", "c", "d"} {
		b.set(k, k)
	}
	c, clk := newTest(t, b, func(o *Options[string, string]) { o.MaxEntries = 3 })
	for _, k := range []string{"a", "b", "c"} {
		mustGet(t, c, k, k)
		clk.Advance(time.Second)
	}
	mustGet(t, c, "a", "a") // a is now the most recently used; b the least
	clk.Advance(time.Second)
	mustGet(t, c, "d", "d")
	if c.Len() != 3 {
		t.Fatalf("Len = %d, want 3", c.Len())
	}
	if _, ok := c.Peek("b"); ok {
		t.Error("b, the least recently used, is still cached")
	}
	for _, k := range []string{"a", "c", "d"} {
		if _, ok := c.Peek(k); !ok {
			t.Errorf("%s was evicted", k)
		}
	}
	if got := c.Stats().Evictions; got != 1 {
		t.Errorf("Evictions = %d, want 1", got)
	}
}

func TestManyKeysStayWithinMaxEntries(t *testing.T) {
	c := mustNew(t, simple(func(_ context.Context, k int) (int, error) { return k, nil }),
		func(o *Options[int, int]) { o.MaxEntries = 64 })
	for k := range 100_000 {
		if v, err := c.Get(context.Background(), k); err != nil || v != k {
			t.Fatalf("Get(%d) = %d, %v", k, v, err)
		}
	}
	if n := c.Len(); n != 64 {
		t.Fatalf("Len = %d, want 64", n)
	}
	if got := c.Stats().Evictions; got != 100_000-64 {
		t.Fatalf("Evictions = %d, want %d", got, 100_000-64)
	}
}

func TestNegativeResultsAreNotCachedByDefault(t *testing.T) {
	b := newBackend()
	c, _ := newTest(t, b)
	for range 3 {
		if _, err := c.Get(context.Background(), "missing"); !errors.Is(err, errGone) {
			t.Fatalf("error %v, want errGone", err)
		}
	}
	if got := b.calls.Load(); got != 3 {
		t.Fatalf("%d loads for 3 reads of a missing key, want 3", got)
	}
}

func TestNegativeTTL(t *testing.T) {
	b := newBackend()
	c, clk := newTest(t, b, func(o *Options[string, string]) { o.NegativeTTL = 10 * time.Second })
	for range 3 {
		if _, err := c.Get(context.Background(), "missing"); !errors.Is(err, errGone) {
			t.Fatalf("error %v, want errGone", err)
		}
	}
	if got := b.calls.Load(); got != 1 {
		t.Fatalf("%d loads, want 1 while the error is cached", got)
	}
	b.set("missing", "found")
	clk.Advance(11 * time.Second)
	mustGet(t, c, "missing", "found")
}
