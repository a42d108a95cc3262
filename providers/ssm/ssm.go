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

// API is the part of the Parameter Store client a Provider calls; tests
// substitute their own.
type API interface {
	GetParameter(ctx context.Context, in *ssm.GetParameterInput, optFns ...func(*ssm.Options)) (*ssm.GetParameterOutput, error)
	GetParameters(ctx context.Context, in *ssm.GetParametersInput, optFns ...func(*ssm.Options)) (*ssm.GetParametersOutput, error)
	GetParametersByPath(ctx context.Context, in *ssm.GetParametersByPathInput, optFns ...func(*ssm.Options)) (*ssm.GetParametersByPathOutput, error)
}

var _ API = (*ssm.Client)(nil)

// Provider reads Parameter Store parameters. It is safe for concurrent use.
type Provider struct {
	api API
	// batchRefused is set once GetParameters was refused (a policy that
	// grants only ssm:GetParameter, or none on one of the names): batches
	// then use GetParameter for the Provider's life.
	batchRefused atomic.Bool
}

var (
	_ providers.BatchFetcher = (*Provider)(nil)
	_ providers.PathFetcher  = (*Provider)(nil)
)

// New returns a Provider that calls api.
func New(api API) *Provider {
	return &Provider{api: api}
}

// NewFromConfig returns a Provider with a Parameter Store client made from
// cfg and optFns. The client never logs request or response bodies, whatever
// cfg.ClientLogMode says: a response body holds the decrypted value.
func NewFromConfig(cfg aws.Config, optFns ...func(*ssm.Options)) *Provider {
	optFns = append(optFns, func(o *ssm.Options) {
		o.ClientLogMode &^= aws.LogRequestWithBody | aws.LogResponseWithBody
	})
	return New(ssm.NewFromConfig(cfg, optFns...))
}

// Fetch calls GetParameter for req.Name (a name or ARN) with decryption
// unless req.SkipDecryption, selecting version req.VersionID or label
// req.Stage, in req.Region when it is set.
func (p *Provider) Fetch(ctx context.Context, req providers.Request) (*providers.Result, error) {
	out, err := p.api.GetParameter(ctx, &ssm.GetParameterInput{
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
