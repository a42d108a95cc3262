// Package providers defines the small interface a secret backend implements
// and the classified errors every backend reports.
//
// A provider fetches one value for one [Request] and classifies its failures
// with the sentinel errors of this package (see [Classify]). Everything else —
// reference parsing, caching, JSON key extraction, redaction — is done by the
// portable layer in package secrets, so a provider stays small. Every provider
// in this module passes the conformance suite in package providertest; a
// third-party provider should run it too.
package providers

import (
	"context"
	"time"
)

// Provider fetches secret values from one backend.
//
// Implementations must be safe for concurrent use by multiple goroutines.
// Fetch must honour ctx (return promptly with ctx's error once it is done)
// and must classify its errors with [Classify] so that callers can use
// errors.Is with [ErrNotFound], [ErrAccessDenied], [ErrThrottled],
// [ErrUnavailable], [ErrInvalidReference] and [ErrMisconfigured]. Errors
// must never contain the secret's value, nor hold the transport state
// (an HTTP response, a connection's buffers) that other values passed
// through.
type Provider interface {
	Fetch(ctx context.Context, req Request) (*Result, error)
}

// Request names one version of one secret. Fields a backend does not support
// must be rejected with [ErrInvalidReference] rather than ignored.
type Request struct {
	// Name identifies the secret: a Secrets Manager secret name or ARN, a
	// Parameter Store parameter name or ARN, an environment variable, a path.
	Name string
	// Region is the AWS region to call; empty means the provider's default.
	// It is set when the reference is an ARN.
	Region string
	// Stage selects a version by label: a Secrets Manager staging label
	// (AWSCURRENT, AWSPENDING, AWSPREVIOUS, or a custom one) or a Parameter
	// Store parameter label. Empty means the current version.
	Stage string
	// VersionID selects a version by identifier: a Secrets Manager VersionId
	// or a Parameter Store version number. At most one of Stage and VersionID
	// is set.
	VersionID string
	// SkipDecryption asks Parameter Store for a SecureString's ciphertext
	// instead of its plaintext (WithDecryption=false). Other providers reject it.
	SkipDecryption bool
}

// Result is one fetched value.
//
// The portable layer takes ownership of Value: a provider must not modify or
// retain it after returning.
type Result struct {
	// Value is the secret: a string secret's UTF-8 bytes or a binary
	// secret's bytes.
	Value []byte
	// Binary reports that the backend stored the value as binary
	// (Secrets Manager SecretBinary) rather than as a string.
	Binary bool
	// Version identifies this version of the value (Secrets Manager
	// VersionId, Parameter Store version number). Empty when the backend has
	// no versions; the cache then detects a change by comparing values.
	Version string
	// Created is when this version was made (Secrets Manager CreatedDate,
	// Parameter Store LastModifiedDate); zero when the backend does not
	// say. It orders versions read from replicas, which may lag.
	Created time.Time
}

// Describer is a Provider whose backend tells, in one call, what else is
// known of a secret: when it rotates next and where it is replicated
// (Secrets Manager DescribeSecret). A Client uses it to expire a value when
// its secret rotates instead of serving the old one for a whole TTL, and
// to learn which regions it can fail over to.
type Describer interface {
	Provider
	// Describe describes the secret req names, in req.Region.
	Describe(ctx context.Context, req Request) (Description, error)
}

// Description is what a Describer tells of a secret besides its value.
type Description struct {
	// NextRotation is when the secret is next rotated; zero when no
	// rotation is scheduled.
	NextRotation time.Time
	// Replicas are the regions the secret is replicated to, as the backend
	// lists them (Secrets Manager's ReplicationStatus); none for a secret
	// that is not replicated.
	Replicas []string
}

// Staged is a Provider whose backend keeps the version a rotation is
// putting in place under a staging label until the rotation finishes
// (Secrets Manager's AWSPENDING). A client whose credential is rejected
// during a rotation tries that version too.
type Staged interface {
	Provider
	// PendingStage returns the staging label of a rotation's new version.
	PendingStage() string
}
