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

func TestFetchBatchChunksByTen(t *testing.T) {
	svc := batchService(map[string]bool{"/p/7": true})
	var reqs []providers.Request
	for i := range 25 {
		reqs = append(reqs, providers.Request{Name: fmt.Sprintf("/p/%d", i)})
	}
	res := New(svc).FetchBatch(context.Background(), reqs)
	if n := len(svc.GetParametersCalls()); n != 3 {
		t.Fatalf("%d GetParameters calls for 25 names, want 3", n)
	}
	for i, r := range res {
		if i == 7 {
			if !errors.Is(r.Err, providers.ErrNotFound) {
				t.Errorf("missing /p/7: %v, want ErrNotFound", r.Err)
			}
			continue
		}
		if r.Err != nil || string(r.Result.Value) != "v:"+reqs[i].Name {
			t.Errorf("request %d: %v", i, r.Err)
		}
	}
}

// GetParameters takes one WithDecryption flag and one region per call.
func TestFetchBatchGroupsByDecryptionAndRegion(t *testing.T) {
	svc := batchService(nil)
	reqs := []providers.Request{
		{Name: "/a"}, {Name: "/b", SkipDecryption: true}, {Name: "/c"},
		{Name: "arn:aws:ssm:eu-west-1:123456789012:parameter/d", Region: "eu-west-1"},
		{Name: "/e", VersionID: "3"},
	}
	res := New(svc).FetchBatch(context.Background(), reqs)
	// Three groups: decrypted in the default region (three names, one
	// GetParameters call); not decrypted, and eu-west-1 (one name each, so
	// one GetParameter call each).
	if batch := sdkfake.OnlyCall(t, svc.GetParametersCalls()); len(batch.Input.Names) != 3 || !aws.ToBool(batch.Input.WithDecryption) || batch.Region != "" {
		t.Fatalf("GetParameters call %+v, want one with the three decrypted names in the client's region", batch)
	}
	singles := svc.GetParameterCalls()
	if len(singles) != 2 {
		t.Fatalf("%d GetParameter calls, want 2 (not decrypted, eu-west-1)", len(singles))
	}
	for _, single := range singles {
		name := aws.ToString(single.Input.Name)
		if (name == "/b") == aws.ToBool(single.Input.WithDecryption) {
			t.Errorf("%s sent with WithDecryption=%v", name, aws.ToBool(single.Input.WithDecryption))
		}
		wantRegion := "" // the client's own
		if name == "arn:aws:ssm:eu-west-1:123456789012:parameter/d" {
			wantRegion = "eu-west-1"
		}
		if single.Region != wantRegion {
			t.Errorf("%s sent to region %q, want %q", name, single.Region, wantRegion)
		}
	}
	for i, r := range res {
		if r.Err != nil {
			t.Errorf("request %d (%s): %v", i, reqs[i].Name, r.Err)
		}
	}
	if got := res[4].Result; got == nil || string(got.Value) != "v:/e:3" {
		t.Errorf("a version selector was not sent as name:VERSION")
	}
}

// A group of one name is a GetParameter call, which a role granted only
// ssm:GetParameter may make.
func TestFetchBatchOfOneUsesGetParameter(t *testing.T) {
	svc := batchService(nil)
	res := New(svc).FetchBatch(context.Background(), []providers.Request{{Name: "/only"}})
	if batches, singles := len(svc.GetParametersCalls()), len(svc.GetParameterCalls()); batches != 0 || singles != 1 {
		t.Fatalf("%d GetParameters and %d GetParameter calls, want 0 and 1", batches, singles)
	}
	if r := res[0]; r.Err != nil || string(r.Result.Value) != "v:/only" {
		t.Fatalf("result %+v, error %v", r.Result, r.Err)
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
// not called again: its batch, and every later one, is served by
// GetParameter calls, each answering for its own parameter.
func TestRefusedGetParametersFallsBackAndIsRemembered(t *testing.T) {
	svc := batchService(nil)
	svc.OnGetParameters = func(context.Context, *ssm.GetParametersInput) (*ssm.GetParametersOutput, error) {
		return nil, &smithy.GenericAPIError{Code: "AccessDeniedException", Message: "not authorized to perform ssm:GetParameters"}
	}
	p := New(svc)
	for round := range 2 {
		var reqs []providers.Request
		for i := range 15 {
			reqs = append(reqs, providers.Request{Name: fmt.Sprintf("/r%d/p/%d", round, i)})
		}
		for i, r := range p.FetchBatch(context.Background(), reqs) {
			if r.Err != nil || string(r.Result.Value) != "v:"+reqs[i].Name {
				t.Errorf("round %d, request %d: %v", round, i, r.Err)
			}
		}
	}
	if n, m := len(svc.GetParametersCalls()), len(svc.GetParameterCalls()); n != 1 || m != 30 {
		t.Errorf("%d GetParameters and %d GetParameter calls for two batches of 15, want 1 and 30", n, m)
	}
}
