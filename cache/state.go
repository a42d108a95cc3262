package cache

import (
	"math"
	"math/rand/v2"
	"time"
)

// state is what an entry holds at one moment. It is replaced, never
// modified, so a hit reads it with one atomic load. Times are nanoseconds
// on the cache's clock.
//
// Its methods are the one place that decides what a read of the entry does
// (phase, servable, expiredWait); the cache's read paths only carry that
// out.
type state[V any] struct {
	val V
	err error // a cached load error (negative entry); val is the zero value

	seq        uint64 // the load that produced val or err
	ttl        int64  // the TTL val was given
	loadedAt   int64
	refreshAt  int64 // from here a read starts a background refresh
	expiresAt  int64 // from here val is expired
	staleUntil int64 // from here val is never served

	failures int   // consecutive failed refreshes since val was loaded
	lastErr  error // the latest of them
	retryAt  int64 // no background load before this: after a failure, or while throttled
}

// phase is where an entry stands for a read at one moment.
type phase uint8

const (
	// phaseMissing: nothing to serve. The read waits for a load.
	phaseMissing phase = iota
	// phaseFresh: the value is served and nothing else happens: it is
	// fresh, or in its refresh-ahead window with its refresh running or
	// held back.
	phaseFresh
	// phaseAhead: the value is served and a background refresh is due.
	phaseAhead
	// phaseExpired: the value is past its TTL but within MaxStale. The read
	// waits for a load, at most expiredWait; then it is served the value,
	// stale.
	phaseExpired
	// phaseStale: the value is past its TTL, within MaxStale, and its
	// refreshes are failing for a transient reason, deferred (throttling),
	// or stalled: the value is served at once, stale, and a background
	// retry is due.
	phaseStale
	// phaseNegative: a cached load error is returned.
	phaseNegative
)

// phase decides the entry's phase from its state st (nil when it holds
// nothing), the time, and how long its load in flight has run (negative
// when none is). staleWait is Settings.StaleWait, 0 when off.
//
//	fresh ──refreshAt──> ahead ──expiresAt──> expired ──staleUntil──> missing
//	                                             │
//	                     failure, deferral, ─────┴──> stale ──staleUntil──> missing
//	                     or a load running staleWait
func (st *state[V]) phase(now, inFlight, staleWait int64) phase {
	switch {
	case st == nil:
		return phaseMissing
	case st.err != nil:
		if now < st.expiresAt {
			return phaseNegative
		}
		return phaseMissing
	case now < st.refreshAt:
		return phaseFresh
	case now < st.expiresAt:
		if inFlight >= 0 || now < st.retryAt {
			return phaseFresh
		}
		return phaseAhead
	case now >= st.staleUntil:
		return phaseMissing
	case st.failures > 0, now < st.retryAt, staleWait > 0 && inFlight >= staleWait:
		return phaseStale
	}
	return phaseExpired
}

// nextRefresh is when st's value is next due for a background load: its
// refresh point, or later when a retry or the throttle holds it back.
func (st *state[V]) nextRefresh() int64 { return max(st.refreshAt, st.retryAt) }

// servable reports whether st holds a value that may still be served, stale
// or not: what a failed or late load falls back on.
func (st *state[V]) servable(now int64) bool {
	return st != nil && st.err == nil && now < st.staleUntil
}

// expiredWait is how long a read that found its entry expired waits for the
// load in flight, which has run inFlight, before it is served the value
// stale: until the load has run staleWait (where phase turns stale), and at
// most half the time left before the reader's deadline, when it has one.
// Negative when the read does not wait at all: StaleWait is off.
func expiredWait(inFlight, staleWait int64, untilDeadline time.Duration, hasDeadline bool) time.Duration {
	if staleWait <= 0 {
		return -1
	}
	wait := time.Duration(max(staleWait-inFlight, 0))
	if hasDeadline {
		wait = min(wait, max(untilDeadline/2, 0))
	}
	return wait
}

// outcome is what one load gives all of its callers. It is shared between
// them and never modified.
type outcome[V any] struct {
	val   V
	err   error
	stale bool  // the load failed transiently; val is the last good value
	age   int64 // with stale: how long past its expiry val is
}

// change is what settle does to an entry.
type change uint8

const (
	keep  change = iota // the state stays as it is
	store               // the new state replaces it
	drop                // the entry is removed
)

// landing is a finished load of one key, as settle weighs it.
type landing[V any] struct {
	seq       uint64    // the load's number
	floor     uint64    // the lowest load number the entry lets store (loads that began before an Invalidate may not)
	r         Loaded[V] // its result
	transient bool      // r's error may be ridden out with the last good value
	lagging   bool      // r is a replica's value no newer than the entry's: the entry keeps its own
	spread    float64   // in [0, 1): where the first refresh of a value loaded into an empty entry goes (see freshState)
	now       int64
}

// settle decides what a finished load l leads to: the entry's next state
// and what the load's callers get. prev is the entry's state (nil when it
// holds nothing).
//
// A result never replaces one from a load that began after it: its callers
// get the newer value instead.
func (c *Cache[K, V]) settle(prev *state[V], l landing[V]) (*state[V], outcome[V], change) {
	usable := prev.servable(l.now)
	switch {
	case l.seq < l.floor:
		return prev, outcome[V]{val: l.r.Value, err: l.r.Err}, keep
	case prev != nil && prev.seq > l.seq:
		if usable {
			return prev, outcome[V]{val: prev.val}, keep
		}
		return prev, outcome[V]{val: l.r.Value, err: l.r.Err}, keep
	case l.r.Err == nil && l.lagging && usable:
		// A replica confirms the cached value, or lags behind it: the
		// cached value stays, fresh again.
		renewed := l.r
		renewed.Value = prev.val
		return c.freshState(renewed, l.seq, l.now, false, l.spread), outcome[V]{val: prev.val}, store
	case l.r.Err == nil:
		first := prev == nil || prev.err != nil
		return c.freshState(l.r, l.seq, l.now, first, l.spread), outcome[V]{val: l.r.Value}, store
	case usable && l.transient:
		next := *prev
		next.failures++
		next.lastErr = l.r.Err
		next.retryAt = addClamped(l.now, c.backoff(next.failures))
		return &next, outcome[V]{val: prev.val, err: l.r.Err, stale: true, age: max(l.now-prev.expiresAt, 0)}, store
	case c.opts.NegativeTTL > 0 && !l.transient:
		until := addClamped(l.now, int64(c.opts.NegativeTTL))
		neg := &state[V]{err: l.r.Err, seq: l.seq, loadedAt: l.now, refreshAt: until, expiresAt: until, staleUntil: until}
		return neg, outcome[V]{err: l.r.Err}, store
	}
	return nil, outcome[V]{err: l.r.Err}, drop
}

// freshState returns the state of a value loaded at now by load seq; first
// says the entry held no value before, and then its first refresh is put
// spread of the way to its normal point. One load draws one spread for all
// its values: they are refreshed together (see coalesceLocked), so a draw
// of each would put the group's refresh at the earliest of them, early in
// the TTL, for every process alike.
func (c *Cache[K, V]) freshState(r Loaded[V], seq uint64, now int64, first bool, spread float64) *state[V] {
	ttl := float64(c.opts.TTL)
	if r.TTL > 0 {
		// A loader's TTL is held to the bound of Settings.TTL, so that
		// no deadline below overflows.
		ttl = float64(min(r.TTL, MaxDuration))
	}
	if c.opts.Jitter > 0 {
		ttl *= 1 + c.opts.Jitter*(2*rand.Float64()-1)
	}
	expires := addClamped(now, int64(ttl))
	if !r.ExpiresBy.IsZero() {
		if by := c.clock.at(r.ExpiresBy); by > now && by < expires {
			expires = by
		}
	}
	refresh := expires - int64(float64(expires-now)*c.opts.RefreshAhead)
	if first && c.opts.Jitter > 0 && c.opts.RefreshAhead > 0 {
		// Processes started together load together, and a ±Jitter spread
		// of each later refresh takes many TTLs to undo that. Drawing the
		// first refresh anywhere before its normal time spreads them at
		// once, for one early background refresh per entry.
		refresh = now + int64(spread*float64(refresh-now))
	}
	return &state[V]{
		val:        r.Value,
		seq:        seq,
		ttl:        int64(ttl),
		loadedAt:   now,
		refreshAt:  refresh,
		expiresAt:  expires,
		staleUntil: addClamped(expires, int64(c.opts.MaxStale)),
	}
}

// addClamped returns t+d for d ≥ 0, or the latest time when that overflows:
// a deadline that far off never comes.
func addClamped(t, d int64) int64 {
	if t > math.MaxInt64-d {
		return math.MaxInt64
	}
	return t + d
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
