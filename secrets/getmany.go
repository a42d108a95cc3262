package secrets

import (
	"context"
	"errors"

	"github.com/secretref/secretref/providers"
)

// GetMany returns the values of refs, keyed by reference as given, fetching
// the ones not cached in as few backend calls as the services allow:
// Parameter Store GetParameters (10 names a call), Secrets Manager
// BatchGetSecretValue (20 ids a call; concurrent GetSecretValue calls when
// it is refused). Calls for different providers, regions and decryption
// flags run concurrently. The values land in the cache, so a later Get is a
// hit, and references already cached are not fetched again.
//
// The map holds every value that could be read. The error joins one
// *RefError per reference that could not, so errors.Is(err, ErrNotFound)
// works; it is nil when every reference was read.
func (c *Client) GetMany(ctx context.Context, refs ...string) (map[string]Value, error) {
	if ctx == nil {
		return nil, nilContext("")
	}
	var errs []error
	bound := make([]*binding, 0, len(refs))
	byScheme := map[string][]Ref{}
	seen := map[Ref]bool{}
	for _, ref := range refs {
		b, err := c.binding(ref)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		bound = append(bound, b)
		if k := b.h.Key(); !seen[k] {
			seen[k] = true
			byScheme[k.Scheme] = append(byScheme[k.Scheme], k)
		}
	}

	schemes := make([]string, 0, len(byScheme))
	for s := range byScheme {
		schemes = append(schemes, s)
	}
	type fetched struct {
		val Value
		err error
	}
	results := make([][]fetched, len(schemes))
	providers.Parallel(len(schemes), len(schemes), func(i int) {
		keys := byScheme[schemes[i]]
		vals, errs := c.cache.GetMany(ctx, keys, c.loadBatch)
		results[i] = make([]fetched, len(keys))
		for j := range keys {
			results[i][j] = fetched{vals[j], errs[j]}
		}
	})
	byKey := make(map[Ref]fetched, len(seen))
	for i, s := range schemes {
		for j, k := range byScheme[s] {
			byKey[k] = results[i][j]
		}
	}

	out := make(map[string]Value, len(bound))
	for _, b := range bound {
		f := byKey[b.h.Key()]
		if f.err != nil {
			errs = append(errs, &RefError{Ref: b.raw, Err: f.err})
			continue
		}
		v, err := b.derive(f.val)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out[b.raw] = v
	}
	return out, errors.Join(errs...)
}

// loadBatch fetches keys, which share one scheme, with the provider's batch
// call when it has one.
func (c *Client) loadBatch(ctx context.Context, keys []Ref) ([]Value, []error) {
	p := c.providers[keys[0].Scheme]
	reqs := make([]providers.Request, len(keys))
	for i, k := range keys {
		reqs[i] = request(k)
	}
	var res []providers.BatchResult
	if bp, ok := p.(providers.BatchFetcher); ok {
		res = bp.FetchBatch(ctx, reqs)
	} else {
		res = providers.FetchEach(ctx, p, reqs, providers.DefaultConcurrency)
	}
	vals := make([]Value, len(keys))
	errs := make([]error, len(keys))
	for i, r := range res {
		vals[i], errs[i] = value(keys[i].Scheme, r.Result, r.Err)
	}
	return vals, errs
}
