// Package secretsmanager serves secrets from AWS Secrets Manager through
// aws-sdk-go-v2.
//
// The IAM permissions a read needs are secretsmanager:GetSecretValue on the
// secret's ARN (and, for a batch, secretsmanager:BatchGetSecretValue, which
// the provider does without when it is refused), and kms:Decrypt on the
// secret's key when that is a customer-managed KMS key.
package secretsmanager

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/secretref/secretref/providers"
	"github.com/secretref/secretref/providers/internal/awserr"
)

// API is the part of the Secrets Manager client a Provider calls: what a
// stand-in for the client implements, for New.
type API interface {
	GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
	BatchGetSecretValue(ctx context.Context, in *secretsmanager.BatchGetSecretValueInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.BatchGetSecretValueOutput, error)
	DescribeSecret(ctx context.Context, in *secretsmanager.DescribeSecretInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.DescribeSecretOutput, error)
}

// Provider reads Secrets Manager secrets. It is safe for concurrent use.
type Provider struct {
	api calls
	// batchRefused is set once BatchGetSecretValue was refused (a policy
	// that grants only GetSecretValue, an endpoint without it): batches
	// then use GetSecretValue for the Provider's life.
	batchRefused atomic.Bool
}

var (
	_ providers.BatchFetcher = (*Provider)(nil)
	_ providers.Staged       = (*Provider)(nil)
)

// PendingStage returns AWSPENDING, the label a rotation function's
// createSecret step puts on the new version until finishSecret moves
// AWSCURRENT to it.
func (p *Provider) PendingStage() string { return "AWSPENDING" }

// calls holds the client's methods a Provider calls, as function values.
// A client held this way is never converted to an interface: in a program
// that looks methods up by reflection, as aws-lambda-go's net/rpc does, the
// linker keeps every exported method of every type converted to an
// interface.
type calls struct {
	getSecretValue      func(context.Context, *secretsmanager.GetSecretValueInput, ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
	batchGetSecretValue batchGetter
	describeSecret      func(context.Context, *secretsmanager.DescribeSecretInput, ...func(*secretsmanager.Options)) (*secretsmanager.DescribeSecretOutput, error)
}

// New returns a Provider that calls api, a stand-in for the client in
// tests. For a *secretsmanager.Client use NewFromClient: passed here, the
// client is converted to an interface, and a Lambda function built without
// -tags lambda.norpc then links all of its methods.
func New(api API) *Provider {
	return &Provider{api: calls{api.GetSecretValue, api.BatchGetSecretValue, api.DescribeSecret}}
}

// NewFromClient returns a Provider that calls client.
func NewFromClient(client *secretsmanager.Client) *Provider {
	return &Provider{api: calls{client.GetSecretValue, client.BatchGetSecretValue, client.DescribeSecret}}
}

// NewFromConfig returns a Provider with a Secrets Manager client made from
// cfg and optFns. The client never logs request or response bodies, whatever
// cfg.ClientLogMode says: a response body holds the secret.
func NewFromConfig(cfg aws.Config, optFns ...func(*secretsmanager.Options)) *Provider {
	return NewFromClient(newClient(cfg, optFns...))
}

// newClient is the client NewFromConfig makes.
func newClient(cfg aws.Config, optFns ...func(*secretsmanager.Options)) *secretsmanager.Client {
	optFns = append(optFns, func(o *secretsmanager.Options) {
		o.ClientLogMode &^= aws.LogRequestWithBody | aws.LogResponseWithBody
	})
	return secretsmanager.NewFromConfig(cfg, optFns...)
}

// Fetch calls GetSecretValue for req.Name (a name or ARN), selecting
// req.Stage or req.VersionID, in req.Region when it is set.
func (p *Provider) Fetch(ctx context.Context, req providers.Request) (*providers.Result, error) {
	if req.SkipDecryption {
		return nil, providers.Classify(providers.ErrInvalidReference, errors.New("decrypt=false applies to Parameter Store: Secrets Manager always decrypts"))
	}
	in := &secretsmanager.GetSecretValueInput{SecretId: aws.String(req.Name)}
	if req.Stage != "" {
		in.VersionStage = aws.String(req.Stage)
	}
	if req.VersionID != "" {
		in.VersionId = aws.String(req.VersionID)
	}
	out, err := p.api.getSecretValue(ctx, in, inRegion(req.Region))
	if err != nil {
		return nil, awserr.Classify(err)
	}
	return result(out.SecretString, out.SecretBinary, out.VersionId, out.CreatedDate)
}

// errNoValue is a successful answer that carries neither SecretString nor
// SecretBinary. The service never sends one for a stored version, so it is
// treated as a damaged response rather than cached as an empty secret.
var errNoValue = errors.New("the response holds neither SecretString nor SecretBinary")

// result converts one secret version as the service returns it.
func result(str *string, bin []byte, versionID *string, created *time.Time) (*providers.Result, error) {
	r := &providers.Result{Version: aws.ToString(versionID), Created: aws.ToTime(created)}
	switch {
	case str != nil:
		r.Value = []byte(*str)
	case bin != nil:
		r.Value, r.Binary = bin, true
	default:
		return nil, providers.Classify(providers.ErrUnavailable, errNoValue)
	}
	return r, nil
}

// inRegion returns a per-call option that sends the call to region: an ARN
// of another region is fetched from that region's endpoint.
func inRegion(region string) func(*secretsmanager.Options) {
	return func(o *secretsmanager.Options) {
		if region != "" {
			o.Region = region
		}
	}
}
