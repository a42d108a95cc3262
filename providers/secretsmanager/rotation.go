package secretsmanager

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/secretref/secretref/providers"
	"github.com/secretref/secretref/providers/internal/awserr"
)

var _ providers.Describer = (*Provider)(nil)

// Describe calls DescribeSecret (IAM: secretsmanager:DescribeSecret) and
// returns the secret's NextRotationDate when rotation is enabled, and the
// regions of its ReplicationStatus.
func (p *Provider) Describe(ctx context.Context, req providers.Request) (providers.Description, error) {
	out, err := p.api.describeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(req.Name)}, inRegion(req.Region))
	if err != nil {
		return providers.Description{}, awserr.Classify(err)
	}
	var d providers.Description
	if aws.ToBool(out.RotationEnabled) && out.NextRotationDate != nil {
		d.NextRotation = *out.NextRotationDate
	}
	for _, r := range out.ReplicationStatus {
		// A replica whose replication failed still holds a version; the
		// Client never lets an older one replace a newer.
		if region := aws.ToString(r.Region); region != "" {
			d.Replicas = append(d.Replicas, region)
		}
	}
	return d, nil
}
