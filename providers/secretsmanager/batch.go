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
)

// MaxBatch is the most secret ids one BatchGetSecretValue call takes.
const MaxBatch = 20

// BatchGroup puts the current versions of secrets of one region in one
// group of MaxBatch: one BatchGetSecretValue call serves them. A request
// for a stage or a version id, which that call cannot select, is a group
// of one, fetched with GetSecretValue; so is every request once the call
// was refused.
func (p *Provider) BatchGroup(req providers.Request) (group string, max int) {
	if !p.batchable(req) {
		return req.Region, 1
	}
	return req.Region, MaxBatch
}

// batchable reports whether BatchGetSecretValue can serve req.
func (p *Provider) batchable(req providers.Request) bool {
	return !p.batchRefused.Load() && req.Stage == "" && req.VersionID == "" && !req.SkipDecryption
}

// FetchBatch fetches the current versions of reqs with one
// BatchGetSecretValue call (with its pages): up to MaxBatch of them, of
// the region of the first it can serve. The others, and every request once
// the call was refused, are answered with providers.ErrNotBatched.
func (p *Provider) FetchBatch(ctx context.Context, reqs []providers.Request) []providers.BatchResult {
	out := make([]providers.BatchResult, len(reqs))
	var idx []int
	for i, r := range reqs {
		if !p.batchable(r) || len(idx) == MaxBatch || len(idx) > 0 && r.Region != reqs[idx[0]].Region {
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

// fetchChunk serves reqs[i] for each i in idx, all of one region, with one
// BatchGetSecretValue call.
func (p *Provider) fetchChunk(ctx context.Context, reqs []providers.Request, idx []int, out []providers.BatchResult) {
	ids := make([]string, len(idx))
	for j, i := range idx {
		ids[j] = reqs[i].Name
	}
	var values []types.SecretValueEntry
	var apiErrs []types.APIErrorType
	pages := secretsmanager.NewBatchGetSecretValuePaginator(p.api.batchGetSecretValue, &secretsmanager.BatchGetSecretValueInput{SecretIdList: ids})
	for pages.HasMorePages() {
		resp, err := pages.NextPage(ctx, inRegion(reqs[idx[0]].Region))
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
		values = append(values, resp.SecretValues...)
		apiErrs = append(apiErrs, resp.Errors...)
	}
	for j, i := range idx {
		if v := matchValue(values, ids[j]); v != nil {
			out[i].Result, out[i].Err = result(v.SecretString, v.SecretBinary, v.VersionId, v.CreatedDate)
			continue
		}
		if e := matchError(apiErrs, ids[j]); e != nil {
			out[i].Err = awserr.Classify(&smithy.GenericAPIError{Code: aws.ToString(e.ErrorCode), Message: aws.ToString(e.Message)})
			continue
		}
		// Answered under a name the request did not use: GetSecretValue
		// tells.
		out[i].Err = providers.ErrNotBatched
	}
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

// batchGetter is a BatchGetSecretValue function as the paginator's client:
// converted to an interface, it brings only its own method to the linker.
type batchGetter func(context.Context, *secretsmanager.BatchGetSecretValueInput, ...func(*secretsmanager.Options)) (*secretsmanager.BatchGetSecretValueOutput, error)

// BatchGetSecretValue calls f.
func (f batchGetter) BatchGetSecretValue(ctx context.Context, in *secretsmanager.BatchGetSecretValueInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.BatchGetSecretValueOutput, error) {
	return f(ctx, in, optFns...)
}
