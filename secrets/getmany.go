package secrets

import (
	"context"
	"errors"
)

// GetMany returns the values of refs, keyed by reference as given, fetching
// the ones not cached in as few backend calls as the services allow:
// Parameter Store GetParameters (10 names a call), Secrets Manager
// BatchGetSecretValue (20 ids a call; concurrent GetSecretValue calls when
// it is refused, and from then on). Each call is bounded by
// Options.LoadTimeout. The values land in the cache, so a later Get is a
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
	keys := make([]cacheKey, 0, len(refs))
	for _, ref := range refs {
		b, err := c.binding(ref)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		bound = append(bound, b)
		keys = append(keys, b.h.Key())
	}
	vals, fetchErrs := c.cache.GetMany(ctx, keys)
	out := make(map[string]Value, len(bound))
	for i, b := range bound {
		if fetchErrs[i] != nil {
			errs = append(errs, &RefError{Ref: b.raw, Err: clientError(fetchErrs[i])})
			continue
		}
		v, err := b.derive(Value{vals[i]})
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out[b.raw] = v
	}
	return out, errors.Join(errs...)
}
