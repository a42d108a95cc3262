package cache

import (
	"context"
	"time"
)

// step is what a read of one entry does now, as its state's phase says:
// serve what the entry holds, or wait for a load.
type step[V any] struct {
	serve  bool   // answer with the state's value or error now
	stale  bool   // with serve: the value is past its expiry
	launch func() // a background refresh to start, with no lock held
	// fallback, when the read waits, is the state whose value it is
	// served if the load stalls (phaseExpired); nil when it has none.
	fallback *state[V]
}

// stepLocked decides what a read of e, whose state is st, does at now. It
// is the read paths' one switch on the phase: Get, Handle.Get and GetMany
// all go through it. A refresh it begins is returned in launch.
func (c *Cache[K, V]) stepLocked(e *entry[K, V], st *state[V], now int64) step[V] {
	nothing := func() {}
	switch st.phase(now, c.inFlightLocked(e, now), int64(c.opts.StaleWait)) {
	case phaseFresh, phaseNegative:
		return step[V]{serve: true, launch: nothing}
	case phaseAhead:
		return step[V]{serve: true, launch: c.refreshLocked(e, st, now, RefreshAhead)}
	case phaseStale:
		return step[V]{serve: true, stale: true, launch: c.refreshLocked(e, st, now, RefreshRetry)}
	case phaseExpired:
		return step[V]{fallback: st, launch: nothing}
	}
	return step[V]{launch: nothing}
}

// read answers a read of e, whose state st (possibly nil) was not fresh
// enough for the fast path, as its phase says.
func (c *Cache[K, V]) read(ctx context.Context, e *entry[K, V], st *state[V], now int64) (V, error) {
	loading := int64(-1)
	if e.loading.Load() {
		loading = 0
	}
	if ph := st.phase(now, loading, int64(c.opts.StaleWait)); ph == phaseFresh || ph == phaseNegative {
		// Fresh, or due for a refresh that is running or held back:
		// served without the lock.
		c.hit(e, now)
		return st.val, st.err
	}
	for {
		c.mu.Lock()
		if e.dead.Load() {
			c.mu.Unlock()
			var err error
			if e, err = c.entryFor(e.key); err != nil {
				var zero V
				return zero, err
			}
			continue
		}
		st = e.state.Load()
		s := c.stepLocked(e, st, now)
		if s.serve {
			c.mu.Unlock()
			s.launch()
			c.served(e, st, s, now)
			return st.val, st.err
		}
		f, launch := c.flightLocked(ctx, e, now)
		c.mu.Unlock()
		launch()
		c.opts.Observer.Missed(e.key)
		return c.await(ctx, e.key, f, s.fallback)
	}
}

// flightLocked returns e's load in flight, beginning one if there is none,
// with the function that launches it.
func (c *Cache[K, V]) flightLocked(ctx context.Context, e *entry[K, V], now int64) (*flight[V], func()) {
	if e.flight != nil {
		return e.flight, func() {}
	}
	j, f := c.beginJobLocked(ctx, []*entry[K, V]{e}, now, 0)
	return f, func() { c.launch(j) }
}

// served counts a read of e that step s answered from state st.
func (c *Cache[K, V]) served(e *entry[K, V], st *state[V], s step[V], now int64) {
	if !s.stale {
		c.hit(e, now)
		return
	}
	c.touch(e, now)
	c.servedStale(e.key, max(now-st.expiresAt, 0))
}

// inFlightLocked returns how long e's load in flight has run, or -1.
func (c *Cache[K, V]) inFlightLocked(e *entry[K, V], now int64) int64 {
	if e.flight == nil {
		return -1
	}
	return now - e.flight.started
}

func (c *Cache[K, V]) servedStale(k K, age int64) {
	c.stats.staleServes.Add(1)
	c.opts.Observer.ServedStale(k, time.Duration(age))
}

// await waits for f and returns what its load gives a reader. fallback,
// when not nil, is a state whose value the reader is served if the load
// does not answer within expiredWait.
func (c *Cache[K, V]) await(ctx context.Context, k K, f *flight[V], fallback *state[V]) (V, error) {
	// A context that ended before the wait ends the read, even when the
	// load has answered meanwhile: select would choose at random.
	if err := ctx.Err(); err != nil {
		c.stats.misses.Add(1)
		var zero V
		return zero, err
	}
	var bound <-chan time.Time
	if fallback != nil {
		dl, hasDeadline := ctx.Deadline()
		if wait := expiredWait(c.clock.now()-f.started, int64(c.opts.StaleWait), time.Until(dl), hasDeadline); wait >= 0 {
			t := time.NewTimer(wait)
			defer t.Stop()
			bound = t.C
		}
	}
	select {
	case <-f.done:
		if f.out.stale {
			c.servedStale(k, f.out.age)
			return f.out.val, nil
		}
		c.stats.misses.Add(1)
		return f.out.val, f.out.err
	case <-bound:
		c.servedStale(k, max(c.clock.now()-fallback.expiresAt, 0))
		return fallback.val, nil
	case <-ctx.Done():
		c.stats.misses.Add(1)
		var zero V
		return zero, ctx.Err()
	}
}
