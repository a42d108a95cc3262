package secretsmanager

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/secretref/secretref/providers"
	"github.com/secretref/secretref/providers/internal/awserr"
)

var _ providers.RotationScheduler = (*Provider)(nil)

// NextRotation calls DescribeSecret (IAM: secretsmanager:DescribeSecret)
// and returns the secret's NextRotationDate when rotation is enabled.
func (p *Provider) NextRotation(ctx context.Context, req providers.Request) (next time.Time, ok bool, err error) {
	out, err := p.api.describeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(req.Name)}, inRegion(req.Region))
	if err != nil {
		return time.Time{}, false, awserr.Classify(err)
	}
	if !aws.ToBool(out.RotationEnabled) || out.NextRotationDate == nil {
		return time.Time{}, false, nil
	}
	return *out.NextRotationDate, true, nil
}
