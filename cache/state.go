package cache

import "math/rand/v2"

// state is what an entry holds at one moment. It is replaced, never
// modified, so a hit reads it with one atomic load. Times are nanoseconds
// on the cache's clock.
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
	// phaseFresh: the value is served; nothing else happens.
	phaseFresh
	// phaseAhead: the value is served and a background refresh is due.
	phaseAhead
	// phaseExpired: the value is past its TTL but within MaxStale. The read
	// waits for a load, at most StaleWait (and half the time to its
	// deadline); then it is served the value, stale.
	phaseExpired
	// phaseStale: the value is past its TTL, within MaxStale, and its
	// refreshes are failing for a transient reason, deferred (throttling),
	// or stalled: the value is served at once, stale, and a background
	// retry is due.
	phaseStale
	// phaseNegative: a cached load error is returned.
	phaseNegative
)

// phaseOf is the one place that decides an entry's phase: from its state st
// (nil when it holds nothing), the time, and how long its load in flight has
// run (negative when none is). staleWait is Settings.StaleWait, 0 when off.
//
//	fresh ──refreshAt──> ahead ──expiresAt──> expired ──staleUntil──> missing
//	                                             │
//	                     failure, deferral, ─────┴──> stale ──staleUntil──> missing
//	                     or a load running staleWait
func phaseOf[V any](st *state[V], now, inFlight, staleWait int64) phase {
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
		return phaseAhead
	case now >= st.staleUntil:
		return phaseMissing
	case st.failures > 0, now < st.retryAt, staleWait > 0 && inFlight >= staleWait:
		return phaseStale
	}
	return phaseExpired
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

// settle decides what a finished load leads to: the entry's next state and
// what the load's callers get. prev is the entry's state (nil when it holds
// nothing), floor the lowest load number allowed to store (loads that began
// before an Invalidate may not), seq the load's number, r its result, and
// transient whether r's error may be ridden out with the last good value;
// spread, in [0, 1), places the first refresh of a value loaded into an
// empty entry (see freshState).
//
// A result never replaces one from a load that began after it: its callers
// get the newer value instead.
func (c *Cache[K, V]) settle(prev *state[V], floor, seq uint64, r Loaded[V], transient bool, spread float64, now int64) (*state[V], outcome[V], change) {
	usable := prev != nil && prev.err == nil && now < prev.staleUntil
	switch {
	case seq < floor:
		return prev, outcome[V]{val: r.Value, err: r.Err}, keep
	case prev != nil && prev.seq > seq:
		if usable {
			return prev, outcome[V]{val: prev.val}, keep
		}
		return prev, outcome[V]{val: r.Value, err: r.Err}, keep
	case r.Err == nil:
		return c.freshState(r, seq, now, prev == nil || prev.err != nil, spread), outcome[V]{val: r.Value}, store
	case usable && transient:
		next := *prev
		next.failures++
		next.lastErr = r.Err
		next.retryAt = now + c.backoff(next.failures)
		return &next, outcome[V]{val: prev.val, err: r.Err, stale: true, age: max(now-prev.expiresAt, 0)}, store
	case c.opts.NegativeTTL > 0 && !transient:
		until := now + int64(c.opts.NegativeTTL)
		neg := &state[V]{err: r.Err, seq: seq, loadedAt: now, refreshAt: until, expiresAt: until, staleUntil: until}
		return neg, outcome[V]{err: r.Err}, store
	}
	return nil, outcome[V]{err: r.Err}, drop
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
		ttl = float64(r.TTL)
	}
	if c.opts.Jitter > 0 {
		ttl *= 1 + c.opts.Jitter*(2*rand.Float64()-1)
	}
	expires := now + int64(ttl)
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
