package ssm

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/secretref/secretref/providers"
	"github.com/secretref/secretref/providers/internal/awserr"
)

// MaxBatch is the most names one GetParameters call takes.
const MaxBatch = 10

// BatchGroup puts requests of one region and decryption flag in one group
// of MaxBatch: one GetParameters call serves them. Once that call was
// refused, every request is a group of one, fetched with GetParameter.
func (p *Provider) BatchGroup(req providers.Request) (group string, max int) {
	if req.SkipDecryption {
		group = req.Region + "?decrypt=false"
	} else {
		group = req.Region
	}
	if p.batchRefused.Load() {
		return group, 1
	}
	return group, MaxBatch
}

// FetchBatch fetches reqs with one GetParameters call: up to MaxBatch of
// them, of the region and decryption flag of the first. A name the service
// reports in InvalidParameters is ErrNotFound. The other requests, and
// every request once the call was refused, are answered with
// providers.ErrNotBatched.
func (p *Provider) FetchBatch(ctx context.Context, reqs []providers.Request) []providers.BatchResult {
	out := make([]providers.BatchResult, len(reqs))
	var idx []int
	for i, r := range reqs {
		if p.batchRefused.Load() || len(idx) == MaxBatch ||
			len(idx) > 0 && (r.Region != reqs[0].Region || r.SkipDecryption != reqs[0].SkipDecryption) {
			out[i].Err = providers.ErrNotBatched
			continue
		}
		idx = append(idx, i)
	}
	if len(idx) > 0 {
		p.fetchChunk(ctx, reqs, idx, out)
	}
	return out
}

// fetchChunk serves reqs[i] for each i in idx with one GetParameters call.
func (p *Provider) fetchChunk(ctx context.Context, reqs []providers.Request, idx []int, out []providers.BatchResult) {
	first := reqs[idx[0]]
	names := make([]string, len(idx))
	for j, i := range idx {
		names[j] = selectorName(reqs[i])
	}
	resp, err := p.api.getParameters(ctx, &ssm.GetParametersInput{
		Names:          names,
		WithDecryption: aws.Bool(!first.SkipDecryption),
	}, inRegion(first.Region))
	if err != nil {
		if awserr.Refused(err) {
			p.batchRefused.Store(true)
			err = providers.Classify(providers.ErrNotBatched, err)
		} else {
			err = awserr.Classify(err)
		}
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
	pages := ssm.NewGetParametersByPathPaginator(p.api.getParametersByPath, &ssm.GetParametersByPathInput{
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
