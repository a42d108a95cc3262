package secrets

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/secretref/secretref/providers"
	smprovider "github.com/secretref/secretref/providers/secretsmanager"
	ssmprovider "github.com/secretref/secretref/providers/ssm"
)

// The AWS wiring of a Client: the built-in Secrets Manager and Parameter
// Store providers on the default AWS configuration, and the Lambda check.

// awsProviders returns the built-in "sm" and "ssm" providers that o does not
// replace, made from o.AWSConfig, or from the default AWS configuration
// loaded with ctx. A configuration with no region fails here, at once,
// rather than at every read.
func awsProviders(ctx context.Context, o *Options) (map[string]providers.Provider, string, error) {
	_, haveSM := o.Providers[SchemeSecretsManager]
	_, haveSSM := o.Providers[SchemeParameterStore]
	if haveSM && haveSSM {
		if o.AWSConfig != nil {
			return nil, o.AWSConfig.Region, nil
		}
		return nil, "", nil
	}
	cfg := o.AWSConfig
	if cfg == nil {
		loaded, err := config.LoadDefaultConfig(ctx)
		if err != nil {
			return nil, "", fmt.Errorf("secrets: %w: loading the AWS configuration: %w", ErrMisconfigured, err)
		}
		cfg = &loaded
	}
	if cfg.Region == "" {
		return nil, "", fmt.Errorf("secrets: %w: no AWS region: set AWS_REGION (Lambda and ECS set it for you), "+
			"a region in the shared config file's profile, or Options.AWSConfig", ErrMisconfigured)
	}
	out := map[string]providers.Provider{}
	if !haveSM {
		out[SchemeSecretsManager] = smprovider.NewFromConfig(*cfg)
	}
	if !haveSSM {
		out[SchemeParameterStore] = ssmprovider.NewFromConfig(*cfg)
	}
	return out, cfg.Region, nil
}

// adjustForLambda makes the default clock exact in AWS Lambda.
func (o *Options) adjustForLambda() {
	if o.ClockGranularity == 0 && inLambda() {
		o.ClockGranularity = Disabled
	}
}

// inLambda reports whether the process is an AWS Lambda function's: the
// Lambda service sets the runtime API's address in every function's
// environment. Lambda freezes a function between invocations.
func inLambda() bool { return os.Getenv("AWS_LAMBDA_RUNTIME_API") != "" }
