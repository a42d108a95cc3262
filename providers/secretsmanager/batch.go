package secretsmanager

import (
	"context"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/smithy-go"

	"github.com/secretref/secretref/providers"
	"github.com/secretref/secretref/providers/internal/awserr"
	"github.com/secretref/secretref/providers/internal/fanout"
)

// MaxBatch is the most secret ids one BatchGetSecretValue call takes.
const MaxBatch = 20

// BatchGroup puts requests of one region in one group of MaxBatch: one
// BatchGetSecretValue call serves them (a request for a stage or version id
// with a GetSecretValue call beside it).
func (p *Provider) BatchGroup(req providers.Request) (group string, max int) {
	return req.Region, MaxBatch
}

// FetchBatch fetches the current versions of secrets with
// BatchGetSecretValue, at most MaxBatch per call, one group of calls per
// region, the calls running concurrently. Requests for a stage or a version
// id, which that call cannot select, use GetSecretValue, and so does a call
// that would carry one id: a role granted only secretsmanager:GetSecretValue
// then prefetches a single secret without a refused call. When
// BatchGetSecretValue is refused, every batch from then on uses concurrent
// GetSecretValue calls, all at once for a batch of MaxBatch.
func (p *Provider) FetchBatch(ctx context.Context, reqs []providers.Request) []providers.BatchResult {
	out := make([]providers.BatchResult, len(reqs))
	var single []int
	byRegion := map[string][]int{}
	for i, r := range reqs {
		if p.batchRefused.Load() || r.Stage != "" || r.VersionID != "" || r.SkipDecryption {
			single = append(single, i)
			continue
		}
		byRegion[r.Region] = append(byRegion[r.Region], i)
	}
	var chunks [][]int
	for _, idx := range byRegion {
		for _, chunk := range fanout.Chunks(idx, MaxBatch) {
			if len(chunk) == 1 {
				single = append(single, chunk[0])
				continue
			}
			chunks = append(chunks, chunk)
		}
	}
	retry := make([][]int, len(chunks))
	fanout.FirstThenEach(len(chunks), func(c int) {
		if p.batchRefused.Load() {
			retry[c] = chunks[c]
			return
		}
		retry[c] = p.fetchChunk(ctx, reqs, chunks[c], out)
	})
	for _, idx := range retry {
		single = append(single, idx...)
	}
	p.fetchEach(ctx, reqs, single, out)
	return out
}

// fetchEach serves reqs[i] for each i in idx with GetSecretValue.
func (p *Provider) fetchEach(ctx context.Context, reqs []providers.Request, idx []int, out []providers.BatchResult) {
	fanout.Each(len(idx), func(j int) {
		i := idx[j]
		out[i].Result, out[i].Err = p.Fetch(ctx, reqs[i])
	})
}

// fetchChunk serves reqs[i] for each i in idx with BatchGetSecretValue and
// returns the indexes it could not serve that way.
func (p *Provider) fetchChunk(ctx context.Context, reqs []providers.Request, idx []int, out []providers.BatchResult) []int {
	ids := make([]string, len(idx))
	for j, i := range idx {
		ids[j] = reqs[i].Name
	}
	in := &secretsmanager.BatchGetSecretValueInput{SecretIdList: ids}
	var values []types.SecretValueEntry
	var apiErrs []types.APIErrorType
	for {
		resp, err := p.api.BatchGetSecretValue(ctx, in, inRegion(reqs[idx[0]].Region))
		if err != nil {
			if awserr.Refused(err) {
				p.batchRefused.Store(true)
				return idx
			}
			err = awserr.Classify(err)
			for _, i := range idx {
				out[i].Err = err
			}
			return nil
		}
		values = append(values, resp.SecretValues...)
		apiErrs = append(apiErrs, resp.Errors...)
		if resp.NextToken == nil {
			break
		}
		in.NextToken = resp.NextToken
	}
	var unserved []int
	for j, i := range idx {
		if v := matchValue(values, ids[j]); v != nil {
			out[i].Result, out[i].Err = result(v.SecretString, v.SecretBinary, v.VersionId)
			continue
		}
		if e := matchError(apiErrs, ids[j]); e != nil {
			out[i].Err = awserr.Classify(&smithy.GenericAPIError{Code: aws.ToString(e.ErrorCode), Message: aws.ToString(e.Message)})
			continue
		}
		unserved = append(unserved, i)
	}
	return unserved
}

// matchValue finds the entry for id, which may be a name, a full ARN, or
// an ARN without the six random characters Secrets Manager appends.
func matchValue(values []types.SecretValueEntry, id string) *types.SecretValueEntry {
	for k := range values {
		v := &values[k]
		name, arn := aws.ToString(v.Name), aws.ToString(v.ARN)
		if id == name || id == arn || strings.HasPrefix(arn, id+"-") && len(arn) == len(id)+7 {
			return v
		}
	}
	return nil
}

func matchError(errs []types.APIErrorType, id string) *types.APIErrorType {
	for k := range errs {
		if aws.ToString(errs[k].SecretId) == id {
			return &errs[k]
		}
	}
	return nil
}
