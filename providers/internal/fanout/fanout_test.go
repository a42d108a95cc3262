package fanout

import (
	"sync/atomic"
	"testing"
)

// The first call ends before any other begins; the others all run.
func TestFirstThenEach(t *testing.T) {
	var firstDone atomic.Bool
	var calls atomic.Int32
	FirstThenEach(30, func(i int) {
		calls.Add(1)
		if i == 0 {
			firstDone.Store(true)
			return
		}
		if !firstDone.Load() {
			t.Errorf("call %d began before the first ended", i)
		}
	})
	if n := calls.Load(); n != 30 {
		t.Errorf("%d calls, want 30", n)
	}
	FirstThenEach(0, func(int) { t.Error("a call for n = 0") })
}
