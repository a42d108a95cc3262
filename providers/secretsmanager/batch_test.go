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

// FetchBatch makes one BatchGetSecretValue call, for at most 20 ids of one
// region: what it cannot serve that way it leaves to Fetch.
func TestFetchBatchMakesOneCall(t *testing.T) {
	svc := batchService(map[string]bool{"app/s05": true}, nil)
	reqs := names(25)
	reqs[10].Name = arnPrefix + "app/s10"                               // a partial ARN
	reqs[11].Name = arnPrefix + "app/s11-AbCdEf"                        // a full ARN
	reqs[12] = providers.Request{Name: "app/s12", Stage: "AWSPREVIOUS"} // needs GetSecretValue
	reqs[13].Region = "eu-west-1"                                       // another region's call
	res := New(svc).FetchBatch(context.Background(), reqs)
	call := sdkfake.OnlyCall(t, svc.BatchGetSecretValueCalls())
	if n := len(call.Input.SecretIdList); n != MaxBatch {
		t.Errorf("BatchGetSecretValue of %d ids, want %d", n, MaxBatch)
	}
	if n := len(svc.GetSecretValueCalls()); n != 0 {
		t.Errorf("%d GetSecretValue calls, want none: they are the caller's", n)
	}
	for i, r := range res {
		switch {
		case i == 5:
			if !errors.Is(r.Err, providers.ErrNotFound) {
				t.Errorf("missing secret: %v, want ErrNotFound", r.Err)
			}
		case i == 12 || i == 13 || i > 21:
			if !errors.Is(r.Err, providers.ErrNotBatched) {
				t.Errorf("request %d (%+v): %v, want ErrNotBatched", i, reqs[i], r.Err)
			}
		default:
			want := fmt.Sprintf("v:app/s%02d", i)
			if r.Err != nil || string(r.Result.Value) != want {
				t.Errorf("request %d (%s): %v", i, reqs[i].Name, r.Err)
			}
		}
	}
}

// A request BatchGetSecretValue cannot select is a group of one, and so is
// every request once the call was refused.
func TestBatchGroup(t *testing.T) {
	svc := batchService(nil, &smithy.GenericAPIError{Code: "AccessDeniedException", Message: "not authorized to perform secretsmanager:BatchGetSecretValue"})
	p := New(svc)
	for _, tc := range []struct {
		req  providers.Request
		want int
	}{
		{providers.Request{Name: "a"}, MaxBatch},
		{providers.Request{Name: "a", Region: "eu-west-1"}, MaxBatch},
		{providers.Request{Name: "a", Stage: "AWSPENDING"}, 1},
		{providers.Request{Name: "a", VersionID: "v1"}, 1},
	} {
		if _, n := p.BatchGroup(tc.req); n != tc.want {
			t.Errorf("BatchGroup(%+v): size %d, want %d", tc.req, n, tc.want)
		}
	}
	if g1, _ := p.BatchGroup(providers.Request{Name: "a"}); g1 == "eu-west-1" {
		t.Error("the default region's group is eu-west-1's")
	}
	p.FetchBatch(context.Background(), names(3))
	if _, n := p.BatchGroup(providers.Request{Name: "a"}); n != 1 {
		t.Errorf("after a refusal: size %d, want 1", n)
	}
}

// A refused BatchGetSecretValue is called once in the Provider's life: its
// requests, and every batch's after it, are answered ErrNotBatched.
func TestFetchBatchRefusedIsRemembered(t *testing.T) {
	svc := batchService(nil, &smithy.GenericAPIError{Code: "AccessDeniedException", Message: "not authorized to perform secretsmanager:BatchGetSecretValue"})
	p := New(svc)
	for round := range 2 {
		for i, r := range p.FetchBatch(context.Background(), names(10)) {
			if !errors.Is(r.Err, providers.ErrNotBatched) {
				t.Fatalf("round %d, request %d: %v, want ErrNotBatched", round, i, r.Err)
			}
		}
	}
	if n := len(svc.BatchGetSecretValueCalls()); n != 1 {
		t.Errorf("%d BatchGetSecretValue calls, want 1: the refusal is remembered", n)
	}
	if n := len(svc.GetSecretValueCalls()); n != 0 {
		t.Errorf("%d GetSecretValue calls, want none", n)
	}
}

// kumo does not implement BatchGetSecretValue: the provider must notice,
// remember it, and leave the requests to Fetch.
func TestFetchBatchRefusedByKumo(t *testing.T) {
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
	p := NewFromConfig(srv.Config(t))
	for i, r := range p.FetchBatch(context.Background(), reqs) {
		if !errors.Is(r.Err, providers.ErrNotBatched) {
			t.Errorf("request %d: %v, want ErrNotBatched", i, r.Err)
		}
	}
	if !p.batchRefused.Load() {
		t.Error("the refusal was not remembered")
	}
	if res, err := p.Fetch(context.Background(), reqs[0]); err != nil || string(res.Value) != "value" {
		t.Errorf("Fetch after the refusal: %v", err)
	}
}
