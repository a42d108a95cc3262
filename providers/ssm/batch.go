package ssm

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/secretref/secretref/providers"
	"github.com/secretref/secretref/providers/internal/awserr"
	"github.com/secretref/secretref/providers/internal/fanout"
)

// MaxBatch is the most names one GetParameters call takes.
const MaxBatch = 10

// BatchGroup puts requests of one region and decryption flag in one group
// of MaxBatch: one GetParameters call serves them.
func (p *Provider) BatchGroup(req providers.Request) (group string, max int) {
	if req.SkipDecryption {
		return req.Region + "?decrypt=false", MaxBatch
	}
	return req.Region, MaxBatch
}

// batchKey groups requests that one GetParameters call can serve: it takes
// one region and one WithDecryption flag.
type batchKey struct {
	region  string
	decrypt bool
}

// FetchBatch fetches reqs with GetParameters, at most MaxBatch names per
// call, one group of calls per region and decryption flag, the calls
// running concurrently. A name the service reports in InvalidParameters is
// ErrNotFound. A call that would carry one name is a GetParameter call
// instead, so that a role granted only ssm:GetParameter can prefetch a
// single parameter. When GetParameters is refused, every batch from then on
// uses GetParameter calls, all of a batch at once, each answering for its
// own parameter.
func (p *Provider) FetchBatch(ctx context.Context, reqs []providers.Request) []providers.BatchResult {
	out := make([]providers.BatchResult, len(reqs))
	groups := map[batchKey][]int{}
	for i, r := range reqs {
		k := batchKey{r.Region, !r.SkipDecryption}
		groups[k] = append(groups[k], i)
	}
	var chunks [][]int
	for _, idx := range groups {
		chunks = append(chunks, fanout.Chunks(idx, MaxBatch)...)
	}
	fanout.FirstThenEach(len(chunks), func(c int) {
		if idx := chunks[c]; len(idx) == 1 || p.batchRefused.Load() {
			p.fetchEach(ctx, reqs, idx, out)
			return
		}
		p.fetchChunk(ctx, reqs, chunks[c], out)
	})
	return out
}

// fetchEach serves reqs[i] for each i in idx with GetParameter.
func (p *Provider) fetchEach(ctx context.Context, reqs []providers.Request, idx []int, out []providers.BatchResult) {
	fanout.Each(len(idx), func(j int) {
		i := idx[j]
		out[i].Result, out[i].Err = p.Fetch(ctx, reqs[i])
	})
}

// fetchChunk serves reqs[i] for each i in idx with one GetParameters call.
func (p *Provider) fetchChunk(ctx context.Context, reqs []providers.Request, idx []int, out []providers.BatchResult) {
	first := reqs[idx[0]]
	names := make([]string, len(idx))
	for j, i := range idx {
		names[j] = selectorName(reqs[i])
	}
	resp, err := p.api.GetParameters(ctx, &ssm.GetParametersInput{
		Names:          names,
		WithDecryption: aws.Bool(!first.SkipDecryption),
	}, inRegion(first.Region))
	if err != nil {
		if awserr.Refused(err) {
			p.batchRefused.Store(true)
			p.fetchEach(ctx, reqs, idx, out)
			return
		}
		err = awserr.Classify(err)
		for _, i := range idx {
			out[i].Err = err
		}
		return
	}
	found := make(map[string]*ssmtypes.Parameter, 2*len(resp.Parameters))
	for j := range resp.Parameters {
		param := &resp.Parameters[j]
		sel := aws.ToString(param.Selector)
		found[aws.ToString(param.Name)+sel] = param
		found[aws.ToString(param.ARN)+sel] = param
	}
	for j, i := range idx {
		if param := found[names[j]]; param != nil {
			out[i].Result = result(param)
			continue
		}
		// Listed in InvalidParameters, or answered under a name the
		// request did not use: either way this name has no value here,
		// as GetParameter would say.
		out[i].Err = providers.Classify(providers.ErrNotFound, &ssmtypes.ParameterNotFound{Message: aws.String("Parameter " + names[j] + " not found.")})
	}
}

// FetchPath returns the parameters under path, decrypted, following
// GetParametersByPath's pages until it stops giving a NextToken (pages may
// be empty before it does).
func (p *Provider) FetchPath(ctx context.Context, path string, recursive bool, region string) (map[string]*providers.Result, error) {
	out := map[string]*providers.Result{}
	pages := ssm.NewGetParametersByPathPaginator(p.api, &ssm.GetParametersByPathInput{
		Path:           aws.String(path),
		Recursive:      aws.Bool(recursive),
		WithDecryption: aws.Bool(true),
		MaxResults:     aws.Int32(MaxBatch),
	})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx, inRegion(region))
		if err != nil {
			return nil, awserr.Classify(err)
		}
		for j := range page.Parameters {
			out[aws.ToString(page.Parameters[j].Name)] = result(&page.Parameters[j])
		}
	}
	return out, nil
}
