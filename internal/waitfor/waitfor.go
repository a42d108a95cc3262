// Package waitfor waits for goroutines a bounded time: Close methods wait
// for the work they cancelled, but not for code that ignores cancellation.
package waitfor

import (
	"sync"
	"time"
)

// Group waits for wg, at most d, and reports whether wg finished. When it
// does not, the goroutine waiting for wg ends when wg does.
func Group(wg *sync.WaitGroup, d time.Duration) bool {
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-done:
		return true
	case <-t.C:
		return false
	}
}
