package cache

import (
	"context"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/secretref/secretref/internal/testing/poll"
)

// With a coarse clock, values still expire: the clock goroutine advances
// it. The test waits for that rather than timing it.
func TestClockGranularityExpires(t *testing.T) {
	b := newBackend()
	b.set("k", "v")
	c := New(b.load, func(o *Options[string, string]) {
		o.TTL = 20 * time.Millisecond
		o.Jitter = -1
		o.RefreshAhead = -1
		o.ClockGranularity = time.Millisecond
	})
	defer c.Close()
	if c.ticks == nil {
		t.Fatal("no clock goroutine with ClockGranularity set")
	}
	poll.Until(t, "a second load after the TTL", func() bool {
		if _, err := c.Get(context.Background(), "k"); err != nil {
			t.Fatal(err)
		}
		return b.calls.Load() >= 2
	})
}

// The clock only moves forward, and its goroutine ends with Close.
func TestClockGranularityStopsOnClose(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	c := New(newBackend().load, func(o *Options[string, string]) { o.ClockGranularity = time.Millisecond })
	last := c.now()
	poll.Until(t, "the clock to move", func() bool {
		now := c.now()
		if now < last {
			t.Fatalf("clock went back from %d to %d", last, now)
		}
		moved := now > last
		last = now
		return moved
	})
	c.Close()
	c.Close() // idempotent
}

// A substituted Clock wins: tests keep moving time by hand.
func TestClockGranularityIgnoredWithClock(t *testing.T) {
	c, _ := newTest(t, newBackend(), func(o *Options[string, string]) { o.ClockGranularity = time.Millisecond })
	if c.ticks != nil {
		t.Fatal("a clock goroutine runs beside a substituted Clock")
	}
}
