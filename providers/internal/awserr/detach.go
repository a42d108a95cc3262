package awserr

import (
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// ResponseError stands in an error's chain for the SDK's response error,
// which holds the whole *http.Response: its body reads from the keep-alive
// connection's buffer, which holds the bytes of earlier responses on that
// connection (other secrets' values), and its request holds the signed
// headers. ResponseError keeps what a caller acts on: the HTTP status and
// the request id, through the same methods as the SDK's error.
type ResponseError struct {
	// StatusCode is the response's HTTP status; 0 when no response came.
	StatusCode int
	// RequestID is the service's request id (x-amzn-RequestId).
	RequestID string
	// Err is what the SDK reported for the response: the service's error
	// (a smithy.APIError), or why the request or response failed.
	Err error

	// noRequestID: it stands for smithy's own response error, which has
	// no request id; its message reads as that error's.
	noRequestID bool
}

// HTTPStatusCode returns the response's HTTP status.
func (e *ResponseError) HTTPStatusCode() int { return e.StatusCode }

// ServiceRequestID returns the service's request id.
func (e *ResponseError) ServiceRequestID() string { return e.RequestID }

// Unwrap returns the error the SDK reported for the response.
func (e *ResponseError) Unwrap() error { return e.Err }

// Error reads as the SDK's own response error does.
func (e *ResponseError) Error() string {
	if e.noRequestID {
		return fmt.Sprintf("http response error StatusCode: %d, %v", e.StatusCode, e.Err)
	}
	return fmt.Sprintf("https response error StatusCode: %d, RequestID: %s, %v", e.StatusCode, e.RequestID, e.Err)
}

// detach returns err rebuilt without the SDK's transport state: each
// response error becomes a ResponseError, each deserialization error loses
// its snapshot of the response body, and the wrappers around them are
// copied. Errors that hold neither are kept as they are, so errors.Is and
// errors.As still find the service's typed errors and the network's.
func detach(err error) error {
	if err == nil || !holdsResponse(err) {
		return err
	}
	switch e := err.(type) {
	case *smithy.OperationError:
		return &smithy.OperationError{ServiceID: e.ServiceID, OperationName: e.OperationName, Err: detach(e.Err)}
	case *retry.MaxAttemptsError:
		return &retry.MaxAttemptsError{Attempt: e.Attempt, Err: detach(e.Err)}
	case *awshttp.ResponseError:
		return &ResponseError{StatusCode: statusCode(e.ResponseError), RequestID: e.RequestID, Err: detach(e.Err)}
	case *smithyhttp.ResponseError:
		return &ResponseError{StatusCode: statusCode(e), Err: detach(e.Err), noRequestID: true}
	case *smithy.DeserializationError:
		return &smithy.DeserializationError{Err: detach(e.Err)}
	}
	// A wrapper this package does not know, around a response: its
	// message is kept, and what it wraps is detached.
	w := &wrapper{msg: err.Error()}
	switch u := err.(type) {
	case interface{ Unwrap() error }:
		w.errs = []error{detach(u.Unwrap())}
	case interface{ Unwrap() []error }:
		for _, e := range u.Unwrap() {
			w.errs = append(w.errs, detach(e))
		}
	}
	return w
}

// holdsResponse reports whether err's chain holds a response or a snapshot
// of one.
func holdsResponse(err error) bool {
	var resp *smithyhttp.ResponseError
	var deser *smithy.DeserializationError
	return errors.As(err, &resp) || errors.As(err, &deser) && deser.Snapshot != nil
}

func statusCode(e *smithyhttp.ResponseError) int {
	if e == nil || e.Response == nil || e.Response.Response == nil {
		return 0
	}
	return e.Response.StatusCode
}

// wrapper is an error of an unknown type, detached: its message and what
// it wrapped.
type wrapper struct {
	msg  string
	errs []error
}

func (w *wrapper) Error() string   { return w.msg }
func (w *wrapper) Unwrap() []error { return w.errs }
