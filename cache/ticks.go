package cache

import (
	"sync/atomic"
	"time"
)

// MinClockGranularity is the finest Options.ClockGranularity: a finer one
// would keep a core busy updating the clock.
const MinClockGranularity = time.Millisecond

// ticks is a clock that a goroutine advances every granularity, so that a
// read is an atomic load instead of a system clock read. It lags the system
// clock by up to its granularity while the goroutine runs on time, and by
// as long as the process is stopped when it does not: not for a process
// that is frozen between uses, such as an AWS Lambda function's.
type ticks struct {
	now     atomic.Int64 // nanoseconds since epoch
	done    chan struct{}
	stopped chan struct{}
}

func startTicks(epoch time.Time, every time.Duration) *ticks {
	t := &ticks{done: make(chan struct{}), stopped: make(chan struct{})}
	t.now.Store(int64(time.Since(epoch)))
	go func() {
		defer close(t.stopped)
		tk := time.NewTicker(max(every, MinClockGranularity))
		defer tk.Stop()
		for {
			select {
			case <-t.done:
				return
			case <-tk.C:
				t.now.Store(int64(time.Since(epoch)))
			}
		}
	}()
	return t
}

// stop ends the goroutine and waits for it.
func (t *ticks) stop() {
	close(t.done)
	<-t.stopped
}
