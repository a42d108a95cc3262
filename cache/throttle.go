package cache

import "time"

// Pacing of a batch group's background loads after its backend throttled
// them: the allowed rate halves at each throttled load and grows by
// throttleStep at each load that is not throttled (additive increase,
// multiplicative decrease), between throttleMinRate and throttleMaxRate,
// above which there is no limit again.
const (
	throttleMinRate = 0.05 // loads a second: one in 20 s
	throttleMaxRate = 100
	throttleStep    = 0.5
	// throttleWindow is how far back the rate of loads is measured when a
	// group is first throttled: half of it is the first limit.
	throttleWindow = int64(time.Second)
)

// throttle is a token bucket whose rate adapts to throttling. Guarded by
// Cache.mu. Foreground loads, which a caller waits for, are never held back;
// they count toward the measured rate, and their outcomes adapt it.
type throttle struct {
	rate   float64 // background loads a second; 0: no limit
	tokens float64
	last   int64   // when tokens were last refilled
	starts []int64 // when recent loads began, within throttleWindow
}

// started records a load beginning at now.
func (t *throttle) started(now int64) {
	i := 0
	for i < len(t.starts) && now-t.starts[i] > throttleWindow {
		i++
	}
	t.starts = append(t.starts[i:], now)
}

// allow reports whether a background load may begin now, taking a token if
// so; when not, retryAt is when one may.
func (t *throttle) allow(now int64) (ok bool, retryAt int64) {
	if t.rate == 0 {
		return true, now
	}
	t.tokens = min(t.tokens+float64(now-t.last)/1e9*t.rate, max(1, t.rate))
	t.last = now
	if t.tokens >= 1 {
		t.tokens--
		return true, now
	}
	return false, now + int64((1-t.tokens)/t.rate*1e9)
}

// observe adapts the rate to the outcome of a load that ended at now.
func (t *throttle) observe(now int64, throttled bool) {
	switch {
	case throttled:
		r := t.rate
		if r == 0 {
			r = float64(len(t.starts)) * 1e9 / float64(throttleWindow)
		}
		t.rate = max(r/2, throttleMinRate)
		t.tokens = 0
		t.last = now
	case t.rate > 0:
		t.rate += throttleStep
		if t.rate > throttleMaxRate {
			t.rate = 0
		}
	}
}
