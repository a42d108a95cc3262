package sdkfake

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// SecretsManager stands in for the Secrets Manager client. The zero value
// answers every call with ErrUnexpectedCall; set the hooks of the methods a
// test expects before the first call.
type SecretsManager struct {
	// OnGetSecretValue answers GetSecretValue.
	OnGetSecretValue func(context.Context, *secretsmanager.GetSecretValueInput) (*secretsmanager.GetSecretValueOutput, error)
	// OnBatchGetSecretValue answers BatchGetSecretValue.
	OnBatchGetSecretValue func(context.Context, *secretsmanager.BatchGetSecretValueInput) (*secretsmanager.BatchGetSecretValueOutput, error)
	// OnDescribeSecret answers DescribeSecret.
	OnDescribeSecret func(context.Context, *secretsmanager.DescribeSecretInput) (*secretsmanager.DescribeSecretOutput, error)

	getSecretValue      record[*secretsmanager.GetSecretValueInput]
	batchGetSecretValue record[*secretsmanager.BatchGetSecretValueInput]
	describeSecret      record[*secretsmanager.DescribeSecretInput]
}

// GetSecretValue records in and answers with OnGetSecretValue.
func (f *SecretsManager) GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	return answer(ctx, &f.getSecretValue, "GetSecretValue", f.OnGetSecretValue, in, smRegion(optFns))
}

// BatchGetSecretValue records in and answers with OnBatchGetSecretValue.
func (f *SecretsManager) BatchGetSecretValue(ctx context.Context, in *secretsmanager.BatchGetSecretValueInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.BatchGetSecretValueOutput, error) {
	return answer(ctx, &f.batchGetSecretValue, "BatchGetSecretValue", f.OnBatchGetSecretValue, in, smRegion(optFns))
}

// DescribeSecret records in and answers with OnDescribeSecret.
func (f *SecretsManager) DescribeSecret(ctx context.Context, in *secretsmanager.DescribeSecretInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.DescribeSecretOutput, error) {
	return answer(ctx, &f.describeSecret, "DescribeSecret", f.OnDescribeSecret, in, smRegion(optFns))
}

// GetSecretValueCalls returns the GetSecretValue calls so far, in order.
func (f *SecretsManager) GetSecretValueCalls() []Call[*secretsmanager.GetSecretValueInput] {
	return f.getSecretValue.list()
}

// BatchGetSecretValueCalls returns the BatchGetSecretValue calls so far, in
// order.
func (f *SecretsManager) BatchGetSecretValueCalls() []Call[*secretsmanager.BatchGetSecretValueInput] {
	return f.batchGetSecretValue.list()
}

// DescribeSecretCalls returns the DescribeSecret calls so far, in order.
func (f *SecretsManager) DescribeSecretCalls() []Call[*secretsmanager.DescribeSecretInput] {
	return f.describeSecret.list()
}

func smRegion(optFns []func(*secretsmanager.Options)) string {
	var o secretsmanager.Options
	for _, fn := range optFns {
		fn(&o)
	}
	return o.Region
}
