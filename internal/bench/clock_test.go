package bench

import (
	"testing"
	"time"
)

var sinkNanos int64

// BenchmarkClock measures the two ways to read the time, for reading the
// hit benchmarks: a cache must read a clock on every hit to check expiry at
// access, and what that read costs depends on the machine's clock source.
// time.Since of a time from time.Now reads only the monotonic clock;
// time.Now reads the wall clock as well.
func BenchmarkClock(b *testing.B) {
	epoch := time.Now()
	b.Run("time.Since", func(b *testing.B) {
		var d time.Duration
		for b.Loop() {
			d = time.Since(epoch)
		}
		sinkNanos = int64(d)
	})
	b.Run("time.Now", func(b *testing.B) {
		var t time.Time
		for b.Loop() {
			t = time.Now()
		}
		sinkNanos = t.UnixNano()
	})
}
