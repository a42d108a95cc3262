package secretsmanager

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/smithy-go"

	"github.com/secretref/secretref/internal/testing/kumotest"
	"github.com/secretref/secretref/internal/testing/sdkfake"
	"github.com/secretref/secretref/providers"
)

const arnPrefix = "arn:aws:secretsmanager:us-east-1:123456789012:secret:"

// batchService stands in for Secrets Manager: kumo has no
// BatchGetSecretValue. It enforces the 20-id limit as AWS does, reports the
// ids of missing in Errors, and answers every other id with "v:" and its
// name. With refuseBy set, it fails every BatchGetSecretValue call with it.
func batchService(missing map[string]bool, refuseBy error) *sdkfake.SecretsManager {
	return &sdkfake.SecretsManager{
		OnBatchGetSecretValue: func(_ context.Context, in *secretsmanager.BatchGetSecretValueInput) (*secretsmanager.BatchGetSecretValueOutput, error) {
			if refuseBy != nil {
				return nil, refuseBy
			}
			if len(in.SecretIdList) > MaxBatch {
				return nil, &smithy.GenericAPIError{Code: "InvalidParameterException", Message: "too many ids", Fault: smithy.FaultClient}
			}
			out := &secretsmanager.BatchGetSecretValueOutput{}
			for _, id := range in.SecretIdList {
				name := strings.TrimSuffix(strings.TrimPrefix(id, arnPrefix), "-AbCdEf")
				if missing[name] {
					out.Errors = append(out.Errors, types.APIErrorType{SecretId: aws.String(id), ErrorCode: aws.String("ResourceNotFoundException"), Message: aws.String("not found")})
					continue
				}
				out.SecretValues = append(out.SecretValues, types.SecretValueEntry{
					Name: aws.String(name), ARN: aws.String(arnPrefix + name + "-AbCdEf"),
					SecretString: aws.String("v:" + name), VersionId: aws.String("ver"),
				})
			}
			return out, nil
		},
		OnGetSecretValue: func(_ context.Context, in *secretsmanager.GetSecretValueInput) (*secretsmanager.GetSecretValueOutput, error) {
			name := strings.TrimPrefix(aws.ToString(in.SecretId), arnPrefix)
			return &secretsmanager.GetSecretValueOutput{SecretString: aws.String("v:" + name), VersionId: aws.String("ver")}, nil
		},
	}
}

func names(n int) []providers.Request {
	reqs := make([]providers.Request, n)
	for i := range reqs {
		reqs[i] = providers.Request{Name: fmt.Sprintf("app/s%02d", i)}
	}
	return reqs
}

func TestFetchBatchChunksByTwenty(t *testing.T) {
	svc := batchService(map[string]bool{"app/s05": true}, nil)
	reqs := names(45)
	reqs[10].Name = arnPrefix + "app/s10"                               // a partial ARN
	reqs[11].Name = arnPrefix + "app/s11-AbCdEf"                        // a full ARN
	reqs[12] = providers.Request{Name: "app/s12", Stage: "AWSPREVIOUS"} // needs GetSecretValue
	res := New(svc).FetchBatch(context.Background(), reqs)
	if n := len(svc.BatchGetSecretValueCalls()); n != 3 {
		t.Fatalf("%d BatchGetSecretValue calls for 44 ids, want 3", n)
	}
	if single := sdkfake.OnlyCall(t, svc.GetSecretValueCalls()); aws.ToString(single.Input.SecretId) != "app/s12" {
		t.Fatalf("GetSecretValue call for %q, want one for the staged request", aws.ToString(single.Input.SecretId))
	}
	for i, r := range res {
		if i == 5 {
			if !errors.Is(r.Err, providers.ErrNotFound) {
				t.Errorf("missing secret: %v, want ErrNotFound", r.Err)
			}
			continue
		}
		want := fmt.Sprintf("v:app/s%02d", i)
		if r.Err != nil || string(r.Result.Value) != want {
			t.Errorf("request %d (%s): %v", i, reqs[i].Name, r.Err)
		}
	}
}

// A batch of one id is a GetSecretValue call: a role granted only
// secretsmanager:GetSecretValue prefetches one secret without a refusal.
func TestFetchBatchOfOneUsesGetSecretValue(t *testing.T) {
	svc := batchService(nil, nil)
	res := New(svc).FetchBatch(context.Background(), names(1))
	if batches, singles := len(svc.BatchGetSecretValueCalls()), len(svc.GetSecretValueCalls()); batches != 0 || singles != 1 {
		t.Fatalf("%d BatchGetSecretValue and %d GetSecretValue calls, want 0 and 1", batches, singles)
	}
	if r := res[0]; r.Err != nil || string(r.Result.Value) != "v:app/s00" {
		t.Fatalf("result %+v, error %v", r.Result, r.Err)
	}
}

func TestFetchBatchFallsBackWhenRefused(t *testing.T) {
	svc := batchService(nil, &smithy.GenericAPIError{Code: "AccessDeniedException", Message: "not authorized to perform secretsmanager:BatchGetSecretValue"})
	p := New(svc)
	for round := range 2 {
		res := p.FetchBatch(context.Background(), names(10))
		for i, r := range res {
			if r.Err != nil {
				t.Fatalf("round %d, request %d: %v", round, i, r.Err)
			}
		}
	}
	if n := len(svc.BatchGetSecretValueCalls()); n != 1 {
		t.Errorf("%d BatchGetSecretValue calls, want 1: the refusal is remembered", n)
	}
	if n := len(svc.GetSecretValueCalls()); n != 20 {
		t.Errorf("%d GetSecretValue calls, want 20", n)
	}
}

// kumo does not implement BatchGetSecretValue: the provider must notice and
// use GetSecretValue against the real endpoint.
func TestFetchBatchFallsBackAgainstKumo(t *testing.T) {
	srv := kumotest.Start(t)
	sm := srv.SecretsManager(t)
	var reqs []providers.Request
	for i := range 3 {
		name := fmt.Sprintf("batch/%d", i)
		if _, err := sm.CreateSecret(context.Background(), &secretsmanager.CreateSecretInput{Name: &name, SecretString: aws.String("value")}); err != nil {
			t.Fatal(err)
		}
		reqs = append(reqs, providers.Request{Name: name})
	}
	reqs = append(reqs, providers.Request{Name: "batch/missing"})
	p := NewFromConfig(srv.Config(t))
	res := p.FetchBatch(context.Background(), reqs)
	for i, r := range res[:3] {
		if r.Err != nil || string(r.Result.Value) != "value" {
			t.Errorf("request %d: %v", i, r.Err)
		}
	}
	if !errors.Is(res[3].Err, providers.ErrNotFound) {
		t.Errorf("missing secret: %v, want ErrNotFound", res[3].Err)
	}
	if !p.batchRefused.Load() {
		t.Error("the refusal was not remembered")
	}
}
