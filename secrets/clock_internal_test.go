package secrets

import (
	"testing"
	"time"
)

// In AWS Lambda the default clock is exact: a frozen function's clock
// goroutine would not run, and right after a thaw values would outlive
// their expiry. A ClockGranularity set in code is kept.
func TestExactClockInLambda(t *testing.T) {
	for _, tc := range []struct {
		lambda bool
		set    time.Duration
		want   time.Duration
	}{
		{false, 0, 0},
		{true, 0, Disabled},
		{true, 5 * time.Millisecond, 5 * time.Millisecond},
	} {
		if tc.lambda {
			t.Setenv("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001")
		}
		o := Options{}
		o.ClockGranularity = tc.set
		o.adjustForLambda()
		if o.ClockGranularity != tc.want {
			t.Errorf("in Lambda %v, ClockGranularity %v: got %v, want %v", tc.lambda, tc.set, o.ClockGranularity, tc.want)
		}
	}
}
