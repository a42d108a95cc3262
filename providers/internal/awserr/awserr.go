// Package awserr classifies the errors of aws-sdk-go-v2 calls with the
// sentinels of package providers, keeping the service's error in the chain
// and dropping the HTTP response it came with.
//
// Classes, in the order they are decided:
//
//   - ErrMisconfigured: the SDK could not make the call as configured (no
//     region, an invalid region or endpoint, no credentials): the message
//     says what to set. Not transient.
//   - the class of the service's error code (codes below), then throttling,
//     then the HTTP status, then a client fault (ErrInvalidReference);
//   - ErrUnavailable for what is left: the network's or the service's fault,
//     including a deadline that passed (see providers.IsTransient).
//
// An expired session token (ExpiredToken, ExpiredTokenException) is
// ErrUnavailable, transient, not ErrAccessDenied: the SDK refreshes
// credentials before they expire, so a call signed with expired ones means
// that their source (the instance metadata service, the ECS credentials
// endpoint, STS) failed to refresh them. That is an outage of the source,
// which its next refresh ends, and a cache rides it out on stale values; as
// ErrAccessDenied it would drop every cached value at once. The error still
// unwraps to the service's, code included.
package awserr

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"

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
	"ExpiredToken":                        providers.ErrUnavailable, // see the package doc
	"ExpiredTokenException":               providers.ErrUnavailable,
	"InternalFailure":                     providers.ErrUnavailable,
	"ServiceUnavailable":                  providers.ErrUnavailable,
	"ServiceUnavailableException":         providers.ErrUnavailable,
}

// refusals are the codes with which a service refuses an operation as a
// whole rather than for one secret: the caller may not call it, or the
// endpoint does not implement it.
var refusals = map[string]bool{
	"AccessDeniedException":     true,
	"InvalidAction":             true,
	"UnknownOperationException": true,
	"NotImplemented":            true,
}

// Refused reports whether err says the caller may not, or the endpoint
// cannot, make the call at all (as a role granted only GetSecretValue is
// refused BatchGetSecretValue, or an emulator that lacks it answers 404 or
// 501), so that the caller does without it.
func Refused(err error) bool {
	var api smithy.APIError
	if errors.As(err, &api) && refusals[api.ErrorCode()] {
		return true
	}
	var resp *smithyhttp.ResponseError
	return errors.As(err, &resp) && (resp.HTTPStatusCode() == http.StatusNotFound || resp.HTTPStatusCode() == http.StatusNotImplemented)
}

var throttles = retry.IsErrorThrottles(retry.DefaultThrottles)

// Classify returns err classified with a sentinel of package providers
// (see the package doc), and detached from the HTTP response it came with
// (see ResponseError): the error keeps the service's error (errors.As to
// smithy.APIError and to the SDK's typed errors works), its code, message
// and fault, the HTTP status and the request id. A cancelled context is not
// classified: it is the caller's doing, not the service's.
func Classify(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, context.Canceled):
		return detach(err)
	}
	c := classOf(err)
	err = detach(err)
	if c.hint != "" {
		err = fmt.Errorf("%s: %w", c.hint, err)
	}
	return providers.Classify(c.kind, err)
}

// class is what Classify makes of an error: its sentinel and, for a
// misconfiguration, what to set.
type class struct {
	kind error
	hint string
}

func classOf(err error) class {
	if hint := endpointHint(err); hint != "" {
		return class{providers.ErrMisconfigured, hint}
	}
	if credentialsFailed(err) {
		return credentialsClass(err)
	}
	return class{kind: answerKind(err)}
}

// What to set, by misconfiguration.
const (
	hintNoRegion    = "no AWS region: set AWS_REGION or AWS_DEFAULT_REGION, or the region of the AWS configuration"
	hintBadRegion   = "the AWS region is not a region name such as eu-west-1: check AWS_REGION and AWS_DEFAULT_REGION"
	hintEndpoint    = "the service endpoint cannot be resolved: check AWS_REGION, AWS_DEFAULT_REGION and AWS_ENDPOINT_URL"
	hintCredentials = "no AWS credentials: run with a role (an ECS task role, a Lambda execution role, an EC2 instance profile), " +
		"or set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
)

// endpointHint returns what to set when err says the SDK could not work out
// the service's endpoint, which it does before sending anything: the region
// is missing or invalid, or the endpoint configuration is. It returns ""
// for any other error. The SDK reports these as text only; the tests make
// them with the SDK itself, so a change of its wording shows.
func endpointHint(err error) string {
	var missing *aws.MissingRegionError
	if errors.As(err, &missing) {
		return hintNoRegion
	}
	var hint string
	walk(err, func(e error) bool {
		switch msg := e.Error(); {
		case strings.HasPrefix(msg, "failed to resolve service endpoint"):
			hint = hintEndpoint
			if strings.Contains(msg, "Missing Region") {
				hint = hintNoRegion
			}
		case strings.HasPrefix(msg, "failed to bind endpoint params"):
			hint = hintEndpoint
			if strings.Contains(msg, "invalid input region") {
				hint = hintBadRegion
			}
		}
		return hint != ""
	})
	return hint
}

// credentialsFailed reports whether err says the SDK could not get the
// credentials to sign the call with: the call was never sent.
func credentialsFailed(err error) bool {
	return walk(err, func(e error) bool { return strings.HasPrefix(e.Error(), "get identity: ") })
}

// credentialsClass classifies a failure to get credentials. The instance
// metadata service is the last source of the SDK's default chain: when it
// fails, no source had credentials (outside EC2 it cannot be reached; on EC2
// the instance has no role), since once it has given credentials the SDK
// keeps serving them through its outages. Another source that answered is
// classified by its answer; one that could not be reached, or not in time,
// is unavailable; anything else (empty static keys, an expired SSO session)
// is a misconfiguration.
func credentialsClass(err error) class {
	var api smithy.APIError
	var resp *smithyhttp.ResponseError
	var netErr net.Error // a deadline that passed is one too
	switch {
	case walk(err, isOperationOf("ec2imds")):
		return class{providers.ErrMisconfigured, hintCredentials}
	case errors.As(err, &api), errors.As(err, &resp):
		// A client fault of STS or SSO (an invalid identity token, a
		// region where STS is disabled) is a misconfiguration, not a bad
		// reference.
		if k := answerKind(err); k != providers.ErrInvalidReference {
			return class{kind: k}
		}
	case errors.As(err, &netErr):
		return class{kind: providers.ErrUnavailable}
	}
	return class{providers.ErrMisconfigured, hintCredentials}
}

// answerKind classifies err by the service's answer.
func answerKind(err error) error {
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
	// and TLS failures, a deadline that passed, unreadable or truncated
	// responses, server faults.
	return providers.ErrUnavailable
}

func isOperationOf(service string) func(error) bool {
	return func(e error) bool {
		op, ok := e.(*smithy.OperationError)
		return ok && op.ServiceID == service
	}
}

// walk calls f on err and every error it wraps, depth first, until f
// returns true, and reports whether it did.
func walk(err error, f func(error) bool) bool {
	if err == nil {
		return false
	}
	if f(err) {
		return true
	}
	switch u := err.(type) {
	case interface{ Unwrap() error }:
		return walk(u.Unwrap(), f)
	case interface{ Unwrap() []error }:
		for _, e := range u.Unwrap() {
			if walk(e, f) {
				return true
			}
		}
	}
	return false
}
