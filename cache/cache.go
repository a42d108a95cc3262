package cache

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/secretref/secretref/internal/readmap"
	"github.com/secretref/secretref/internal/waitfor"
)

// ErrClosed is returned by a Cache used after Close.
var ErrClosed = errors.New("cache is closed")

// ErrLoadPanicked is returned to the callers of a load that panicked. The
// panic's value is not kept: it could hold what was being loaded.
var ErrLoadPanicked = errors.New("load panicked")

// closeGrace bounds how long Close waits for loads to return after it
// cancelled them: a loader that ignores its context must not make Close
// hang. Their callers are answered ErrClosed at once.
const closeGrace = time.Second

// Cache caches the values a [Loader] returns. See the package documentation
// for what it guarantees.
//
// A Cache is safe for concurrent use by multiple goroutines. Loaders, batch
// loaders, observers and watch functions are never called with a lock of
// the Cache held.
type Cache[K comparable, V any] struct {
	// coarse is clock.coarse, here so that a hit reaches it in one load.
	coarse *coarseClock
	index  readmap.Map[K, *entry[K, V]]
	load   Loader[K, V]
	opts   Options[K, V]
	clock  *clock
	stats  counters

	root   context.Context // cancelled by Close; ends every load
	cancel context.CancelFunc
	loads  sync.WaitGroup // goroutines running loads

	mu       sync.Mutex
	closed   bool
	seq      uint64 // numbers loads in the order they begin
	lru      lru[K, V]
	groups   map[string]*group[K, V]
	watchers map[K]*watchSet[V]
	running  map[*job[K, V]]struct{} // loads that Close must answer
}

// New returns a Cache that loads values with load. It fails only when the
// options are invalid; the error names the field.
func New[K comparable, V any](load Loader[K, V], optFns ...func(*Options[K, V])) (*Cache[K, V], error) {
	var o Options[K, V]
	for _, fn := range optFns {
		fn(&o)
	}
	if err := o.validate(); err != nil {
		return nil, err
	}
	o = o.withDefaults()
	c := &Cache[K, V]{
		load:     load,
		opts:     o,
		clock:    newClock(o.Settings),
		groups:   make(map[string]*group[K, V]),
		watchers: make(map[K]*watchSet[V]),
		running:  make(map[*job[K, V]]struct{}),
	}
	c.coarse = c.clock.coarse
	c.root, c.cancel = context.WithCancel(context.Background())
	return c, nil
}

// now reads the cache's clock: the coarse one, when it has one, in one
// load from c.
func (c *Cache[K, V]) now() int64 {
	if co := c.coarse; co != nil {
		return co.now()
	}
	return c.clock.now()
}

// Get returns the value for k, loading it if the cache holds no usable one.
// A hit takes no lock and allocates nothing. When ctx is done before a
// needed load completes, Get returns ctx's error at once; the load goes on
// for the other callers.
func (c *Cache[K, V]) Get(ctx context.Context, k K) (V, error) {
	if e, ok := c.index.Load(k); ok {
		if st := e.state.Load(); st != nil {
			now := c.now()
			if now < st.refreshAt { // phaseFresh's first case, inlined for the hit
				c.hit(e, now)
				return st.val, st.err
			}
			return c.read(ctx, e, st, now)
		}
	}
	return c.getSlow(ctx, k)
}

// Peek returns the value for k if the cache holds a fresh one, without
// loading or refreshing it.
func (c *Cache[K, V]) Peek(k K) (V, bool) {
	if e, ok := c.index.Load(k); ok {
		if st := e.state.Load(); st != nil && st.err == nil {
			// Not expired: fresh, or ahead with its refresh taken as running.
			if now := c.now(); st.phase(now, 0, 0) == phaseFresh {
				c.hit(e, now)
				return st.val, true
			}
		}
	}
	var zero V
	return zero, false
}

func (c *Cache[K, V]) hit(e *entry[K, V], now int64) {
	c.touch(e, now)
	c.stats.hits.add()
}

// touch records a use of e, for eviction.
func (c *Cache[K, V]) touch(e *entry[K, V], now int64) {
	if now-e.used.Load() > usedGranularity {
		e.used.Store(now)
	}
}

func (c *Cache[K, V]) getSlow(ctx context.Context, k K) (V, error) {
	e, err := c.entryFor(k)
	if err != nil {
		var zero V
		return zero, err
	}
	return c.read(ctx, e, e.state.Load(), c.now())
}

// entryFor returns k's live entry, creating it (and evicting to make room)
// when there is none.
func (c *Cache[K, V]) entryFor(k K) (*entry[K, V], error) {
	if e, ok := c.index.Load(k); ok && !e.dead.Load() {
		return e, nil
	}
	group, size := c.opts.Batch(k) // the user's function: not under the lock
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.entryForLocked(k, group, size)
}

func (c *Cache[K, V]) entryForLocked(k K, group string, size int) (*entry[K, V], error) {
	if c.closed {
		return nil, ErrClosed
	}
	if e, ok := c.index.LoadExact(k); ok {
		return e, nil
	}
	e := &entry[K, V]{key: k}
	now := c.now()
	e.used.Store(now)
	e.queuedAt = now
	c.index.Store(k, e)
	c.lru.pushBack(e)
	c.joinGroupLocked(e, group, size)
	for c.lru.n > c.opts.MaxEntries {
		old := c.lru.oldest()
		c.removeLocked(old)
		c.stats.evictions.Add(1)
		c.opts.Observer.Evicted(old.key)
	}
	return e, nil
}

func (c *Cache[K, V]) removeLocked(e *entry[K, V]) {
	if e.dead.Load() {
		return
	}
	e.dead.Store(true)
	e.state.Store(nil)
	c.index.Delete(e.key)
	c.lru.remove(e)
	c.leaveGroupLocked(e)
}

// Invalidate drops the value for k. The next Get loads it again, and a load
// that began before Invalidate does not store its result.
func (c *Cache[K, V]) Invalidate(k K) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.index.LoadExact(k); ok {
		e.state.Store(nil)
		e.floor = c.seq + 1
		c.scheduleWatchLocked(k, c.now())
	}
}

// Settings returns the settings the cache runs with: those it was given,
// with every default filled in and Disabled ones zero.
func (c *Cache[K, V]) Settings() Settings { return c.opts.Settings }

// Len returns the number of entries.
func (c *Cache[K, V]) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lru.n
}

// Close drops every entry, stops watchers, cancels the loads in progress
// and waits for them to return, at most about a second: a load whose loader
// ignores its context is abandoned, its callers answered ErrClosed. A Cache
// used after Close returns ErrClosed.
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
	jobs := make([]*job[K, V], 0, len(c.running))
	for j := range c.running {
		jobs = append(jobs, j)
	}
	c.mu.Unlock()
	c.cancel()
	for _, j := range jobs {
		c.answer(j, nil, ErrClosed)
	}
	waitfor.Group(&c.loads, closeGrace)
	c.clock.stop()
}

func (c *Cache[K, V]) logFailure(k K, err error, stale bool) {
	l := c.opts.Logger
	if l == nil {
		return
	}
	l.Log(context.Background(), c.opts.FailureLevel.Level(), "cache: background refresh failed",
		slog.Any("key", k), slog.Bool("serving_last_good_value", stale), slog.String("error", err.Error()))
}

func panicError(r any) error {
	return fmt.Errorf("%w (a %T)", ErrLoadPanicked, r)
}
