// Package ssm serves secrets from AWS Systems Manager Parameter Store
// through aws-sdk-go-v2.
//
// The IAM permissions a read needs are ssm:GetParameter (one value),
// ssm:GetParameters (a batch) or ssm:GetParametersByPath (a path) on the
// parameters' ARNs, and kms:Decrypt on the key of a SecureString encrypted
// with a customer-managed KMS key.
package ssm

import (
	"context"
	"errors"
	"strconv"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/secretref/secretref/providers"
	"github.com/secretref/secretref/providers/internal/awserr"
)

// API is the part of the Parameter Store client a Provider calls: what a
// stand-in for the client implements, for New.
type API interface {
	GetParameter(ctx context.Context, in *ssm.GetParameterInput, optFns ...func(*ssm.Options)) (*ssm.GetParameterOutput, error)
	GetParameters(ctx context.Context, in *ssm.GetParametersInput, optFns ...func(*ssm.Options)) (*ssm.GetParametersOutput, error)
	GetParametersByPath(ctx context.Context, in *ssm.GetParametersByPathInput, optFns ...func(*ssm.Options)) (*ssm.GetParametersByPathOutput, error)
}

// Provider reads Parameter Store parameters. It is safe for concurrent use.
type Provider struct {
	api calls
	// batchRefused is set once GetParameters was refused (a policy that
	// grants only ssm:GetParameter, or none on one of the names): batches
	// then use GetParameter for the Provider's life.
	batchRefused atomic.Bool
}

var (
	_ providers.BatchFetcher = (*Provider)(nil)
	_ providers.PathFetcher  = (*Provider)(nil)
)

// calls holds the client's methods a Provider calls, as function values.
// A client held this way is never converted to an interface: in a program
// that looks methods up by reflection, as aws-lambda-go's net/rpc does, the
// linker keeps every exported method of every type converted to an
// interface, and *ssm.Client has over 450.
type calls struct {
	getParameter        func(context.Context, *ssm.GetParameterInput, ...func(*ssm.Options)) (*ssm.GetParameterOutput, error)
	getParameters       func(context.Context, *ssm.GetParametersInput, ...func(*ssm.Options)) (*ssm.GetParametersOutput, error)
	getParametersByPath getParametersByPath
}

// getParametersByPath is GetParametersByPath as the SDK's paginator takes
// it.
type getParametersByPath func(context.Context, *ssm.GetParametersByPathInput, ...func(*ssm.Options)) (*ssm.GetParametersByPathOutput, error)

// GetParametersByPath calls f.
func (f getParametersByPath) GetParametersByPath(ctx context.Context, in *ssm.GetParametersByPathInput, optFns ...func(*ssm.Options)) (*ssm.GetParametersByPathOutput, error) {
	return f(ctx, in, optFns...)
}

// New returns a Provider that calls api, a stand-in for the client in
// tests. For an *ssm.Client use NewFromClient: passed here, the client is
// converted to an interface, and a Lambda function built without
// -tags lambda.norpc then links all of its methods.
func New(api API) *Provider {
	return &Provider{api: calls{api.GetParameter, api.GetParameters, api.GetParametersByPath}}
}

// NewFromClient returns a Provider that calls client.
func NewFromClient(client *ssm.Client) *Provider {
	return &Provider{api: calls{client.GetParameter, client.GetParameters, client.GetParametersByPath}}
}

// NewFromConfig returns a Provider with a Parameter Store client made from
// cfg and optFns. The client never logs request or response bodies, whatever
// cfg.ClientLogMode says: a response body holds the decrypted value.
func NewFromConfig(cfg aws.Config, optFns ...func(*ssm.Options)) *Provider {
	return NewFromClient(newClient(cfg, optFns...))
}

// newClient is the client NewFromConfig makes.
func newClient(cfg aws.Config, optFns ...func(*ssm.Options)) *ssm.Client {
	optFns = append(optFns, func(o *ssm.Options) {
		o.ClientLogMode &^= aws.LogRequestWithBody | aws.LogResponseWithBody
	})
	return ssm.NewFromConfig(cfg, optFns...)
}

// Fetch calls GetParameter for req.Name (a name or ARN) with decryption
// unless req.SkipDecryption, selecting version req.VersionID or label
// req.Stage, in req.Region when it is set.
func (p *Provider) Fetch(ctx context.Context, req providers.Request) (*providers.Result, error) {
	out, err := p.api.getParameter(ctx, &ssm.GetParameterInput{
		Name:           aws.String(selectorName(req)),
		WithDecryption: aws.Bool(!req.SkipDecryption),
	}, inRegion(req.Region))
	if err != nil {
		return nil, awserr.Classify(err)
	}
	if out.Parameter == nil {
		return nil, providers.Classify(providers.ErrUnavailable, errNoParameter)
	}
	return result(out.Parameter), nil
}

// result converts one parameter as the service returns it.
func result(p *ssmtypes.Parameter) *providers.Result {
	return &providers.Result{
		Value:   []byte(aws.ToString(p.Value)),
		Version: version(p),
		Created: aws.ToTime(p.LastModifiedDate),
	}
}

// version returns the parameter's version number, or for a Secrets Manager
// secret read through /aws/reference/secretsmanager/, the secret's version
// id. An answer without a version gives "": a change is then told by the
// value.
func version(p *ssmtypes.Parameter) string {
	if p.SourceResult != nil {
		return passthroughVersion(*p.SourceResult)
	}
	// Parameter versions count from 1; 0 is no version.
	if p.Version == 0 {
		return ""
	}
	return strconv.FormatInt(p.Version, 10)
}

// selectorName appends Parameter Store's :VERSION or :LABEL selector.
func selectorName(req providers.Request) string {
	switch {
	case req.VersionID != "":
		return req.Name + ":" + req.VersionID
	case req.Stage != "":
		return req.Name + ":" + req.Stage
	}
	return req.Name
}

var errNoParameter = errors.New("GetParameter returned no parameter")

func inRegion(region string) func(*ssm.Options) {
	return func(o *ssm.Options) {
		if region != "" {
			o.Region = region
		}
	}
}
