package otelsecrets

import (
	"context"
	"errors"

	"github.com/secretref/secretref/cache"
	"github.com/secretref/secretref/secrets"
)

// outcomeOK is the outcome of a call that read every value it was asked for.
const outcomeOK = "ok"

// outcomeOther is the class of an error no sentinel matches.
const outcomeOther = "other"

// classes are tried in order: a provider's classification comes before the
// context's error it may wrap (a timeout is ErrUnavailable first).
var classes = []struct {
	err   error
	class string
}{
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
}

// class returns the class of err for the outcome attribute: never its
// message, which names the reference.
func class(err error) string {
	if err == nil {
		return outcomeOK
	}
	for _, c := range classes {
		if errors.Is(err, c.err) {
			return c.class
		}
	}
	return outcomeOther
}

// outcomeOf returns the outcome of a provider call from its errors, one per
// reference read: the class of the first that failed, or ok; and how many
// failed.
func outcomeOf(errs []error) (outcome string, failed int) {
	outcome = outcomeOK
	for _, err := range errs {
		if err == nil {
			continue
		}
		if failed == 0 {
			outcome = class(err)
		}
		failed++
	}
	return outcome, failed
}
