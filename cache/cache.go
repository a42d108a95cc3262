package cache

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/secretref/secretref/internal/readmap"
)

// ErrClosed is returned by a Cache used after Close.
var ErrClosed = errors.New("cache is closed")

// ErrLoadPanicked is returned to the callers of a load that panicked. The
// panic's value is not kept: it could hold what was being loaded.
var ErrLoadPanicked = errors.New("load panicked")

// Loader loads the value for a key. It is called with a context that is
// detached from the callers' cancellation and bounded by
// Options.LoadTimeout, and must honour it.
type Loader[K comparable, V any] func(ctx context.Context, key K) (V, error)

// Cache caches the values a [Loader] returns. See the package documentation
// for what it guarantees.
//
// A Cache is safe for concurrent use by multiple goroutines. Loaders and
// watcher functions are never called with a lock of the Cache held.
type Cache[K comparable, V any] struct {
	load  Loader[K, V]
	opts  Options[K, V]
	clock Clock     // nil: the system's monotonic clock
	epoch time.Time // the clock's zero
	ticks *ticks    // non-nil: Options.ClockGranularity is set

	index readmap.Map[K, *entry[K, V]]
	group singleflight.Group
	stats counters

	root   context.Context // cancelled by Close; ends every load
	cancel context.CancelFunc
	loads  sync.WaitGroup // loads in progress

	mu       sync.Mutex
	closed   bool
	nextID   uint64
	lru      lru[K, V]
	watchers map[K]*watchSet[V]
}

// New returns a Cache that loads values with load.
func New[K comparable, V any](load Loader[K, V], optFns ...func(*Options[K, V])) *Cache[K, V] {
	var o Options[K, V]
	for _, fn := range optFns {
		fn(&o)
	}
	o = o.withDefaults()
	c := &Cache[K, V]{load: load, opts: o, clock: o.Clock, watchers: make(map[K]*watchSet[V])}
	if c.clock != nil {
		c.epoch = c.clock.Now()
	} else {
		c.epoch = time.Now()
		if o.ClockGranularity > 0 {
			c.ticks = startTicks(c.epoch, o.ClockGranularity)
		}
	}
	c.root, c.cancel = context.WithCancel(context.Background())
	return c
}

// now reads the clock in nanoseconds since the cache was made. The system
// clock is read through its monotonic reading only: it is half the cost of
// a wall-clock reading and does not jump when the wall clock is stepped.
func (c *Cache[K, V]) now() int64 {
	if c.ticks != nil {
		return c.ticks.now.Load()
	}
	if c.clock == nil {
		return int64(time.Since(c.epoch))
	}
	return int64(c.clock.Now().Sub(c.epoch))
}

// at converts a wall-clock time to the cache's clock.
func (c *Cache[K, V]) at(t time.Time) int64 {
	if c.clock == nil {
		return int64(time.Until(t)) + c.now()
	}
	return int64(t.Sub(c.epoch))
}

// Get returns the value for k, loading it if the cache holds no usable one.
// A hit takes no lock and allocates nothing. When ctx is done before a
// needed load completes, Get returns ctx's error at once; the load goes on
// for the other callers.
func (c *Cache[K, V]) Get(ctx context.Context, k K) (V, error) {
	e, ok := c.index.Load(k)
	if ok {
		if st := e.state.Load(); st != nil {
			now := c.now()
			if now < st.refreshAt {
				c.hit(e, now)
				return st.val, st.err
			}
			return c.getEntry(ctx, e, st, now)
		}
	}
	return c.getSlow(ctx, k)
}

// Peek returns the value for k if the cache holds a fresh one, without
// loading or refreshing it.
func (c *Cache[K, V]) Peek(k K) (V, bool) {
	if e, ok := c.index.Load(k); ok {
		if st := e.state.Load(); st != nil && st.err == nil {
			if now := c.now(); now < st.expiresAt {
				c.hit(e, now)
				return st.val, true
			}
		}
	}
	var zero V
	return zero, false
}

func (c *Cache[K, V]) hit(e *entry[K, V], now int64) {
	if now-e.used.Load() > usedGranularity {
		e.used.Store(now)
	}
	if c.opts.CountHits {
		c.stats.hits.Add(1)
	}
}

func (c *Cache[K, V]) getSlow(ctx context.Context, k K) (V, error) {
	e, err := c.entryFor(k)
	if err != nil {
		var zero V
		return zero, err
	}
	now := c.now()
	return c.getEntry(ctx, e, e.state.Load(), now)
}

// getEntry answers a read of e whose state st (possibly nil) is not fresh
// enough for the fast path.
func (c *Cache[K, V]) getEntry(ctx context.Context, e *entry[K, V], st *state[V], now int64) (V, error) {
	if v, err, ok := c.cached(e, st, now); ok {
		return v, err
	}
	c.stats.misses.Add(1)
	return c.wait(ctx, c.startLoad(ctx, e, st)).result(&c.stats)
}

// cached answers a read of e from its state st (possibly nil) when that
// needs no waiting for a load, starting a background refresh when one is
// due. ok is false when the caller must wait for a load.
func (c *Cache[K, V]) cached(e *entry[K, V], st *state[V], now int64) (v V, err error, ok bool) {
	switch {
	case st == nil:
		return v, nil, false
	case now < st.refreshAt:
		c.hit(e, now)
		return st.val, st.err, true
	case now < st.expiresAt:
		c.hit(e, now)
		c.refreshInBackground(e, st, now)
		return st.val, st.err, true
	case st.err == nil && st.lastErr != nil && now < st.staleUntil:
		// Refreshes are failing for a transient reason: serve the last
		// good value at once and let one background retry try again.
		c.hit(e, now)
		c.stats.staleServes.Add(1)
		c.refreshInBackground(e, st, now)
		return st.val, nil, true
	}
	return v, nil, false
}

// entryFor returns k's live entry, creating it (and evicting to make room)
// when there is none.
func (c *Cache[K, V]) entryFor(k K) (*entry[K, V], error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, ErrClosed
	}
	if e, ok := c.index.LoadExact(k); ok {
		return e, nil
	}
	c.nextID++
	e := &entry[K, V]{key: k, id: c.nextID}
	now := c.now()
	e.used.Store(now)
	e.queuedAt = now
	c.index.Store(k, e)
	c.lru.pushBack(e)
	for c.lru.n > c.opts.MaxEntries {
		c.removeLocked(c.lru.oldest())
		c.stats.evictions.Add(1)
	}
	return e, nil
}

func (c *Cache[K, V]) removeLocked(e *entry[K, V]) {
	if e.dead {
		return
	}
	e.dead = true
	e.state.Store(nil)
	c.index.Delete(e.key)
	c.lru.remove(e)
}

// Invalidate drops the value for k. The next Get loads it again, and a load
// that started before Invalidate does not store its result.
func (c *Cache[K, V]) Invalidate(k K) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.index.LoadExact(k); ok {
		c.removeLocked(e)
		c.scheduleWatchLocked(k, c.now())
	}
}

// ExpireBy makes the value now held for k expire no later than t, so that it
// is refreshed then. It has no effect when the value was loaded at or after
// t, or already expires before t.
func (c *Cache[K, V]) ExpireBy(k K, t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.index.LoadExact(k)
	if !ok {
		return
	}
	st := e.state.Load()
	at := c.at(t)
	if st == nil || st.err != nil || at <= st.loadedAt || at >= st.expiresAt {
		return
	}
	clamped := *st
	clamped.expiresAt = at
	clamped.refreshAt = min(st.refreshAt, at)
	clamped.staleUntil = at + int64(c.opts.MaxStale)
	e.state.Store(&clamped)
	c.scheduleWatchLocked(k, clamped.refreshAt)
}

// Len returns the number of entries.
func (c *Cache[K, V]) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lru.n
}

// Close drops every entry, stops watchers, cancels the loads in progress and
// waits for them to return. A Cache used after Close returns ErrClosed.
func (c *Cache[K, V]) Close() {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed = true
	for c.lru.head != nil {
		c.removeLocked(c.lru.head)
	}
	c.index.Clear()
	for k, ws := range c.watchers {
		ws.stopLocked()
		delete(c.watchers, k)
	}
	c.mu.Unlock()
	c.cancel()
	c.loads.Wait()
	if c.ticks != nil {
		c.ticks.stop()
	}
}

// freshState returns the state of a value loaded at now; first says that
// the entry held no value before.
func (c *Cache[K, V]) freshState(v V, now int64, first bool) *state[V] {
	ttl := float64(c.opts.TTL)
	if c.opts.Jitter > 0 {
		ttl *= 1 + c.opts.Jitter*(2*rand.Float64()-1)
	}
	expires := now + int64(ttl)
	refresh := expires - int64(ttl*c.opts.RefreshAhead)
	if first && c.opts.Jitter > 0 && c.opts.RefreshAhead > 0 {
		// Processes started together load together, and a ±Jitter spread
		// of each later refresh takes many TTLs to undo that. Drawing the
		// first refresh anywhere before its normal time spreads them at
		// once, for one early background refresh per entry.
		refresh = now + rand.Int64N(refresh-now+1)
	}
	return &state[V]{
		val:        v,
		loadedAt:   now,
		attemptAt:  now,
		refreshAt:  refresh,
		expiresAt:  expires,
		staleUntil: expires + int64(c.opts.MaxStale),
	}
}

// backoff returns the delay before the next retry after n failures: it
// doubles from RetryBackoff up to MaxRetryBackoff, then is drawn uniformly
// from its upper half so that processes failing together spread out.
func (c *Cache[K, V]) backoff(n int) int64 {
	d := c.opts.RetryBackoff << min(n-1, 30)
	if d <= 0 || d > c.opts.MaxRetryBackoff {
		d = c.opts.MaxRetryBackoff
	}
	return int64(d)/2 + rand.Int64N(int64(d)/2+1)
}

func flightKey(id, gen uint64) string {
	return strconv.FormatUint(id, 10) + "/" + strconv.FormatUint(gen, 10)
}

func (c *Cache[K, V]) logFailure(k K, err error, stale bool) {
	if c.opts.Logger == nil {
		return
	}
	c.opts.Logger.Warn("cache: load failed", slog.Any("key", k), slog.Bool("serving_last_good_value", stale), slog.String("error", err.Error()))
}

func panicError(r any) error {
	return fmt.Errorf("%w (a %T)", ErrLoadPanicked, r)
}
