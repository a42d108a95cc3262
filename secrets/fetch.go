package secrets

import (
	"context"
	"errors"
	"fmt"

	"github.com/secretref/secretref/cache"
	"github.com/secretref/secretref/providers"
)

// What the Client's cache calls to fetch values: one reference without
// #key (a cache key) at a time, or a batch of one provider's batch group.

// load fetches the value k names.
func (c *Client) load(ctx context.Context, k Ref) cache.Loaded[Value] {
	schedule := c.rotation.lookUp(c.providers[k.Scheme], k)
	ctx, end := c.observe(ctx, ProviderCall{Scheme: k.Scheme, Region: k.Region, Operation: OperationFetch,
		Refs: []Ref{k}, Background: cache.IsBackground(ctx)})
	defer endOnPanic(end, 1)
	res, err := c.providers[k.Scheme].Fetch(ctx, request(k))
	v, err := value(k.Scheme, res, err)
	end([]error{err})
	return cache.Loaded[Value]{Value: v, Err: err, TTL: c.ttls[k], ExpiresBy: c.rotation.expiresBy(k, schedule)}
}

// loadBatch fetches keys, which share one provider and batch group, with
// one FetchBatch call.
func (c *Client) loadBatch(ctx context.Context, keys []Ref) []cache.Loaded[Value] {
	p := c.providers[keys[0].Scheme]
	reqs := make([]providers.Request, len(keys))
	schedules := make([]<-chan struct{}, len(keys))
	for i, k := range keys {
		reqs[i] = request(k)
		schedules[i] = c.rotation.lookUp(p, k)
	}
	ctx, end := c.observe(ctx, ProviderCall{Scheme: keys[0].Scheme, Region: keys[0].Region, Operation: OperationFetchBatch,
		Refs: keys, Background: cache.IsBackground(ctx)})
	defer endOnPanic(end, len(keys))
	res := p.(providers.BatchFetcher).FetchBatch(ctx, reqs)
	out := make([]cache.Loaded[Value], len(keys))
	errs := make([]error, len(keys))
	for i, k := range keys {
		if i >= len(res) {
			errs[i] = fmt.Errorf("%w: provider %q returned %d results for %d requests", ErrUnavailable, k.Scheme, len(res), len(keys))
			continue
		}
		out[i].Value, errs[i] = value(k.Scheme, res[i].Result, res[i].Err)
	}
	end(errs)
	for i, k := range keys {
		out[i].Err, out[i].TTL, out[i].ExpiresBy = errs[i], c.ttls[k], c.rotation.expiresBy(k, schedules[i])
	}
	return out
}

// batchGroup puts k in its provider's batch group, or in a group of its
// own provider and region, of one, when the provider has no batch call.
func (c *Client) batchGroup(k Ref) (string, int) {
	p := c.providers[k.Scheme]
	if bf, ok := p.(providers.BatchFetcher); ok {
		group, n := bf.BatchGroup(request(k))
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
	return newValue(res.Value, res.Version, res.Binary), nil
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
