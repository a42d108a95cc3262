// Package awserr classifies the errors of aws-sdk-go-v2 calls with the
// sentinels of package providers, keeping the SDK's error in the chain.
package awserr

import (
	"context"
	"errors"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/secretref/secretref/providers"
)

// codes maps the error codes of Secrets Manager, Parameter Store, KMS and
// STS that a read can meet to their class. Throttling codes are the SDK's
// own list (retry.DefaultThrottles).
var codes = map[string]error{
	// Secrets Manager
	"ResourceNotFoundException": providers.ErrNotFound,
	"InvalidRequestException":   providers.ErrNotFound, // on a read: the secret is scheduled for deletion
	"DecryptionFailure":         providers.ErrAccessDenied,
	"InvalidParameterException": providers.ErrInvalidReference,
	"InternalServiceError":      providers.ErrUnavailable,
	// Parameter Store
	"ParameterNotFound":             providers.ErrNotFound,
	"ParameterVersionNotFound":      providers.ErrNotFound,
	"ParameterVersionLabelNotFound": providers.ErrNotFound,
	"InvalidKeyId":                  providers.ErrAccessDenied,
	"ValidationException":           providers.ErrInvalidReference,
	"InternalServerError":           providers.ErrUnavailable,
	// Either service, and the credentials behind the call
	"AccessDeniedException":               providers.ErrAccessDenied,
	"AccessDenied":                        providers.ErrAccessDenied,
	"KMSAccessDeniedException":            providers.ErrAccessDenied,
	"UnrecognizedClientException":         providers.ErrAccessDenied,
	"InvalidClientTokenId":                providers.ErrAccessDenied,
	"InvalidSignatureException":           providers.ErrAccessDenied,
	"SignatureDoesNotMatch":               providers.ErrAccessDenied,
	"IncompleteSignature":                 providers.ErrAccessDenied,
	"MissingAuthenticationToken":          providers.ErrAccessDenied,
	"MissingAuthenticationTokenException": providers.ErrAccessDenied,
	"ExpiredToken":                        providers.ErrAccessDenied,
	"ExpiredTokenException":               providers.ErrAccessDenied,
	"InternalFailure":                     providers.ErrUnavailable,
	"ServiceUnavailable":                  providers.ErrUnavailable,
	"ServiceUnavailableException":         providers.ErrUnavailable,
}

var throttles = retry.IsErrorThrottles(retry.DefaultThrottles)

// Classify returns err classified as ErrNotFound, ErrAccessDenied,
// ErrThrottled, ErrUnavailable or ErrInvalidReference, and detached from
// the HTTP response it came with (see ResponseError): the error keeps the
// service's error (errors.As to smithy.APIError and to the SDK's typed
// errors works), its code, message and fault, the HTTP status and the
// request id. A cancelled context is not classified: it is the caller's
// doing, not the service's.
func Classify(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, context.Canceled):
		return detach(err)
	}
	return providers.Classify(kind(err), detach(err))
}

func kind(err error) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return providers.ErrUnavailable
	}
	var api smithy.APIError
	isAPI := errors.As(err, &api)
	if isAPI {
		if k, ok := codes[api.ErrorCode()]; ok {
			return k
		}
	}
	if throttles.IsErrorThrottle(err) == aws.TrueTernary {
		return providers.ErrThrottled
	}
	var resp *smithyhttp.ResponseError
	if errors.As(err, &resp) {
		switch status := resp.HTTPStatusCode(); {
		case status == http.StatusTooManyRequests:
			return providers.ErrThrottled
		case status == http.StatusUnauthorized || status == http.StatusForbidden:
			return providers.ErrAccessDenied
		case status >= 500:
			return providers.ErrUnavailable
		}
	}
	if isAPI && api.ErrorFault() == smithy.FaultClient {
		return providers.ErrInvalidReference
	}
	// What is left is the service's fault or the network's: connection, DNS
	// and TLS failures, unreadable or truncated responses, server faults.
	return providers.ErrUnavailable
}
