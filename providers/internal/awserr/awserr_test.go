package awserr

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/secretref/secretref/providers"
)

func apiErr(code string, fault smithy.ErrorFault) error {
	return &smithy.OperationError{ServiceID: "Secrets Manager", OperationName: "GetSecretValue",
		Err: &smithy.GenericAPIError{Code: code, Message: "m", Fault: fault}}
}

func httpErr(status int, err error) error {
	return &smithy.OperationError{ServiceID: "SSM", OperationName: "GetParameter",
		Err: &awshttp.ResponseError{ResponseError: &smithyhttp.ResponseError{
			Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status}}, Err: err}}}
}

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want error
	}{
		{"secret not found", &smtypes.ResourceNotFoundException{}, providers.ErrNotFound},
		{"parameter not found", &ssmtypes.ParameterNotFound{}, providers.ErrNotFound},
		{"parameter version not found", &ssmtypes.ParameterVersionNotFound{}, providers.ErrNotFound},
		{"scheduled for deletion", &smtypes.InvalidRequestException{}, providers.ErrNotFound},
		{"decryption failure", &smtypes.DecryptionFailure{}, providers.ErrAccessDenied},
		{"access denied", apiErr("AccessDeniedException", smithy.FaultClient), providers.ErrAccessDenied},
		{"bad signature", apiErr("UnrecognizedClientException", smithy.FaultClient), providers.ErrAccessDenied},
		// An expired token is its source's failure to refresh it: transient.
		{"expired token", apiErr("ExpiredTokenException", smithy.FaultClient), providers.ErrUnavailable},
		{"expired token (STS)", apiErr("ExpiredToken", smithy.FaultClient), providers.ErrUnavailable},
		{"missing region", fmt.Errorf("resolving: %w", &aws.MissingRegionError{}), providers.ErrMisconfigured},
		{"KMS key", &ssmtypes.InvalidKeyId{}, providers.ErrAccessDenied},
		{"throttling", apiErr("ThrottlingException", smithy.FaultClient), providers.ErrThrottled},
		{"too many requests", apiErr("TooManyRequestsException", smithy.FaultClient), providers.ErrThrottled},
		{"HTTP 429", httpErr(429, errors.New("slow down")), providers.ErrThrottled},
		{"internal error", &smtypes.InternalServiceError{}, providers.ErrUnavailable},
		{"SSM internal error", &ssmtypes.InternalServerError{}, providers.ErrUnavailable},
		{"HTTP 503", httpErr(503, errors.New("unavailable")), providers.ErrUnavailable},
		{"HTTP 403", httpErr(403, errors.New("forbidden")), providers.ErrAccessDenied},
		{"invalid parameter", &smtypes.InvalidParameterException{}, providers.ErrInvalidReference},
		{"validation", apiErr("ValidationException", smithy.FaultClient), providers.ErrInvalidReference},
		{"unknown client fault", apiErr("SomethingNewException", smithy.FaultClient), providers.ErrInvalidReference},
		{"unknown server fault", apiErr("SomethingBrokeException", smithy.FaultServer), providers.ErrUnavailable},
		{"malformed body", &smithy.DeserializationError{Err: errors.New("unexpected EOF")}, providers.ErrUnavailable},
		{"DNS", &net.DNSError{Err: "no such host", Name: "secretsmanager.example", IsNotFound: true}, providers.ErrUnavailable},
		{"connection reset", &net.OpError{Op: "read", Net: "tcp", Err: errors.New("connection reset by peer")}, providers.ErrUnavailable},
		{"deadline", fmt.Errorf("operation error: %w", context.DeadlineExceeded), providers.ErrUnavailable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Classify(tc.err)
			if !errors.Is(got, tc.want) {
				t.Errorf("Classify(%v) = %v, want it to match %v", tc.err, got, tc.want)
			}
			leaf := tc.err
			for u := errors.Unwrap(leaf); u != nil; u = errors.Unwrap(leaf) {
				leaf = u
			}
			if !errors.Is(got, leaf) {
				t.Errorf("Classify(%v) lost the original error", tc.err)
			}
			if !strings.HasSuffix(got.Error(), tc.err.Error()) {
				t.Errorf("Classify(%v) = %q: the SDK's message is lost", tc.err, got)
			}
		})
	}
}

func TestCanceledIsLeftAlone(t *testing.T) {
	err := fmt.Errorf("operation error: %w", context.Canceled)
	if got := Classify(err); got != err {
		t.Errorf("Classify(canceled) = %v, want the error unchanged", got)
	}
	if Classify(nil) != nil {
		t.Error("Classify(nil) != nil")
	}
}

func TestTypedErrorSurvives(t *testing.T) {
	var typed *ssmtypes.ParameterNotFound
	if !errors.As(Classify(&ssmtypes.ParameterNotFound{}), &typed) {
		t.Error("errors.As to the SDK's typed error failed after Classify")
	}
}

func TestRefused(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"not allowed", apiErr("AccessDeniedException", smithy.FaultClient), true},
		{"unknown action", apiErr("InvalidAction", smithy.FaultClient), true},
		{"unknown operation", apiErr("UnknownOperationException", smithy.FaultClient), true},
		{"not implemented", apiErr("NotImplemented", smithy.FaultServer), true},
		{"HTTP 404", httpErr(404, errors.New("no route")), true},
		{"HTTP 501", httpErr(501, errors.New("not implemented")), true},
		{"throttled", apiErr("ThrottlingException", smithy.FaultClient), false},
		{"HTTP 500", httpErr(500, errors.New("failed")), false},
		{"not found", &smtypes.ResourceNotFoundException{}, false},
		{"network", &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Refused(tc.err); got != tc.want {
				t.Errorf("Refused(%v) = %v, want %v", tc.err, got, tc.want)
			}
		})
	}
}
