package providers

import (
	"context"
	"errors"
)

// Sentinel errors classify every failure a provider reports. Test for them
// with errors.Is; the error a provider returns also still unwraps to the
// backend's own error (for AWS, errors.As to smithy.APIError works).
var (
	// ErrNotFound: the secret, parameter or requested version does not exist
	// (or is scheduled for deletion).
	ErrNotFound = errors.New("secret not found")
	// ErrAccessDenied: the caller may not read the secret or use the KMS key
	// that encrypts it, or its credentials were rejected.
	ErrAccessDenied = errors.New("access denied")
	// ErrThrottled: the service refused the call because of a request rate
	// quota. Transient.
	ErrThrottled = errors.New("throttled")
	// ErrUnavailable: the service failed or could not be reached (5xx,
	// timeout, connection or DNS failure, unreadable response). Transient.
	ErrUnavailable = errors.New("service unavailable")
	// ErrInvalidReference: the reference is malformed, or names something the
	// backend rejects as invalid.
	ErrInvalidReference = errors.New("invalid reference")
	// ErrMisconfigured: the backend cannot be called as the provider is
	// configured: no region or an invalid one, an endpoint that cannot be
	// resolved, no credentials. The message says what to set. Not
	// transient: a cache does not hide it behind stale values.
	ErrMisconfigured = errors.New("misconfigured")
)

// Classify returns an error that matches kind with errors.Is and still
// unwraps to err, so errors.As finds the backend's own error type. Its
// message is kind's followed by err's. Classify(kind, nil) returns nil.
func Classify(kind, err error) error {
	if err == nil {
		return nil
	}
	return &classified{kind: kind, err: err}
}

type classified struct {
	kind error
	err  error
}

func (e *classified) Error() string   { return e.kind.Error() + ": " + e.err.Error() }
func (e *classified) Unwrap() []error { return []error{e.kind, e.err} }

// IsTransient reports whether err is worth retrying later and whether a cache
// may keep serving a value it already holds while err persists: throttling,
// an unavailable service, or a deadline that passed.
//
// It is the one place that decides about deadlines: an error that wraps
// context.DeadlineExceeded is transient unless a provider classified it
// otherwise (a misconfiguration found only after a source of credentials
// timed out, say).
func IsTransient(err error) bool {
	switch {
	case errors.Is(err, ErrThrottled), errors.Is(err, ErrUnavailable):
		return true
	case errors.Is(err, ErrMisconfigured), errors.Is(err, ErrNotFound),
		errors.Is(err, ErrAccessDenied), errors.Is(err, ErrInvalidReference):
		return false
	}
	return errors.Is(err, context.DeadlineExceeded)
}

// ErrNotBatched answers a request of a BatchFetcher's FetchBatch that its
// one backend call did not serve: the batch call was refused (a policy that
// grants only the single-value call, an endpoint without it), or the
// request belongs to another batch group, or is beyond the group's size.
// The caller fetches that request with Fetch. It is never a request's
// final answer.
var ErrNotBatched = errors.New("not served by the batch call")
