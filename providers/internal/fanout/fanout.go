// Package fanout runs the backend calls of one batch side by side, for the
// providers' FetchBatch methods.
package fanout

import "sync"

// Limit is the most calls a batch makes at once: a Secrets Manager batch of
// 20 ids falls back to 20 GetSecretValue calls, all at once, so that each
// is bounded by the batch's context rather than queued behind the others.
const Limit = 20

// Each calls f(0) … f(n-1), at most Limit at a time, and returns when all
// have returned.
func Each(n int, f func(i int)) {
	sem := make(chan struct{}, Limit)
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
