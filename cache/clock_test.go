package cache

import (
	"context"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/secretref/secretref/internal/testing/poll"
)

// newCoarse returns a cache over b on the default coarse clock.
func newCoarse(t *testing.T, b *backend, ttl time.Duration) *Cache[string, string] {
	t.Helper()
	c := mustNew(t, b.load, func(o *Options[string, string]) {
		o.TTL = ttl
		o.Jitter = Disabled
		o.RefreshAhead = Disabled
	})
	if c.clock.coarse == nil {
		t.Fatal("the default clock is not the coarse clock")
	}
	return c
}

// With the coarse clock, values still expire: its goroutine advances it.
// The test waits for that rather than timing it.
func TestCoarseClockExpires(t *testing.T) {
	b := newBackend()
	b.set("k", "v")
	c := newCoarse(t, b, 20*time.Millisecond)
	poll.Until(t, "a second load after the TTL", func() bool {
		if _, err := c.Get(context.Background(), "k"); err != nil {
			t.Fatal(err)
		}
		return b.calls.Load() >= 2
	})
}

// An idle cache costs nothing: about a second after the last read the clock
// goroutine stops, and it wakes up no more until the next read, which reads
// the system clock and starts it again.
func TestCoarseClockStopsWhenIdle(t *testing.T) {
	b := newBackend()
	c := newCoarse(t, b, time.Hour)
	ctx := context.Background()
	for i := range 1000 {
		k := "k" + string(rune('a'+i%26)) + string(rune('a'+i/26))
		b.set(k, "v")
		if _, err := c.Get(ctx, k); err != nil {
			t.Fatal(err)
		}
	}
	coarse := c.clock.coarse
	poll.Until(t, "the clock goroutine to stop", func() bool { return coarse.word.Load() == stopped })
	ticks := coarse.ticks.Load()
	time.Sleep(1500 * time.Millisecond)
	if n := coarse.ticks.Load() - ticks; n != 0 {
		t.Fatalf("%d clock wake-ups in 1.5 s without reads, want 0", n)
	}
	before := time.Since(coarse.epoch)
	if _, err := c.Get(ctx, "kaa"); err != nil {
		t.Fatal(err)
	}
	if now := time.Duration(c.clock.now()); now < before {
		t.Fatalf("after waking the clock reads %v, behind the %v it was idle at", now, before)
	}
	poll.Until(t, "the clock goroutine to tick again", func() bool { return coarse.ticks.Load() > ticks })
}

// The clock only moves forward, and its goroutine ends with Close.
func TestCoarseClockStopsOnClose(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	c, err := New(newBackend().load)
	if err != nil {
		t.Fatal(err)
	}
	last := c.clock.now()
	poll.Until(t, "the clock to move", func() bool {
		now := c.clock.now()
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

// Disabled reads the system clock at every access, and a substituted
// Clock wins: tests keep moving time by hand.
func TestExactClocks(t *testing.T) {
	exact := mustNew(t, newBackend().load, func(o *Options[string, string]) { o.ClockGranularity = Disabled })
	if exact.clock.coarse != nil {
		t.Error("a coarse clock with ClockGranularity Disabled")
	}
	fake, _ := newTest(t, newBackend())
	if fake.clock.coarse != nil {
		t.Error("a coarse clock beside a substituted Clock")
	}
}
