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

// FirstThenEach calls f(0), then f(1) … f(n-1) as Each does: the first call
// of a batch learns what the others need to know (a batch call refused).
func FirstThenEach(n int, f func(i int)) {
	if n == 0 {
		return
	}
	f(0)
	Each(n-1, func(i int) { f(i + 1) })
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
