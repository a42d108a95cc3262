package cache

import "context"

// refreshLocked begins a background refresh of e, whose state st holds a
// value, unless one is running, a retry's backoff has not passed, or the
// throttle of e's batch group holds it back (then the value stays served
// and no read asks again before the throttle allows). The refresh takes
// along the other values of e's batch group that are due. It returns the
// function that launches the refresh, to call with no lock held.
func (c *Cache[K, V]) refreshLocked(e *entry[K, V], st *state[V], now int64, why Refresh) (launch func()) {
	if c.closed || e.flight != nil || now < st.retryAt {
		return func() {}
	}
	g := e.group
	if ok, retryAt := g.throttle.allow(now); !ok {
		deferred := *st
		deferred.retryAt = retryAt
		e.state.Store(&deferred)
		c.scheduleWatchLocked(e.key, retryAt)
		return func() {}
	}
	entries := append([]*entry[K, V]{e}, c.coalesceLocked(g, e, now)...)
	j, _ := c.beginJobLocked(context.Background(), entries, now, why)
	j.background = true
	return func() { c.launch(j) }
}

// Refresh loads the value for k now, for a caller that knows the cached one
// is no longer good (a database rejected the cached password), and returns
// it. A Refresh always loads, unless another Refresh of k began a load less
// than MinRefreshInterval ago: then it returns that load's result, waiting
// for it if need be. Reads that need a load meanwhile share this one.
// Unlike Get, Refresh reports a failed load even when a last good value is
// kept.
func (c *Cache[K, V]) Refresh(ctx context.Context, k K) (V, error) {
	var zero V
	e, err := c.entryFor(k)
	if err != nil {
		return zero, err
	}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return zero, ErrClosed
	}
	now := c.clock.now()
	f := e.forced
	launch := func() {}
	if f == nil || now-f.started >= int64(c.opts.MinRefreshInterval) {
		var j *job[K, V]
		j, f = c.beginJobLocked(ctx, []*entry[K, V]{e}, now, RefreshForced)
		e.forced = f
		launch = func() { c.launch(j) }
	}
	c.mu.Unlock()
	launch()
	if err := ctx.Err(); err != nil { // as in await: not left to select's choice
		return zero, err
	}
	select {
	case <-f.done:
	case <-ctx.Done():
		return zero, ctx.Err()
	}
	if f.out.stale {
		return zero, f.out.err
	}
	return f.out.val, f.out.err
}
