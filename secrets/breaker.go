package secrets

import (
	"fmt"
	"time"
)

// Pacing of a region's breaker. BreakerFailures consecutive transient
// failures of calls to one provider in one region (5xx, a network error, a
// timeout, or a call unanswered after Options.FailoverWait) open its
// breaker: for BreakerOpenFor, fetches that need that region go to its
// fallbacks at once. Then one call at a time probes it; a probe's success
// closes the breaker, its failure opens it again for twice as long, up to
// BreakerMaxOpenFor.
const (
	BreakerFailures   = 3
	BreakerOpenFor    = 5 * time.Second
	BreakerMaxOpenFor = time.Minute
)

// RegionState is the state of one provider's breaker in one region.
type RegionState int

// States of a region's breaker.
const (
	// RegionHealthy: calls go to the region.
	RegionHealthy RegionState = iota
	// RegionOpen: the region failed; calls go to its fallbacks, and one
	// call at a time probes it once its open period has passed.
	RegionOpen
)

func (s RegionState) String() string {
	if s == RegionOpen {
		return "open"
	}
	return "healthy"
}

// MarshalText gives the state's name: "healthy" or "open".
func (s RegionState) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a state's name.
func (s *RegionState) UnmarshalText(b []byte) error {
	switch string(b) {
	case "healthy":
		*s = RegionHealthy
	case "open":
		*s = RegionOpen
	default:
		return fmt.Errorf("secrets: %w: region state %q (want healthy or open)", ErrInvalidArgument, b)
	}
	return nil
}

// breaker decides whether to call one provider in one region. Guarded by
// regions.mu; its transitions are all in this file.
//
//	healthy ──BreakerFailures failures──> open ──openFor passed──> probing
//	   ^                                   ^                         │
//	   └──────────── probe succeeds ───────┼──── probe fails ────────┘
type breaker struct {
	failures  int
	openUntil time.Time     // zero: healthy
	openFor   time.Duration // the current open period
	probing   bool          // a probe is in flight
}

// allowLocked reports whether a call may go to the region now, and whether
// it is the probe of an open breaker.
func (b *breaker) allowLocked(now time.Time) (ok, probe bool) {
	switch {
	case b.openUntil.IsZero():
		return true, false
	case now.Before(b.openUntil) || b.probing:
		return false, false
	}
	b.probing = true
	return true, true
}

// doneLocked records the outcome of a call (failed: a transient failure or
// a stall) and reports whether the breaker changed state.
func (b *breaker) doneLocked(now time.Time, probe, failed bool) (changed bool) {
	if probe {
		b.probing = false
	}
	if !failed {
		b.failures = 0
		if b.openUntil.IsZero() {
			return false
		}
		b.openUntil, b.openFor = time.Time{}, 0
		return true
	}
	b.failures++
	switch {
	case probe:
		b.openFor = min(2*b.openFor, BreakerMaxOpenFor)
		b.openUntil = now.Add(b.openFor)
	case b.openUntil.IsZero() && b.failures >= BreakerFailures:
		b.openFor = BreakerOpenFor
		b.openUntil = now.Add(b.openFor)
		return true
	}
	return false
}

// abandonLocked gives up a probe whose answer will not come (its call was
// cancelled because another region answered first).
func (b *breaker) abandonLocked(probe bool) {
	if probe {
		b.probing = false
	}
}

func (b *breaker) stateLocked() RegionState {
	if b.openUntil.IsZero() {
		return RegionHealthy
	}
	return RegionOpen
}
