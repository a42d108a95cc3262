package ssm

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/aws/smithy-go"

	"github.com/secretref/secretref/internal/testing/sdkfake"
	"github.com/secretref/secretref/providers"
)

// batchService stands in for Parameter Store's GetParameter and
// GetParameters, answering each name with "v:" and the name, and enforces
// GetParameters' limit of 10 names a call, as AWS does (kumo does not). The
// names in missing are InvalidParameters.
func batchService(missing map[string]bool) *sdkfake.SSM {
	return &sdkfake.SSM{
		OnGetParameter: func(_ context.Context, in *ssm.GetParameterInput) (*ssm.GetParameterOutput, error) {
			n := aws.ToString(in.Name)
			return &ssm.GetParameterOutput{Parameter: &ssmtypes.Parameter{Name: aws.String(n), Value: aws.String("v:" + n), Version: 1}}, nil
		},
		OnGetParameters: func(_ context.Context, in *ssm.GetParametersInput) (*ssm.GetParametersOutput, error) {
			if len(in.Names) > MaxBatch {
				return nil, &smithy.GenericAPIError{Code: "ValidationException", Message: "1 validation error: names too long", Fault: smithy.FaultClient}
			}
			out := &ssm.GetParametersOutput{}
			for _, n := range in.Names {
				if missing[n] {
					out.InvalidParameters = append(out.InvalidParameters, n)
					continue
				}
				out.Parameters = append(out.Parameters, ssmtypes.Parameter{Name: aws.String(n), Value: aws.String("v:" + n), Version: 1})
			}
			return out, nil
		},
	}
}

// FetchBatch makes one GetParameters call, for at most 10 names of one
// region and decryption flag: the others it leaves to Fetch.
func TestFetchBatchMakesOneCall(t *testing.T) {
	svc := batchService(map[string]bool{"/p/7": true})
	var reqs []providers.Request
	for i := range 14 {
		reqs = append(reqs, providers.Request{Name: fmt.Sprintf("/p/%d", i)})
	}
	reqs[2].SkipDecryption = true
	reqs[3] = providers.Request{Name: "arn:aws:ssm:eu-west-1:123456789012:parameter/d", Region: "eu-west-1"}
	reqs[4].VersionID = "3"
	res := New(svc).FetchBatch(context.Background(), reqs)
	call := sdkfake.OnlyCall(t, svc.GetParametersCalls())
	if len(call.Input.Names) != MaxBatch || !aws.ToBool(call.Input.WithDecryption) || call.Region != "" {
		t.Errorf("GetParameters call %+v, want one of %d decrypted names in the client's region", call, MaxBatch)
	}
	if n := len(svc.GetParameterCalls()); n != 0 {
		t.Errorf("%d GetParameter calls, want none: they are the caller's", n)
	}
	for i, r := range res {
		switch {
		case i == 7:
			if !errors.Is(r.Err, providers.ErrNotFound) {
				t.Errorf("missing /p/7: %v, want ErrNotFound", r.Err)
			}
		case i == 2 || i == 3 || i > 11:
			if !errors.Is(r.Err, providers.ErrNotBatched) {
				t.Errorf("request %d (%+v): %v, want ErrNotBatched", i, reqs[i], r.Err)
			}
		case i == 4:
			if r.Err != nil || string(r.Result.Value) != "v:/p/4:3" {
				t.Errorf("a version selector was not sent as name:VERSION: %v", r.Err)
			}
		default:
			if r.Err != nil || string(r.Result.Value) != "v:"+reqs[i].Name {
				t.Errorf("request %d: %v", i, r.Err)
			}
		}
	}
}

// GetParameters takes one WithDecryption flag and one region per call:
// each is a batch group of its own.
func TestBatchGroupByDecryptionAndRegion(t *testing.T) {
	p := New(batchService(nil))
	groups := map[string]bool{}
	for _, req := range []providers.Request{{Name: "/a"}, {Name: "/b", SkipDecryption: true}, {Name: "/c", Region: "eu-west-1"}} {
		g, n := p.BatchGroup(req)
		if n != MaxBatch {
			t.Errorf("BatchGroup(%+v): size %d, want %d", req, n, MaxBatch)
		}
		groups[g] = true
	}
	if len(groups) != 3 {
		t.Errorf("%d groups for three requests that one call cannot serve together, want 3", len(groups))
	}
}

// pathService pages GetParametersByPath through pages, one a call, as
// Parameter Store may, an empty page included.
func pathService(pages ...[]string) *sdkfake.SSM {
	return &sdkfake.SSM{OnGetParametersByPath: func(_ context.Context, in *ssm.GetParametersByPathInput) (*ssm.GetParametersByPathOutput, error) {
		i := 0
		if in.NextToken != nil {
			if _, err := fmt.Sscan(*in.NextToken, &i); err != nil {
				return nil, err
			}
		}
		out := &ssm.GetParametersByPathOutput{}
		for _, n := range pages[i] {
			out.Parameters = append(out.Parameters, ssmtypes.Parameter{Name: aws.String(n), Value: aws.String("v"), Version: 2})
		}
		if i+1 < len(pages) {
			out.NextToken = aws.String(fmt.Sprint(i + 1))
		}
		return out, nil
	}}
}

func TestFetchPathFollowsEmptyPages(t *testing.T) {
	svc := pathService([]string{"/p/a", "/p/b"}, []string{}, []string{"/p/c"})
	got, err := New(svc).FetchPath(context.Background(), "/p", true, "")
	if err != nil {
		t.Fatal(err)
	}
	if calls := len(svc.GetParametersByPathCalls()); len(got) != 3 || calls != 3 {
		t.Fatalf("%d parameters in %d calls, want 3 in 3", len(got), calls)
	}
}

// A refused GetParameters (a policy that grants ssm:GetParameter only) is
// not called again: its batch, and every later one, is answered
// ErrNotBatched, and every request is a group of one from then on.
func TestRefusedGetParametersIsRemembered(t *testing.T) {
	svc := batchService(nil)
	svc.OnGetParameters = func(context.Context, *ssm.GetParametersInput) (*ssm.GetParametersOutput, error) {
		return nil, &smithy.GenericAPIError{Code: "AccessDeniedException", Message: "not authorized to perform ssm:GetParameters"}
	}
	p := New(svc)
	for round := range 2 {
		var reqs []providers.Request
		for i := range 5 {
			reqs = append(reqs, providers.Request{Name: fmt.Sprintf("/r%d/p/%d", round, i)})
		}
		for i, r := range p.FetchBatch(context.Background(), reqs) {
			if !errors.Is(r.Err, providers.ErrNotBatched) {
				t.Errorf("round %d, request %d: %v, want ErrNotBatched", round, i, r.Err)
			}
		}
	}
	if n := len(svc.GetParametersCalls()); n != 1 {
		t.Errorf("%d GetParameters calls for two batches, want 1", n)
	}
	if _, n := p.BatchGroup(providers.Request{Name: "/a"}); n != 1 {
		t.Errorf("after a refusal: size %d, want 1", n)
	}
}
