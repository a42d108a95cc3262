package secrets

import (
	"context"
	"sync"

	"golang.org/x/sync/semaphore"
)

// MaxCallsInFlight is the most calls a Client has in flight at once to one
// provider in one region: single reads, batch calls, the single reads a
// refused batch call falls back to, rotation-schedule look-ups and path
// listings alike. A call beyond it waits for one to end, within its own
// deadline (Options.LoadTimeout). So a GetMany of 1,000 secrets, or a
// fleet's worth of expiring values, never opens more connections to one
// endpoint than this, nor bursts past a service's rate quota by more.
const MaxCallsInFlight = 32

// calls is the one way a Client calls its providers: each call takes a
// slot of its provider and region, and is observed.
type calls struct {
	observe callObserver

	mu     sync.Mutex
	limits map[string]*semaphore.Weighted // by scheme and region
}

// begin waits for a slot for call, tells the observer it begins, and
// returns the context to make it with and the function that ends it, with
// one error per reference it read. It fails only when ctx ends first.
func (cs *calls) begin(ctx context.Context, call ProviderCall) (context.Context, func(errs []error), error) {
	sem := cs.limit(call.Scheme, call.Region)
	if err := sem.Acquire(ctx, 1); err != nil {
		return nil, nil, err
	}
	callCtx, end := cs.observe(ctx, call)
	var once sync.Once
	return callCtx, func(errs []error) {
		once.Do(func() {
			sem.Release(1)
			end(errs)
		})
	}, nil
}

// limit returns the semaphore of scheme's calls to region ("" for the
// provider's default).
func (cs *calls) limit(scheme, region string) *semaphore.Weighted {
	key := scheme + "\x00" + region
	cs.mu.Lock()
	defer cs.mu.Unlock()
	sem := cs.limits[key]
	if sem == nil {
		if cs.limits == nil {
			cs.limits = map[string]*semaphore.Weighted{}
		}
		sem = semaphore.NewWeighted(MaxCallsInFlight)
		cs.limits[key] = sem
	}
	return sem
}
