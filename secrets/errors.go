package secrets

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/secretref/secretref/cache"
	"github.com/secretref/secretref/providers"
)

// Errors a Client returns wrap one of these; test for them with errors.Is.
// The first six classify a backend's failure and are the sentinels of
// package providers.
var (
	// ErrNotFound: the secret, parameter or requested version does not exist.
	ErrNotFound = providers.ErrNotFound
	// ErrAccessDenied: the caller may not read the secret or decrypt it.
	ErrAccessDenied = providers.ErrAccessDenied
	// ErrThrottled: the service refused the call because of a rate quota.
	ErrThrottled = providers.ErrThrottled
	// ErrUnavailable: the service failed or could not be reached.
	ErrUnavailable = providers.ErrUnavailable
	// ErrInvalidReference: the reference is malformed or names something the
	// service rejects.
	ErrInvalidReference = providers.ErrInvalidReference
	// ErrMisconfigured: the backend cannot be called as configured (no AWS
	// region, no credentials); the message says what to set. Not
	// transient: it is not hidden behind stale values.
	ErrMisconfigured = providers.ErrMisconfigured

	// ErrKeyNotFound: a reference's #key names a field the secret's JSON
	// object does not have.
	ErrKeyNotFound = errors.New("key not found")
	// ErrInvalidValue: the value cannot be used as asked: a #key on a value
	// that is not a JSON object or on a binary secret, or a value that does
	// not convert to the type it is decoded into.
	ErrInvalidValue = errors.New("invalid value")
	// ErrInvalidArgument: a method was called with an argument it cannot
	// use, such as a nil context.
	ErrInvalidArgument = errors.New("invalid argument")
	// ErrClosed: the Client was used after Close.
	ErrClosed = errors.New("the Client is closed")
)

// clientError returns err, an error of the Client's cache, in the Client's
// words: its cache being closed is the Client being closed.
func clientError(err error) error {
	if errors.Is(err, cache.ErrClosed) {
		return ErrClosed
	}
	return err
}

// RefError is the error of an operation on one reference. Its message names
// the reference and the problem, never the secret's value.
type RefError struct {
	Ref string // the reference as the caller wrote it
	Err error  // the classified cause
}

// maxRefInMessage bounds how much of a reference an error message quotes.
const maxRefInMessage = 200

func (e *RefError) Error() string {
	ref := e.Ref
	if len(ref) > maxRefInMessage {
		ref = ref[:maxRefInMessage] + "..."
	}
	// A cause that is itself one of this package's errors (New's, for
	// the package-level Get) would repeat the prefix.
	return "secrets: " + strconv.Quote(ref) + ": " + strings.TrimPrefix(e.Err.Error(), "secrets: ")
}

func (e *RefError) Unwrap() error { return e.Err }

// invalidRef returns the error for a malformed reference.
func invalidRef(ref, format string, args ...any) error {
	return &RefError{Ref: ref, Err: fmt.Errorf("%w: "+format, append([]any{ErrInvalidReference}, args...)...)}
}
