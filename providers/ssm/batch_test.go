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
// its limit of 10 names a call, as AWS does (kumo does not).
type batchService struct {
	API
	mu      sync.Mutex
	calls   []*ssm.GetParametersInput
	regions []string
	missing map[string]bool
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
	if len(svc.calls) != 3 {
		t.Fatalf("%d calls, want 3 (decrypted, not decrypted, eu-west-1)", len(svc.calls))
	}
	for _, in := range svc.calls {
		for _, n := range in.Names {
			if (n == "/b") == aws.ToBool(in.WithDecryption) {
				t.Errorf("%s sent with WithDecryption=%v", n, aws.ToBool(in.WithDecryption))
			}
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
