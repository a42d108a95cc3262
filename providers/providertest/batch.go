package providertest

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/secretref/secretref/providers"
)

// batchSize is more than one backend call takes (Parameter Store
// GetParameters 10, Secrets Manager BatchGetSecretValue 20).
const batchSize = 25

// testBatch checks FetchBatch as a cache calls it, one call per batch
// group of at most its size: one result per request in request order,
// each what Fetch gives, or ErrNotBatched for a request the batch call did
// not serve (then Fetch serves it); a missing secret fails alone; an older
// version is read by id; results are not retained; a cancelled context
// fails every request.
func testBatch(t *testing.T, h Harness, bf providers.BatchFetcher) {
	ctx := context.Background()
	var reqs []providers.Request
	var want []string
	for i := range batchSize {
		name := h.Name(fmt.Sprintf("batch%02d", i))
		value := fmt.Sprintf("batch-value-%02d", i)
		put(t, h, name, value)
		reqs = append(reqs, providers.Request{Name: name})
		want = append(want, value)
	}
	missing := len(reqs)
	reqs = append(reqs, providers.Request{Name: h.Name("batchmissing")})
	want = append(want, "")
	if h.Versions {
		name := h.Name("batchversioned")
		v1 := put(t, h, name, "batch-first")
		put(t, h, name, "batch-second")
		reqs = append(reqs, providers.Request{Name: name, VersionID: v1})
		want = append(want, "batch-first")
	}

	res := fetchByGroup(ctx, t, bf, reqs)
	for i, r := range res {
		what := fmt.Sprintf("FetchBatch request %d (%+v)", i, reqs[i])
		if i == missing {
			checkNotFound(t, h, what, r.Err)
			continue
		}
		if r.Err != nil || r.Result == nil {
			t.Errorf("%s: result %v, error %v", what, r.Result, r.Err)
			continue
		}
		checkValue(t, what, r.Result.Value, want[i])
		if single := fetch(t, h, reqs[i]); r.Result.Version != single.Version || r.Result.Binary != single.Binary {
			t.Errorf("%s: version %q binary %v, Fetch gives %q %v", what, r.Result.Version, r.Result.Binary, single.Version, single.Binary)
		}
	}

	if r := res[0]; r.Result != nil {
		for i := range r.Result.Value {
			r.Result.Value[i] = 'X'
		}
	}
	if again := fetchByGroup(ctx, t, bf, reqs[:2]); len(again) != 2 || again[0].Err != nil {
		t.Errorf("FetchBatch again: %+v", again)
	} else {
		checkValue(t, "batch value after the caller changed an earlier result", again[0].Result.Value, want[0])
	}

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	for i, r := range bf.FetchBatch(cancelled, reqs[:2]) {
		if !errors.Is(r.Err, context.Canceled) && !errors.Is(r.Err, providers.ErrNotBatched) {
			t.Errorf("FetchBatch with a cancelled context, request %d: error %v, want one matching context.Canceled", i, r.Err)
		}
	}
}

// fetchByGroup fetches reqs as a cache does: each batch group's requests in
// FetchBatch calls of at most the group's size, a request of a group of
// one with Fetch, and a request a batch answered ErrNotBatched with Fetch.
func fetchByGroup(ctx context.Context, t *testing.T, bf providers.BatchFetcher, reqs []providers.Request) []providers.BatchResult {
	t.Helper()
	out := make([]providers.BatchResult, len(reqs))
	type group struct {
		idx []int
		max int
	}
	groups := map[string]*group{}
	var order []string
	for i, r := range reqs {
		name, n := bf.BatchGroup(r)
		if n <= 1 {
			out[i].Result, out[i].Err = bf.Fetch(ctx, r)
			continue
		}
		g := groups[name]
		if g == nil {
			g = &group{max: n}
			groups[name] = g
			order = append(order, name)
		}
		g.idx = append(g.idx, i)
	}
	for _, name := range order {
		g := groups[name]
		for start := 0; start < len(g.idx); start += g.max {
			chunk := g.idx[start:min(start+g.max, len(g.idx))]
			batch := make([]providers.Request, len(chunk))
			for j, i := range chunk {
				batch[j] = reqs[i]
			}
			res := bf.FetchBatch(ctx, batch)
			if len(res) != len(batch) {
				t.Fatalf("FetchBatch of %d requests returned %d results", len(batch), len(res))
			}
			for j, i := range chunk {
				out[i] = res[j]
				if errors.Is(res[j].Err, providers.ErrNotBatched) {
					out[i].Result, out[i].Err = bf.Fetch(ctx, reqs[i])
				}
			}
		}
	}
	return out
}
