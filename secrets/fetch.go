package secrets

import (
	"context"
	"errors"
	"fmt"

	"golang.org/x/sync/errgroup"

	"github.com/secretref/secretref/cache"
	"github.com/secretref/secretref/providers"
)

// What the Client's cache calls to fetch values: one reference without
// #key (a cache key) at a time, or a batch of one provider's batch group.

// loadKey is load for the cache key k.
func (c *Client) loadKey(ctx context.Context, k cacheKey) cache.Loaded[*payload] {
	return c.load(ctx, k.ref())
}

// load fetches the value k names.
func (c *Client) load(ctx context.Context, k Ref) cache.Loaded[*payload] {
	schedule := c.rotation.lookUp(c.providers[k.Scheme], k)
	f := c.acrossRegions(ctx, []Ref{k}, c.fetchIn)
	return cache.Loaded[*payload]{Value: f.vals[0].p, Err: f.errs[0], FromReplica: f.replica[0],
		TTL: c.ttls[k], ExpiresBy: c.rotation.expiresBy(k, schedule)}
}

// fetchIn is fetch as a regionCall, for one key.
func (c *Client) fetchIn(ctx context.Context, _ string, keys []Ref) ([]Value, []error) {
	v, err := c.fetch(ctx, keys[0])
	return []Value{v}, []error{err}
}

// fetch makes one Fetch call for k.
func (c *Client) fetch(ctx context.Context, k Ref) (Value, error) {
	ctx, end, err := c.calls.begin(ctx, ProviderCall{Scheme: k.Scheme, Region: k.Region, Operation: OperationFetch,
		Refs: []Ref{k}, Background: cache.IsBackground(ctx), Failover: isFailover(ctx)})
	if err != nil {
		return Value{}, err
	}
	defer endOnPanic(end, 1)
	res, err := c.providers[k.Scheme].Fetch(ctx, request(k))
	v, err := value(k.Scheme, res, err)
	end([]error{err})
	return v, err
}

// loadBatch fetches keys, which share one provider and batch group, with
// one FetchBatch call, and each key that call did not serve with a Fetch
// call of its own, side by side.
func (c *Client) loadBatch(ctx context.Context, keys []Ref) []cache.Loaded[*payload] {
	p := c.providers[keys[0].Scheme]
	schedules := make([]<-chan struct{}, len(keys))
	for i, k := range keys {
		schedules[i] = c.rotation.lookUp(p, k)
	}
	f := c.acrossRegions(ctx, keys, c.fetchBatchIn)
	out := make([]cache.Loaded[*payload], len(keys))
	for i, k := range keys {
		out[i] = cache.Loaded[*payload]{Value: f.vals[i].p, Err: f.errs[i], FromReplica: f.replica[i],
			TTL: c.ttls[k], ExpiresBy: c.rotation.expiresBy(k, schedules[i])}
	}
	return out
}

// fetchBatchIn is a regionCall for keys of one batch group: one FetchBatch
// call, and a Fetch call for each key it did not serve.
func (c *Client) fetchBatchIn(ctx context.Context, _ string, keys []Ref) ([]Value, []error) {
	bf := c.providers[keys[0].Scheme].(providers.BatchFetcher)
	vals, errs := make([]Value, len(keys)), make([]error, len(keys))
	if _, n := bf.BatchGroup(request(keys[0])); n > 1 {
		vals, errs = c.fetchBatch(ctx, bf, keys)
	} else {
		// The batch call was refused since these keys were grouped.
		for i := range errs {
			errs[i] = providers.ErrNotBatched
		}
	}
	var alone errgroup.Group
	for i, k := range keys {
		if errors.Is(errs[i], providers.ErrNotBatched) {
			alone.Go(func() error {
				vals[i], errs[i] = c.fetchContained(ctx, k)
				return nil
			})
		}
	}
	_ = alone.Wait() // each fetch's error is its key's
	return vals, errs
}

// fetchBatch makes one FetchBatch call for keys.
func (c *Client) fetchBatch(ctx context.Context, bf providers.BatchFetcher, keys []Ref) ([]Value, []error) {
	vals := make([]Value, len(keys))
	errs := make([]error, len(keys))
	ctx, end, err := c.calls.begin(ctx, ProviderCall{Scheme: keys[0].Scheme, Region: keys[0].Region, Operation: OperationFetchBatch,
		Refs: keys, Background: cache.IsBackground(ctx), Failover: isFailover(ctx)})
	if err != nil {
		for i := range errs {
			errs[i] = err
		}
		return vals, errs
	}
	defer endOnPanic(end, len(keys))
	reqs := make([]providers.Request, len(keys))
	for i, k := range keys {
		reqs[i] = request(k)
	}
	res := bf.FetchBatch(ctx, reqs)
	for i, k := range keys {
		if i >= len(res) {
			errs[i] = fmt.Errorf("%w: provider %q returned %d results for %d requests", ErrUnavailable, k.Scheme, len(res), len(keys))
			continue
		}
		vals[i], errs[i] = value(k.Scheme, res[i].Result, res[i].Err)
	}
	end(errs)
	return vals, errs
}

// fetchContained is fetch on a goroutine of the Client's own: a provider's
// panic fails the key instead of the process.
func (c *Client) fetchContained(ctx context.Context, k Ref) (v Value, err error) {
	defer func() {
		if p := recover(); p != nil {
			v, err = Value{}, fmt.Errorf("%w (provider %q, %s)", cache.ErrLoadPanicked, k.Scheme, panicType(p))
		}
	}()
	return c.fetch(ctx, k)
}

// batchGroup puts k in its provider's batch group, or in a group of its
// own provider and region, of one, when the provider has no batch call or
// batching is off.
func (c *Client) batchGroup(k Ref) (string, int) {
	p := c.providers[k.Scheme]
	if bf, ok := p.(providers.BatchFetcher); ok {
		group, n := bf.BatchGroup(request(k))
		if c.noBatching {
			n = 1
		}
		return k.Scheme + "\x00" + group, n
	}
	return k.Scheme + "\x00" + k.Region, 1
}

// request is what a provider is asked for a reference without #key.
func request(r Ref) providers.Request {
	return providers.Request{
		Name:           r.Name,
		Region:         r.Region,
		Stage:          r.Stage,
		VersionID:      r.VersionID,
		SkipDecryption: r.SkipDecryption,
	}
}

// value converts what a provider answered.
func value(scheme string, res *providers.Result, err error) (Value, error) {
	if err != nil {
		return Value{}, err
	}
	if res == nil {
		return Value{}, fmt.Errorf("%w: provider %q returned no result", ErrUnavailable, scheme)
	}
	return resultValue(res), nil
}

func isThrottled(err error) bool { return errors.Is(err, ErrThrottled) }

// endOnPanic, deferred after a provider call began, ends its observation
// when the provider panicked, then panics on: the cache (or the goroutine
// that made the call) recovers it.
func endOnPanic(end func([]error), n int) {
	if p := recover(); p != nil {
		errs := make([]error, n)
		for i := range errs {
			errs[i] = cache.ErrLoadPanicked
		}
		end(errs)
		panic(p)
	}
}
