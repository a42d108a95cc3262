package cache

import (
	"context"

	"golang.org/x/sync/singleflight"
)

// outcome is what one load gives all of its callers. It is shared between
// them and never modified.
type outcome[V any] struct {
	val   V
	err   error
	stale bool // the load failed transiently; val is the last good value
}

// result is what a reader waiting for the load gets: the last good value
// when the load failed transiently, counted as a stale serve.
func (o *outcome[V]) result(stats *counters) (V, error) {
	if o.stale {
		stats.staleServes.Add(1)
		return o.val, nil
	}
	return o.val, o.err
}

// startLoad joins the load in flight for e's current generation, or starts
// one. The load runs on its own goroutine with a context detached from
// parent's cancellation. seen is the state that made the caller load.
func (c *Cache[K, V]) startLoad(parent context.Context, e *entry[K, V], seen *state[V]) <-chan singleflight.Result {
	c.mu.Lock()
	gen := e.gen
	c.mu.Unlock()
	return c.group.DoChan(flightKey(e.id, gen), func() (any, error) {
		return c.runLoad(parent, e, gen, seen), nil
	})
}

// wait returns the outcome of a load, or ctx's error as soon as ctx is done.
func (c *Cache[K, V]) wait(ctx context.Context, ch <-chan singleflight.Result) *outcome[V] {
	select {
	case r := <-ch:
		return r.Val.(*outcome[V])
	case <-ctx.Done():
		return &outcome[V]{err: ctx.Err()}
	}
}

// refreshInBackground starts one background load of e unless the last
// failure's backoff has not passed.
func (c *Cache[K, V]) refreshInBackground(e *entry[K, V], st *state[V], now int64) {
	if now >= st.retryAt {
		c.loadInBackground(e, st)
	}
}

// loadInBackground starts a load of e on a goroutine of its own unless one
// is running already. seen is the state that made the caller load.
func (c *Cache[K, V]) loadInBackground(e *entry[K, V], seen *state[V]) {
	if !e.refreshing.CompareAndSwap(false, true) {
		return
	}
	c.stats.refreshes.Add(1)
	go func() {
		defer e.refreshing.Store(false)
		c.mu.Lock()
		gen := e.gen
		c.mu.Unlock()
		c.group.Do(flightKey(e.id, gen), func() (any, error) {
			return c.runLoad(context.Background(), e, gen, seen), nil
		})
	}()
}

// runLoad calls the loader for e and stores what it returns if e still
// holds generation gen. When e's state is no longer seen, the state that
// made the caller load, and is fresh, a load that finished between the
// caller's look and this one already did the work: its value is returned.
func (c *Cache[K, V]) runLoad(parent context.Context, e *entry[K, V], gen uint64, seen *state[V]) *outcome[V] {
	if cur := e.state.Load(); cur != nil && cur != seen && cur.err == nil && c.now() < cur.expiresAt {
		return &outcome[V]{val: cur.val}
	}
	ctx, end, ok := c.beginLoad(parent)
	if !ok {
		return &outcome[V]{err: ErrClosed}
	}
	defer end()
	c.stats.loads.Add(1)
	v, err := c.callLoader(ctx, e.key)
	return c.complete(e, gen, v, err)
}

// beginLoad registers a load with Close and returns its context: parent's
// values without its cancellation, bounded by Options.LoadTimeout and
// cancelled by Close. Call end when the load returns. ok is false when the
// cache is closed.
func (c *Cache[K, V]) beginLoad(parent context.Context) (ctx context.Context, end func(), ok bool) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil, nil, false
	}
	c.loads.Add(1)
	c.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(parent), c.opts.LoadTimeout)
	stop := context.AfterFunc(c.root, cancel)
	return ctx, func() {
		stop()
		cancel()
		c.loads.Done()
	}, true
}

func (c *Cache[K, V]) callLoader(ctx context.Context, k K) (v V, err error) {
	defer func() {
		if r := recover(); r != nil {
			var zero V
			v, err = zero, panicError(r)
		}
	}()
	return c.load(ctx, k)
}

// complete records the result of a load of e started at generation gen and
// returns what its callers get.
func (c *Cache[K, V]) complete(e *entry[K, V], gen uint64, v V, err error) *outcome[V] {
	now := c.now()
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return &outcome[V]{err: ErrClosed}
	}
	current := !e.dead && e.gen == gen
	if current {
		e.forcing = false
	}
	prev := e.state.Load()
	var out *outcome[V]
	var notify []delivery[V]
	stored := false
	switch {
	case err == nil:
		out = &outcome[V]{val: v}
		if current {
			st := c.freshState(v, now, prev == nil || prev.err != nil)
			e.state.Store(st)
			notify = c.newValueLocked(e.key, v)
			c.scheduleWatchLocked(e.key, st.refreshAt)
			stored = true
		}
	case prev != nil && prev.err == nil && now < prev.staleUntil && c.opts.IsTransient(err):
		out = &outcome[V]{val: prev.val, err: err, stale: true}
		if current {
			st := *prev
			st.attemptAt = now
			st.failures++
			st.lastErr = err
			st.retryAt = now + c.backoff(st.failures)
			e.state.Store(&st)
			c.scheduleWatchLocked(e.key, st.retryAt)
		}
	default:
		out = &outcome[V]{err: err}
		if current {
			if c.opts.NegativeTTL > 0 && !c.opts.IsTransient(err) {
				until := now + int64(c.opts.NegativeTTL)
				e.state.Store(&state[V]{err: err, loadedAt: now, attemptAt: now,
					refreshAt: until, expiresAt: until, staleUntil: until})
			} else {
				c.removeLocked(e)
			}
			c.scheduleWatchLocked(e.key, now+int64(c.opts.TTL))
		}
	}
	if !current {
		// A newer load or an Invalidate superseded this one: whoever did
		// that keeps a watched key polled, unless the entry is gone.
		if e.dead {
			c.scheduleWatchLocked(e.key, now+int64(c.opts.RetryBackoff))
		}
	}
	c.mu.Unlock()

	if err != nil {
		c.stats.loadErrors.Add(1)
		c.logFailure(e.key, err, out.stale)
	}
	for _, d := range notify {
		d.w.deliver(d.v)
	}
	if stored && c.opts.Stored != nil {
		c.opts.Stored(e.key, v)
	}
	return out
}

// Refresh loads the value for k now, for a caller that knows the cached one
// is no longer good (a database rejected the cached password). Concurrent
// calls share one load; a call within Options.MinRefreshInterval of the last
// load returns that load's result without calling the loader. A load that
// started before Refresh does not store its result after it. Unlike Get,
// Refresh reports a failed load even when a last good value is kept.
func (c *Cache[K, V]) Refresh(ctx context.Context, k K) (V, error) {
	var zero V
	e, err := c.entryFor(k)
	if err != nil {
		return zero, err
	}
	c.mu.Lock()
	seen := e.state.Load()
	if st := seen; st != nil && c.now()-st.attemptAt < int64(c.opts.MinRefreshInterval) {
		c.mu.Unlock()
		if st.err == nil && st.lastErr != nil && st.attemptAt > st.loadedAt {
			return zero, st.lastErr
		}
		return st.val, st.err
	}
	if !e.forcing {
		e.gen++
		e.forcing = true
	}
	c.mu.Unlock()
	c.stats.refreshes.Add(1)
	out := c.wait(ctx, c.startLoad(ctx, e, seen))
	if out.stale {
		return zero, out.err
	}
	return out.val, out.err
}
