package secrets

import (
	"testing"
	"time"
)

// In AWS Lambda the coarse clock is not used: a frozen function's clock
// goroutine would not run, and values would outlive their expiry.
func TestClockGranularityIgnoredInLambda(t *testing.T) {
	o := Options{ClockGranularity: 5 * time.Millisecond}
	if got := clockGranularity(o); got != o.ClockGranularity {
		t.Errorf("outside Lambda: %v, want %v", got, o.ClockGranularity)
	}
	t.Setenv("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001")
	if got := clockGranularity(o); got != 0 {
		t.Errorf("in Lambda: %v, want 0 (the system clock)", got)
	}
}
