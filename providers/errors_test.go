package providers

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

func TestIsTransient(t *testing.T) {
	deadline := fmt.Errorf("calling: %w", context.DeadlineExceeded)
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"throttled", Classify(ErrThrottled, errors.New("rate exceeded")), true},
		{"unavailable", Classify(ErrUnavailable, errors.New("503")), true},
		{"deadline, unclassified", deadline, true},
		{"deadline, classified unavailable", Classify(ErrUnavailable, deadline), true},
		// A provider's class wins over the deadline it found on the way.
		{"deadline, classified misconfigured", Classify(ErrMisconfigured, deadline), false},
		{"deadline, classified access denied", Classify(ErrAccessDenied, deadline), false},
		{"misconfigured", Classify(ErrMisconfigured, errors.New("no region")), false},
		{"not found", Classify(ErrNotFound, errors.New("no such secret")), false},
		{"access denied", Classify(ErrAccessDenied, errors.New("denied")), false},
		{"invalid reference", Classify(ErrInvalidReference, errors.New("bad name")), false},
		{"canceled", context.Canceled, false},
		{"unclassified", errors.New("something"), false},
		{"nil", nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := IsTransient(tc.err); got != tc.want {
				t.Errorf("IsTransient(%v) = %v, want %v", tc.err, got, tc.want)
			}
		})
	}
}
