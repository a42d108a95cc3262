package ssm

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/aws/smithy-go"

	"github.com/secretref/secretref/providers"
)

// batchService stands in for Parameter Store's GetParameters and enforces
// its limit of 10 names a call, as AWS does (kumo does not). It records
// GetParameter calls too.
type batchService struct {
	API
	mu      sync.Mutex
	calls   []*ssm.GetParametersInput
	regions []string
	singles []*ssm.GetParameterInput
	missing map[string]bool
}

func (s *batchService) GetParameter(_ context.Context, in *ssm.GetParameterInput, _ ...func(*ssm.Options)) (*ssm.GetParameterOutput, error) {
	s.mu.Lock()
	s.singles = append(s.singles, in)
	s.mu.Unlock()
	n := aws.ToString(in.Name)
	return &ssm.GetParameterOutput{Parameter: &ssmtypes.Parameter{Name: aws.String(n), Value: aws.String("v:" + n), Version: 1}}, nil
}

func (s *batchService) GetParameters(_ context.Context, in *ssm.GetParametersInput, optFns ...func(*ssm.Options)) (*ssm.GetParametersOutput, error) {
	var o ssm.Options
	for _, fn := range optFns {
		fn(&o)
	}
	s.mu.Lock()
	s.calls = append(s.calls, in)
	s.regions = append(s.regions, o.Region)
	s.mu.Unlock()
	if len(in.Names) > MaxBatch {
		return nil, &smithy.GenericAPIError{Code: "ValidationException", Message: "1 validation error: names too long", Fault: smithy.FaultClient}
	}
	out := &ssm.GetParametersOutput{}
	for _, n := range in.Names {
		if s.missing[n] {
			out.InvalidParameters = append(out.InvalidParameters, n)
			continue
		}
		out.Parameters = append(out.Parameters, ssmtypes.Parameter{Name: aws.String(n), Value: aws.String("v:" + n), Version: 1})
	}
	return out, nil
}

func TestFetchBatchChunksByTen(t *testing.T) {
	svc := &batchService{missing: map[string]bool{"/p/7": true}}
	var reqs []providers.Request
	for i := range 25 {
		reqs = append(reqs, providers.Request{Name: fmt.Sprintf("/p/%d", i)})
	}
	res := New(svc).FetchBatch(context.Background(), reqs)
	if len(svc.calls) != 3 {
		t.Fatalf("%d GetParameters calls for 25 names, want 3", len(svc.calls))
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
	svc := &batchService{}
	reqs := []providers.Request{
		{Name: "/a"}, {Name: "/b", SkipDecryption: true}, {Name: "/c"},
		{Name: "arn:aws:ssm:eu-west-1:123456789012:parameter/d", Region: "eu-west-1"},
		{Name: "/e", VersionID: "3"},
	}
	res := New(svc).FetchBatch(context.Background(), reqs)
	// Three groups: decrypted in the default region (three names, one
	// GetParameters call); not decrypted, and eu-west-1 (one name each, so
	// one GetParameter call each).
	if len(svc.calls) != 1 || len(svc.calls[0].Names) != 3 || !aws.ToBool(svc.calls[0].WithDecryption) {
		t.Fatalf("GetParameters calls %v, want one with the three decrypted names", svc.calls)
	}
	if len(svc.singles) != 2 {
		t.Fatalf("%d GetParameter calls, want 2 (not decrypted, eu-west-1)", len(svc.singles))
	}
	for _, in := range svc.singles {
		if (aws.ToString(in.Name) == "/b") == aws.ToBool(in.WithDecryption) {
			t.Errorf("%s sent with WithDecryption=%v", aws.ToString(in.Name), aws.ToBool(in.WithDecryption))
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
	svc := &batchService{}
	res := New(svc).FetchBatch(context.Background(), []providers.Request{{Name: "/only"}})
	if len(svc.calls) != 0 || len(svc.singles) != 1 {
		t.Fatalf("%d GetParameters and %d GetParameter calls, want 0 and 1", len(svc.calls), len(svc.singles))
	}
	if r := res[0]; r.Err != nil || string(r.Result.Value) != "v:/only" {
		t.Fatalf("result %+v, error %v", r.Result, r.Err)
	}
}

// pathService pages GetParametersByPath two parameters at a time, with an
// empty page in between, as Parameter Store may.
type pathService struct {
	API
	pages [][]string
	calls int
}

func (s *pathService) GetParametersByPath(_ context.Context, in *ssm.GetParametersByPathInput, _ ...func(*ssm.Options)) (*ssm.GetParametersByPathOutput, error) {
	s.calls++
	i := 0
	if in.NextToken != nil {
		fmt.Sscan(*in.NextToken, &i)
	}
	out := &ssm.GetParametersByPathOutput{}
	for _, n := range s.pages[i] {
		out.Parameters = append(out.Parameters, ssmtypes.Parameter{Name: aws.String(n), Value: aws.String("v"), Version: 2})
	}
	if i+1 < len(s.pages) {
		out.NextToken = aws.String(fmt.Sprint(i + 1))
	}
	return out, nil
}

func TestFetchPathFollowsEmptyPages(t *testing.T) {
	svc := &pathService{pages: [][]string{{"/p/a", "/p/b"}, {}, {"/p/c"}}}
	got, err := New(svc).FetchPath(context.Background(), "/p", true, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || svc.calls != 3 {
		t.Fatalf("%d parameters in %d calls, want 3 in 3", len(got), svc.calls)
	}
}
