package providers

import (
	"context"
	"sync"
)

// BatchFetcher is a Provider that can fetch many values in fewer backend
// calls than one per value (Parameter Store GetParameters, Secrets Manager
// BatchGetSecretValue). The portable layer uses it when it is there.
type BatchFetcher interface {
	Provider
	// FetchBatch fetches every request and returns one BatchResult per
	// request, in the same order. A failure of one request must not fail
	// the others.
	FetchBatch(ctx context.Context, reqs []Request) []BatchResult
}

// BatchResult is the outcome of one request of a batch: a Result or an
// error classified as Fetch's are.
type BatchResult struct {
	Result *Result
	Err    error
}

// PathFetcher is a Provider that lists the values under a hierarchical path
// (Parameter Store GetParametersByPath).
type PathFetcher interface {
	Provider
	// FetchPath returns every value directly under path, or under it at any
	// depth when recursive is set, keyed by full name, fetched from region
	// (empty: the provider's default).
	FetchPath(ctx context.Context, path string, recursive bool, region string) (map[string]*Result, error)
}

// DefaultConcurrency bounds the backend calls a batch makes at once.
const DefaultConcurrency = 8

// FetchEach fetches each request with p.Fetch, at most concurrency at a
// time (DefaultConcurrency when concurrency < 1). It is what a batch does
// when the backend has no batch call, or refuses it.
func FetchEach(ctx context.Context, p Provider, reqs []Request, concurrency int) []BatchResult {
	out := make([]BatchResult, len(reqs))
	Parallel(len(reqs), concurrency, func(i int) {
		res, err := p.Fetch(ctx, reqs[i])
		out[i] = BatchResult{Result: res, Err: err}
	})
	return out
}

// Parallel calls f(0) … f(n-1), at most limit at a time (DefaultConcurrency
// when limit < 1), and returns when all have returned.
func Parallel(n, limit int, f func(i int)) {
	if limit < 1 {
		limit = DefaultConcurrency
	}
	sem := make(chan struct{}, limit)
	var wg sync.WaitGroup
	for i := range n {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			f(i)
		})
	}
	wg.Wait()
}

// Chunks splits idx into consecutive runs of at most size indexes: the
// requests one batch call takes.
func Chunks(idx []int, size int) [][]int {
	var out [][]int
	for len(idx) > 0 {
		n := min(len(idx), size)
		out = append(out, idx[:n])
		idx = idx[n:]
	}
	return out
}
