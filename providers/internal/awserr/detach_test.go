package awserr

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/secretref/secretref/internal/testing/deepdump"
	"github.com/secretref/secretref/providers"
)

// bufferedSecret stands for another secret's value left in a keep-alive
// connection's read buffer, which a response's body reads from.
const bufferedSecret = "buffered-Qm4Zr8Tt-other-secret"

// sdkResponseError is the chain the SDK returns for a service error: the
// response, whose body and request reach the connection's buffer, wraps
// the typed API error.
func sdkResponseError(status int, apiErr error) error {
	resp := &http.Response{
		StatusCode: status,
		Header:     http.Header{"X-Amzn-Requestid": {"req-7"}},
		Body:       io.NopCloser(strings.NewReader(`{"SecretString":"` + bufferedSecret + `"}`)),
		Request:    &http.Request{Method: "POST", Header: http.Header{"Authorization": {"AWS4-HMAC-SHA256 Credential=AKIAFAKE"}}},
	}
	return &smithy.OperationError{ServiceID: "Secrets Manager", OperationName: "GetSecretValue",
		Err: &retry.MaxAttemptsError{Attempt: 3, Err: &awshttp.ResponseError{
			ResponseError: &smithyhttp.ResponseError{Response: &smithyhttp.Response{Response: resp}, Err: apiErr},
			RequestID:     "req-7",
		}}}
}

// checkDetached fails t if err's chain holds an HTTP response or request,
// or shows bufferedSecret.
func checkDetached(t *testing.T, err error) {
	t.Helper()
	dump := deepdump.Dump(err)
	if typ := deepdump.Transport(dump); typ != "" {
		t.Errorf("the error's chain holds a %s", typ)
	}
	if deepdump.Shows(dump, bufferedSecret) {
		t.Errorf("a deep dump of the error shows a %d-byte secret", len(bufferedSecret))
	}
}

// A classified error keeps the service's error, its code, message and
// fault, the HTTP status and the request id, and its message, but not the
// response.
func TestClassifyDetachesTheResponse(t *testing.T) {
	typed := &smtypes.ResourceNotFoundException{Message: ptr("Secrets Manager can't find the specified secret.")}
	raw := sdkResponseError(400, typed)
	err := Classify(raw)
	checkDetached(t, err)
	if !errors.Is(err, providers.ErrNotFound) {
		t.Errorf("error %v, want ErrNotFound", err)
	}
	if want := providers.ErrNotFound.Error() + ": " + raw.Error(); err.Error() != want {
		t.Errorf("message\n %q, want the SDK's\n %q", err, want)
	}
	var api smithy.APIError
	if !errors.As(err, &api) || api.ErrorCode() != "ResourceNotFoundException" || api.ErrorMessage() != *typed.Message || api.ErrorFault() != smithy.FaultClient {
		t.Errorf("errors.As(smithy.APIError) lost the service's error: %v", api)
	}
	var got *smtypes.ResourceNotFoundException
	if !errors.As(err, &got) || got != typed {
		t.Error("errors.As to the SDK's typed error failed")
	}
	var status interface{ HTTPStatusCode() int }
	if !errors.As(err, &status) || status.HTTPStatusCode() != 400 {
		t.Error("the HTTP status is lost")
	}
	var reqID interface{ ServiceRequestID() string }
	if !errors.As(err, &reqID) || reqID.ServiceRequestID() != "req-7" {
		t.Error("the request id is lost")
	}
	var op *smithy.OperationError
	if !errors.As(err, &op) || op.Operation() != "GetSecretValue" || op.Service() != "Secrets Manager" {
		t.Error("the operation is lost")
	}
	var attempts *retry.MaxAttemptsError
	if !errors.As(err, &attempts) || attempts.Attempt != 3 {
		t.Error("the attempt count is lost")
	}
}

// Every wrapper the SDK or a caller puts around a response is rebuilt
// without it: a deserialization error's snapshot of the body, an unknown
// wrapper, several errors joined, a cancelled call.
func TestDetachEveryWrapper(t *testing.T) {
	snapshot := &smithy.DeserializationError{Err: errors.New("unexpected EOF"), Snapshot: []byte(`{"SecretString":"` + bufferedSecret)}
	api := &smithy.GenericAPIError{Code: "AccessDeniedException", Message: "denied", Fault: smithy.FaultClient}
	for _, tc := range []struct {
		name string
		err  error
		want error
	}{
		{"response", sdkResponseError(403, api), providers.ErrAccessDenied},
		{"deserialization snapshot", sdkResponseError(200, snapshot), providers.ErrUnavailable},
		{"snapshot alone", snapshot, providers.ErrUnavailable},
		{"unknown wrapper", fmt.Errorf("calling: %w", sdkResponseError(500, &smithy.GenericAPIError{Code: "InternalFailure"})), providers.ErrUnavailable},
		{"joined", errors.Join(errors.New("first"), sdkResponseError(403, api)), providers.ErrAccessDenied},
		{"smithy response error alone", &smithyhttp.ResponseError{
			Response: &smithyhttp.Response{Response: &http.Response{StatusCode: 503, Body: io.NopCloser(strings.NewReader(bufferedSecret))}},
			Err:      errors.New("unavailable")}, providers.ErrUnavailable},
		{"cancelled", fmt.Errorf("reading: %w: %w", sdkResponseError(200, snapshot), context.Canceled), context.Canceled},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Classify(tc.err)
			checkDetached(t, err)
			if !errors.Is(err, tc.want) {
				t.Errorf("error %v, want %v", err, tc.want)
			}
			if !strings.HasSuffix(err.Error(), tc.err.Error()) {
				t.Errorf("message %q does not end with the SDK's %q", err, tc.err)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }
