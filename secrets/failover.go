package secrets

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/secretref/secretref/cache"
	"github.com/secretref/secretref/providers"
)

// regionCall makes one call in region for keys (each asked for as it is in
// that region), with one value and one error per key.
type regionCall func(ctx context.Context, region string, keys []Ref) ([]Value, []error)

// fetched is what a fetch across regions gives each key.
type fetched struct {
	vals    []Value
	errs    []error
	replica []bool // the value came from another region than the key's own
}

// attemptResult is the answer of one region.
type attemptResult struct {
	region string
	vals   []Value
	errs   []error
}

// acrossRegions fetches keys, which share one provider and home region,
// from their home region, or from the regions that replicate them when it
// fails or is slow: it is the one place that decides which regions a
// fetch calls.
//
// While the home region's breaker is closed, only the home region is
// called, unless it has not answered within FailoverWait: then the next
// region is asked too, and the first good answer wins (a stall is also a
// failure of the home region, for its breaker). A transient failure
// (5xx, network, timeout; not throttling) falls over to the next region at
// once. ErrNotFound, ErrAccessDenied (a KMS denial too), ErrMisconfigured
// or ErrInvalidReference from the home region are final: a replica must not
// undo a revocation or a deletion. While the home region's breaker is
// open, the fetch starts at the next healthy region. From a replica, only
// values count: its errors never reach the caller, as it is not the
// secret's authority.
func (c *Client) acrossRegions(ctx context.Context, keys []Ref, call regionCall) fetched {
	plan := c.regions.plan(keys[0])
	if len(plan) == 1 {
		vals, errs := call(ctx, plan[0], keys)
		return fetched{vals: vals, errs: errs, replica: make([]bool, len(keys))}
	}
	f := failover{c: c, scheme: keys[0].Scheme, home: plan[0], plan: plan, keys: keys, call: call}
	return f.run(ctx)
}

// failover is one fetch across regions.
type failover struct {
	c      *Client
	scheme string
	home   string
	plan   []string
	keys   []Ref
	call   regionCall

	next        int // the index in plan of the next region to try
	outstanding int
	latest      *attempt    // the latest call begun
	timer       *time.Timer // fires FailoverWait after the latest call began
	results     chan attemptResult
}

// attempt is one call in one region.
type attempt struct {
	region   string
	probe    bool
	stalled  atomic.Bool // counted as a failure by the timer already
	answered atomic.Bool
}

func (f *failover) run(ctx context.Context) fetched {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	f.results = make(chan attemptResult, len(f.plan))
	f.timer = time.NewTimer(f.c.regions.wait)
	defer f.timer.Stop()
	f.start(ctx, false)
	out := fetched{vals: make([]Value, len(f.keys)), errs: make([]error, len(f.keys)), replica: make([]bool, len(f.keys))}
	final := make([]bool, len(f.keys))
	var homeErrs, lastErrs []error
	for f.outstanding > 0 {
		select {
		case r := <-f.results:
			f.outstanding--
			if r.region == f.home {
				homeErrs = r.errs
			}
			lastErrs = r.errs
			if f.merge(r, &out, final) {
				f.count(out)
				return out
			}
			f.start(ctx, true) // a failure falls over at once
		case <-f.timer.C:
			if f.latest.answered.Load() {
				continue
			}
			// A stall is a failure of its region, and the next region
			// is asked meanwhile.
			f.latest.stalled.Store(true)
			f.c.regions.done(f.scheme, f.latest.region, f.latest.probe, true)
			if f.start(ctx, true) != nil {
				f.c.regions.hedges.Add(1)
			}
		}
	}
	f.unanswered(&out, final, homeErrs, lastErrs)
	f.count(out)
	return out
}

// start begins the call of the next region whose breaker lets it, and
// returns it; nil when none is left. The first call (after false) goes to
// the home region when no region's breaker lets it.
func (f *failover) start(ctx context.Context, after bool) *attempt {
	for f.next < len(f.plan) {
		region := f.plan[f.next]
		f.next++
		if ok, probe := f.c.regions.allow(f.scheme, region); ok {
			return f.begin(ctx, region, probe)
		}
	}
	if !after {
		f.next = 1
		return f.begin(ctx, f.home, false) // every region open: the home one, all the same
	}
	return nil
}

func (f *failover) begin(ctx context.Context, region string, probe bool) *attempt {
	a := &attempt{region: region, probe: probe}
	f.latest = a
	f.outstanding++
	f.timer.Reset(f.c.regions.wait)
	keys := make([]Ref, len(f.keys))
	for i, k := range f.keys {
		keys[i] = k
		if region != f.home {
			keys[i] = inRegion(k, region)
		}
	}
	if region != f.home {
		ctx = context.WithValue(ctx, failoverKey{}, true)
	}
	go f.attemptContained(ctx, a, keys)
	return a
}

// attemptContained makes a's call and records its outcome on the region's
// breaker; a provider's panic fails the keys instead of the process.
func (f *failover) attemptContained(ctx context.Context, a *attempt, keys []Ref) {
	r := attemptResult{region: a.region}
	defer func() {
		if p := recover(); p != nil {
			err := fmt.Errorf("%w (provider %q, %s)", cache.ErrLoadPanicked, f.scheme, panicType(p))
			r.vals, r.errs = make([]Value, len(keys)), make([]error, len(keys))
			for i := range r.errs {
				r.errs[i] = err
			}
		}
		a.answered.Store(true)
		f.record(ctx, a, r.errs)
		f.results <- r
	}()
	r.vals, r.errs = f.call(ctx, a.region, keys)
}

// record tells the region's breaker how a's call went: failed when every
// key failed for a transient reason. A call cancelled because another
// region answered first says nothing of its own.
func (f *failover) record(ctx context.Context, a *attempt, errs []error) {
	failed := true
	for _, err := range errs {
		failed = failed && err != nil && failsOverOn(err)
	}
	switch {
	case ctx.Err() == context.Canceled:
		f.c.regions.abandon(f.scheme, a.region, a.probe && !a.stalled.Load())
	case a.stalled.Load() && failed:
		// Counted when it stalled.
	default:
		f.c.regions.done(f.scheme, a.region, a.probe && !a.stalled.Load(), failed)
	}
}

// merge takes from r what is final for each key not final yet, and
// reports whether every key is.
func (f *failover) merge(r attemptResult, out *fetched, final []bool) bool {
	all := true
	for i := range f.keys {
		if final[i] {
			continue
		}
		switch err := r.errs[i]; {
		case err == nil:
			out.vals[i], out.replica[i], final[i] = r.vals[i], r.region != f.home, true
		case r.region == f.home && !failsOverOn(err):
			out.errs[i], final[i] = err, true
		default:
			all = false
		}
	}
	return all
}

// unanswered gives each key no region answered for the home region's
// error, or, when the home region gave none, an ErrUnavailable that says
// what the others answered: a replica's "not found" is no authority.
func (f *failover) unanswered(out *fetched, final []bool, homeErrs, lastErrs []error) {
	for i := range f.keys {
		switch {
		case final[i]:
		case homeErrs != nil:
			out.errs[i] = homeErrs[i]
		case lastErrs != nil:
			out.errs[i] = fmt.Errorf("%w: %s did not answer in time; the replica's answer: %v", ErrUnavailable, f.home, lastErrs[i])
		default:
			out.errs[i] = fmt.Errorf("%w: no region answered", ErrUnavailable)
		}
	}
}

// count counts a fetch that a replica answered for some key.
func (f *failover) count(out fetched) {
	for _, r := range out.replica {
		if r {
			f.c.regions.failovers.Add(1)
			return
		}
	}
}

type failoverKey struct{}

// isFailover reports whether ctx is a call's in another region than its
// secret's.
func isFailover(ctx context.Context) bool {
	b, _ := ctx.Value(failoverKey{}).(bool)
	return b
}

// failsOverOn reports whether err, from a key's home region, lets the fetch
// try another region: a transient failure other than throttling. A
// throttled call stays in its region: the quota is the Client's own, a
// fleet that exceeds it in one region would in the next, and the cached
// values are served while its refreshes are paced.
func failsOverOn(err error) bool {
	return providers.IsTransient(err) && !errors.Is(err, ErrThrottled)
}
