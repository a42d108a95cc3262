package cache

import (
	"errors"
	"testing"
	"time"
)

func TestPhase(t *testing.T) {
	const (
		loaded  = 0
		refresh = 80
		expires = 100
		until   = 200
		wait    = 10
	)
	st := func(edit func(*state[string])) *state[string] {
		s := &state[string]{val: "v", loadedAt: loaded, refreshAt: refresh, expiresAt: expires, staleUntil: until}
		if edit != nil {
			edit(s)
		}
		return s
	}
	failed := st(func(s *state[string]) { s.failures, s.lastErr, s.retryAt = 1, errTransient, 150 })
	deferred := st(func(s *state[string]) { s.retryAt = 150 })
	negative := &state[string]{err: errGone, refreshAt: expires, expiresAt: expires, staleUntil: expires}
	for _, tc := range []struct {
		name     string
		st       *state[string]
		now      int64
		inFlight int64
		want     phase
	}{
		{"nothing", nil, 50, -1, phaseMissing},
		{"fresh", st(nil), 50, -1, phaseFresh},
		{"refresh ahead", st(nil), 90, -1, phaseAhead},
		{"refresh ahead while loading", st(nil), 90, 5, phaseFresh},
		{"refresh ahead, retry held back", deferred, 90, -1, phaseFresh},
		{"expired", st(nil), 120, -1, phaseExpired},
		{"expired, load running a while", st(nil), 120, wait - 1, phaseExpired},
		{"expired, load stalled", st(nil), 120, wait, phaseStale},
		{"expired, refreshes failing", failed, 120, -1, phaseStale},
		{"expired, refresh deferred", deferred, 120, -1, phaseStale},
		{"past max stale", st(nil), 200, -1, phaseMissing},
		{"past max stale, failing", failed, 250, -1, phaseMissing},
		{"negative", negative, 50, -1, phaseNegative},
		{"negative expired", negative, 100, -1, phaseMissing},
	} {
		if got := tc.st.phase(tc.now, tc.inFlight, wait); got != tc.want {
			t.Errorf("%s: phase %d, want %d", tc.name, got, tc.want)
		}
	}
	// StaleWait off: a stalled load is waited for.
	if got := st(nil).phase(120, 1000, 0); got != phaseExpired {
		t.Errorf("stalled load with StaleWait off: phase %d, want expired", got)
	}
}

func TestSettle(t *testing.T) {
	c, _ := newTest(t, newBackend(), func(o *Options[string, string]) { o.MaxStale = time.Minute })
	now := int64(2 * time.Minute)
	good := &state[string]{val: "v5", seq: 5, expiresAt: now - 1, staleUntil: now + int64(time.Minute)}
	ok := Loaded[string]{Value: "v"}
	fail := Loaded[string]{Err: errTransient}
	for _, tc := range []struct {
		name      string
		prev      *state[string]
		floor     uint64
		seq       uint64
		r         Loaded[string]
		transient bool
		change    change
		outVal    string
		outErr    error
		outStale  bool
	}{
		{"first value", nil, 0, 1, ok, false, store, "v", nil, false},
		{"newer value", good, 0, 6, ok, false, store, "v", nil, false},
		{"older value: the newer one stays and is answered", good, 0, 4, ok, false, keep, "v5", nil, false},
		{"older failure: the newer value is answered", good, 0, 4, fail, true, keep, "v5", nil, false},
		{"began before Invalidate", nil, 7, 6, ok, false, keep, "v", nil, false},
		{"transient failure: last good value", good, 0, 6, fail, true, store, "v5", errTransient, true},
		{"permanent failure: dropped", good, 0, 6, Loaded[string]{Err: errGone}, false, drop, "", errGone, false},
		{"transient failure, nothing to serve", nil, 0, 1, fail, true, drop, "", errTransient, false},
	} {
		next, out, ch := c.settle(tc.prev, landing[string]{seq: tc.seq, floor: tc.floor, r: tc.r, transient: tc.transient, now: now})
		if ch != tc.change || out.val != tc.outVal || !errors.Is(out.err, tc.outErr) || (tc.outErr == nil) != (out.err == nil) || out.stale != tc.outStale {
			t.Errorf("%s: change %d, outcome %q/%v/stale %v; want %d, %q/%v/stale %v",
				tc.name, ch, out.val, out.err, out.stale, tc.change, tc.outVal, tc.outErr, tc.outStale)
		}
		if ch == store && tc.r.Err == nil && next.seq != tc.seq {
			t.Errorf("%s: stored state of load %d, want %d", tc.name, next.seq, tc.seq)
		}
		if ch == store && tc.r.Err != nil && (next.failures != 1 || next.retryAt <= now) {
			t.Errorf("%s: failure not counted (%d failures, retry at %d)", tc.name, next.failures, next.retryAt)
		}
	}
}
