package cache

import (
	"sync"
	"sync/atomic"
	"time"
)

// clock is a cache's time source, in nanoseconds since the cache was made.
type clock struct {
	fake   Clock     // Settings.Clock; nil: the system clock
	epoch  time.Time // the clock's zero
	coarse *coarseClock
}

func newClock(s Settings) *clock {
	if s.Clock != nil {
		return &clock{fake: s.Clock, epoch: s.Clock.Now()}
	}
	c := &clock{epoch: time.Now()}
	if s.ClockGranularity > 0 {
		c.coarse = newCoarseClock(c.epoch, s.ClockGranularity)
	}
	return c
}

// now reads the clock. The system clock is read through its monotonic
// reading only: that is half the cost of a wall-clock reading and does not
// jump when the wall clock is stepped.
func (c *clock) now() int64 {
	if c.coarse != nil {
		return c.coarse.now()
	}
	if c.fake == nil {
		return int64(time.Since(c.epoch))
	}
	return int64(c.fake.Now().Sub(c.epoch))
}

// at converts a wall-clock time to the clock.
func (c *clock) at(t time.Time) int64 { return int64(t.Sub(c.epoch)) }

func (c *clock) stop() {
	if c.coarse != nil {
		c.coarse.stop()
	}
}

// coarseIdle is how long a coarse clock nobody reads keeps ticking.
const coarseIdle = time.Second

// stopped is the word of a coarse clock whose goroutine is not running:
// even, so that a read's fast path, which takes the words with the read bit
// set, leaves it to the slow path.
const stopped = -2

// coarseClock is a clock that a goroutine advances every granularity while
// it is read, so that a read is an atomic load instead of a system clock
// read. Its word holds the time with its lowest bit set by the first read
// after each tick: a goroutine that sees coarseIdle of ticks go unread
// stops, and a read that finds it stopped reads the system clock and starts
// it again. So a clock nobody reads costs nothing, and after a process was
// suspended its clock is behind only until its goroutine runs again: within
// about a granularity of the process resuming.
type coarseClock struct {
	word  atomic.Int64
	epoch time.Time
	every time.Duration
	idle  int // ticks without a read before the goroutine stops

	ticks atomic.Int64 // how often the goroutine has woken up, for tests

	mu      sync.Mutex // serialises starting and stopping the goroutine
	closed  bool
	done    chan struct{}
	running sync.WaitGroup
}

func newCoarseClock(epoch time.Time, every time.Duration) *coarseClock {
	c := &coarseClock{epoch: epoch, every: every, idle: max(int(coarseIdle/every), 1), done: make(chan struct{})}
	c.word.Store(stopped)
	return c
}

// now is small enough to be inlined into a hit: its fast path is the word
// read since the last tick.
func (c *coarseClock) now() int64 {
	if w := c.word.Load(); w&1 != 0 {
		return w &^ 1
	}
	return c.nowSlow()
}

// nowSlow is now for the first read after a tick, which marks the word
// read, and for a read that finds the goroutine stopped.
func (c *coarseClock) nowSlow() int64 {
	w := c.word.Load()
	switch {
	case w == stopped:
		return c.wake()
	case w&1 == 0:
		c.word.CompareAndSwap(w, w|1) // read since the last tick: keep ticking
	}
	return w &^ 1
}

// wake reads the system clock and starts the goroutine if it is stopped.
func (c *coarseClock) wake() int64 {
	n := int64(time.Since(c.epoch)) &^ 1
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.closed && c.word.CompareAndSwap(stopped, n|1) {
		c.running.Add(1)
		go c.run()
	}
	return n
}

func (c *coarseClock) run() {
	defer c.running.Done()
	t := time.NewTicker(c.every)
	defer t.Stop()
	unread := 0
	for {
		select {
		case <-c.done:
			return
		case <-t.C:
		}
		c.ticks.Add(1)
		w := c.word.Load()
		if w&1 == 0 {
			unread++
		} else {
			unread = 0
		}
		if unread >= c.idle {
			if c.word.CompareAndSwap(w, stopped) {
				return
			}
			unread = 0 // read just now
			continue
		}
		c.word.Store(int64(time.Since(c.epoch)) &^ 1)
	}
}

func (c *coarseClock) stop() {
	c.mu.Lock()
	if !c.closed {
		c.closed = true
		close(c.done)
	}
	c.mu.Unlock()
	c.running.Wait()
}
