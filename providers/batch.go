package providers

import "context"

// BatchFetcher is a Provider that can fetch many values in fewer backend
// calls than one per value (Parameter Store GetParameters, Secrets Manager
// BatchGetSecretValue). The portable layer uses it when it is there.
type BatchFetcher interface {
	Provider
	// BatchGroup tells which requests one FetchBatch call serves
	// together: those of the same group (a region, a decryption flag), at
	// most max of them. A request that the batch call cannot serve (a
	// Secrets Manager version stage) has max 1: it is fetched alone, with
	// Fetch. A cache coalesces refreshes and paces throttled ones by group.
	BatchGroup(req Request) (group string, max int)
	// FetchBatch fetches requests of one batch group, at most its max,
	// with one backend call, bounded by ctx, and returns one BatchResult
	// per request, in the same order. A failure of one request must not
	// fail the others. A request the call did not serve — the call was
	// refused, or the request is of another group or beyond max — is
	// answered with ErrNotBatched: the caller fetches it with Fetch.
	// Regrouping, chunking and fanning out are the caller's.
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
