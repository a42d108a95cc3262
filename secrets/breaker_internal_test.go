package secrets

import (
	"testing"
	"time"
)

// The breaker's transitions: it opens after BreakerFailures consecutive
// failures, lets one probe through once its open period has passed, closes
// on the probe's success, and on its failure opens again for twice as long,
// up to BreakerMaxOpenFor.
func TestBreaker(t *testing.T) {
	var b breaker
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	allow := func(wantOK, wantProbe bool) {
		t.Helper()
		if ok, probe := b.allowLocked(now); ok != wantOK || probe != wantProbe {
			t.Fatalf("allow = %v, %v; want %v, %v", ok, probe, wantOK, wantProbe)
		}
	}
	for i := range BreakerFailures - 1 {
		allow(true, false)
		if b.doneLocked(now, false, true) {
			t.Fatalf("changed after %d failures", i+1)
		}
	}
	b.doneLocked(now, false, false) // a success resets the count
	for range BreakerFailures - 1 {
		b.doneLocked(now, false, true)
	}
	if b.stateLocked() != RegionHealthy {
		t.Fatal("opened without BreakerFailures consecutive failures")
	}
	if !b.doneLocked(now, false, true) || b.stateLocked() != RegionOpen {
		t.Fatal("not open after BreakerFailures failures")
	}
	allow(false, false)
	now = now.Add(BreakerOpenFor)
	allow(true, true)   // the probe
	allow(false, false) // one at a time
	b.doneLocked(now, true, true)
	if b.openFor != 2*BreakerOpenFor {
		t.Errorf("open for %v after a failed probe, want %v", b.openFor, 2*BreakerOpenFor)
	}
	for range 10 {
		now = now.Add(b.openFor)
		allow(true, true)
		b.doneLocked(now, true, true)
	}
	if b.openFor != BreakerMaxOpenFor {
		t.Errorf("open for %v after many failed probes, want %v", b.openFor, BreakerMaxOpenFor)
	}
	now = now.Add(b.openFor)
	allow(true, true)
	b.abandonLocked(true) // a probe cancelled: another may go
	allow(true, true)
	if !b.doneLocked(now, true, false) || b.stateLocked() != RegionHealthy {
		t.Fatal("a probe's success did not close the breaker")
	}
	allow(true, false)
}
