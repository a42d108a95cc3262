package otelsecrets

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/secretref/secretref/cache"
	"github.com/secretref/secretref/providers"
	"github.com/secretref/secretref/secrets"
)

func TestClass(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{nil, "ok"},
		{secrets.ErrNotFound, "not_found"},
		{secrets.ErrAccessDenied, "access_denied"},
		{secrets.ErrThrottled, "throttled"},
		{secrets.ErrUnavailable, "unavailable"},
		{secrets.ErrInvalidReference, "invalid_reference"},
		{secrets.ErrMisconfigured, "misconfigured"},
		{secrets.ErrKeyNotFound, "key_not_found"},
		{secrets.ErrInvalidValue, "invalid_value"},
		{secrets.ErrClosed, "closed"},
		{cache.ErrLoadPanicked, "load_panicked"},
		{context.DeadlineExceeded, "deadline_exceeded"},
		{context.Canceled, "canceled"},
		{errors.New("something else"), "other"},
		// Wrapped as the Client and the providers wrap them.
		{&secrets.RefError{Ref: "sm:prod/db", Err: secrets.ErrNotFound}, "not_found"},
		{providers.Classify(providers.ErrThrottled, errors.New("ThrottlingException")), "throttled"},
		{fmt.Errorf("load: %w", fmt.Errorf("%w (a string)", cache.ErrLoadPanicked)), "load_panicked"},
		// A provider's classification wins over the context error it wraps.
		{providers.Classify(providers.ErrUnavailable, context.DeadlineExceeded), "unavailable"},
	}
	for _, tt := range tests {
		if got := class(tt.err); got != tt.want {
			t.Errorf("class(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
}

func TestOutcomeOf(t *testing.T) {
	tests := []struct {
		name    string
		errs    []error
		outcome string
		failed  int
	}{
		{"one success", []error{nil}, "ok", 0},
		{"a batch of successes", []error{nil, nil, nil}, "ok", 0},
		{"one failure", []error{secrets.ErrThrottled}, "throttled", 1},
		{"the first failure of a batch", []error{nil, secrets.ErrNotFound, secrets.ErrAccessDenied}, "not_found", 2},
		{"no references", nil, "ok", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			outcome, failed := outcomeOf(tt.errs)
			if outcome != tt.outcome || failed != tt.failed {
				t.Errorf("outcomeOf = %q, %d; want %q, %d", outcome, failed, tt.outcome, tt.failed)
			}
		})
	}
}
