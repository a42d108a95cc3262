package bench

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/aws/smithy-go"

	smprovider "github.com/secretref/secretref/providers/secretsmanager"
	ssmprovider "github.com/secretref/secretref/providers/ssm"
)

// fleetBackend stands in for Parameter Store and Secrets Manager of one
// account and region, shared by a simulated fleet: it counts the requests
// of each simulated second and, with a quota, throttles those above it as
// the services do (a ThrottlingException).
type fleetBackend struct {
	quota int // requests a second; 0: no limit

	mu        sync.Mutex
	second    int            // the simulated second requests are counted in
	requests  []int          // by second
	throttled []int          // by second
	byOp      map[string]int // every request, by operation
}

var (
	_ ssmprovider.API = (*fleetBackend)(nil)
	_ smprovider.API  = (*fleetBackend)(nil)
)

func newFleetBackend(seconds, quota int) *fleetBackend {
	return &fleetBackend{quota: quota, requests: make([]int, seconds), throttled: make([]int, seconds), byOp: map[string]int{}}
}

func (b *fleetBackend) setSecond(s int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.second = s
}

// request counts one request of op and says whether it is throttled.
func (b *fleetBackend) request(op string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.byOp[op]++
	if b.quota > 0 && b.requests[b.second] >= b.quota {
		b.throttled[b.second]++
		return &smithy.GenericAPIError{Code: "ThrottlingException", Message: "Rate exceeded"}
	}
	b.requests[b.second]++
	return nil
}

func fleetValue(name string) *string { return aws.String("value-of-" + name) }

func (b *fleetBackend) GetParameter(_ context.Context, in *ssm.GetParameterInput, _ ...func(*ssm.Options)) (*ssm.GetParameterOutput, error) {
	if err := b.request("GetParameter"); err != nil {
		return nil, err
	}
	name := aws.ToString(in.Name)
	return &ssm.GetParameterOutput{Parameter: &ssmtypes.Parameter{Name: in.Name, Value: fleetValue(name), Version: 1}}, nil
}

func (b *fleetBackend) GetParameters(_ context.Context, in *ssm.GetParametersInput, _ ...func(*ssm.Options)) (*ssm.GetParametersOutput, error) {
	if err := b.request("GetParameters"); err != nil {
		return nil, err
	}
	out := &ssm.GetParametersOutput{}
	for _, name := range in.Names {
		out.Parameters = append(out.Parameters, ssmtypes.Parameter{Name: aws.String(name), Value: fleetValue(name), Version: 1})
	}
	return out, nil
}

func (b *fleetBackend) GetParametersByPath(context.Context, *ssm.GetParametersByPathInput, ...func(*ssm.Options)) (*ssm.GetParametersByPathOutput, error) {
	return nil, fmt.Errorf("the fleet reads no paths")
}

func (b *fleetBackend) GetSecretValue(_ context.Context, in *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	if err := b.request("GetSecretValue"); err != nil {
		return nil, err
	}
	id := aws.ToString(in.SecretId)
	return &secretsmanager.GetSecretValueOutput{Name: in.SecretId, SecretString: fleetValue(id), VersionId: aws.String("v1")}, nil
}

func (b *fleetBackend) BatchGetSecretValue(_ context.Context, in *secretsmanager.BatchGetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.BatchGetSecretValueOutput, error) {
	if err := b.request("BatchGetSecretValue"); err != nil {
		return nil, err
	}
	out := &secretsmanager.BatchGetSecretValueOutput{}
	for _, id := range in.SecretIdList {
		out.SecretValues = append(out.SecretValues, smtypes.SecretValueEntry{
			Name: aws.String(id), ARN: aws.String("arn:aws:secretsmanager:us-east-1:123456789012:secret:" + id + "-AbCdEf"),
			SecretString: fleetValue(id), VersionId: aws.String("v1"),
		})
	}
	return out, nil
}

func (b *fleetBackend) DescribeSecret(_ context.Context, in *secretsmanager.DescribeSecretInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.DescribeSecretOutput, error) {
	if err := b.request("DescribeSecret"); err != nil {
		return nil, err
	}
	return &secretsmanager.DescribeSecretOutput{Name: in.SecretId, RotationEnabled: aws.Bool(false)}, nil
}

// fleetStats is what one simulated run sent, after its first second.
type fleetStats struct {
	first       int     // requests in the first second, when every instance loads everything
	peak        int     // the busiest second after the first
	mean        float64 // requests a second after the first
	overQuota   int     // seconds after the first over quota
	throttled   int     // throttled requests after settle
	afterSettle int     // requests after settle
	settle      int     // the second from which no more than 1% of requests are throttled
}

func (b *fleetBackend) stats(quota, settleAfter int) fleetStats {
	b.mu.Lock()
	defer b.mu.Unlock()
	r := fleetStats{first: b.requests[0] + b.throttled[0], settle: -1}
	sum := 0
	for s := 1; s < len(b.requests); s++ {
		n := b.requests[s] + b.throttled[s]
		sum += n
		r.peak = max(r.peak, n)
		if n > quota {
			r.overQuota++
		}
		if s >= settleAfter {
			r.throttled += b.throttled[s]
			r.afterSettle += n
		}
	}
	r.mean = float64(sum) / float64(len(b.requests)-1)
	// The settle time: the first second after which throttled requests
	// stay under 1% of the requests.
	tail, tailThrottled := 0, 0
	r.settle = len(b.requests)
	for s := len(b.requests) - 1; s >= 1; s-- {
		tail += b.requests[s] + b.throttled[s]
		tailThrottled += b.throttled[s]
		if tailThrottled*100 > tail {
			break
		}
		r.settle = s
	}
	return r
}

func (b *fleetBackend) operations() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var parts []string
	for _, op := range []string{"GetParameter", "GetParameters", "GetSecretValue", "BatchGetSecretValue", "DescribeSecret"} {
		if n := b.byOp[op]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", op, n))
		}
	}
	return strings.Join(parts, ", ")
}
