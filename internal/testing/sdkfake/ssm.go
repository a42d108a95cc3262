package sdkfake

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/ssm"
)

// SSM stands in for the Parameter Store client. The zero value answers
// every call with ErrUnexpectedCall; set the hooks of the methods a test
// expects before the first call.
type SSM struct {
	// OnGetParameter answers GetParameter.
	OnGetParameter func(context.Context, *ssm.GetParameterInput) (*ssm.GetParameterOutput, error)
	// OnGetParameters answers GetParameters.
	OnGetParameters func(context.Context, *ssm.GetParametersInput) (*ssm.GetParametersOutput, error)
	// OnGetParametersByPath answers GetParametersByPath.
	OnGetParametersByPath func(context.Context, *ssm.GetParametersByPathInput) (*ssm.GetParametersByPathOutput, error)

	getParameter        record[*ssm.GetParameterInput]
	getParameters       record[*ssm.GetParametersInput]
	getParametersByPath record[*ssm.GetParametersByPathInput]
}

// GetParameter records in and answers with OnGetParameter.
func (f *SSM) GetParameter(ctx context.Context, in *ssm.GetParameterInput, optFns ...func(*ssm.Options)) (*ssm.GetParameterOutput, error) {
	return answer(ctx, &f.getParameter, "GetParameter", f.OnGetParameter, in, ssmRegion(optFns))
}

// GetParameters records in and answers with OnGetParameters.
func (f *SSM) GetParameters(ctx context.Context, in *ssm.GetParametersInput, optFns ...func(*ssm.Options)) (*ssm.GetParametersOutput, error) {
	return answer(ctx, &f.getParameters, "GetParameters", f.OnGetParameters, in, ssmRegion(optFns))
}

// GetParametersByPath records in and answers with OnGetParametersByPath.
func (f *SSM) GetParametersByPath(ctx context.Context, in *ssm.GetParametersByPathInput, optFns ...func(*ssm.Options)) (*ssm.GetParametersByPathOutput, error) {
	return answer(ctx, &f.getParametersByPath, "GetParametersByPath", f.OnGetParametersByPath, in, ssmRegion(optFns))
}

// GetParameterCalls returns the GetParameter calls so far, in order.
func (f *SSM) GetParameterCalls() []Call[*ssm.GetParameterInput] {
	return f.getParameter.list()
}

// GetParametersCalls returns the GetParameters calls so far, in order.
func (f *SSM) GetParametersCalls() []Call[*ssm.GetParametersInput] {
	return f.getParameters.list()
}

// GetParametersByPathCalls returns the GetParametersByPath calls so far, in
// order.
func (f *SSM) GetParametersByPathCalls() []Call[*ssm.GetParametersByPathInput] {
	return f.getParametersByPath.list()
}

func ssmRegion(optFns []func(*ssm.Options)) string {
	var o ssm.Options
	for _, fn := range optFns {
		fn(&o)
	}
	return o.Region
}
