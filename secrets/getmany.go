package secrets

import (
	"context"
	"errors"
	"sync"
)

// GetMany returns the values of refs, keyed by reference as given. The map
// holds every value that could be read; the error joins one *RefError per
// reference that could not (errors.Is works on it), and is nil when all
// were read.
func (c *Client) GetMany(ctx context.Context, refs ...string) (map[string]Value, error) {
	if ctx == nil {
		return nil, nilContext("")
	}
	var (
		mu   sync.Mutex
		out  = make(map[string]Value, len(refs))
		errs []error
		wg   sync.WaitGroup
		sem  = make(chan struct{}, 8)
	)
	for _, ref := range refs {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			v, err := c.Get(ctx, ref)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return
			}
			out[ref] = v
		})
	}
	wg.Wait()
	return out, errors.Join(errs...)
}
