package secrets

import (
	"context"

	"github.com/secretref/secretref/cache"
)

// Var is a reference bound to a Client, for a hot path: its Get skips
// looking the reference up, and a hit costs an atomic load of the cache
// entry, one of its state, and a clock read. It has the same refresh, stale
// and rotation behaviour as Client.Get.
//
// A Var is safe for concurrent use by multiple goroutines.
type Var struct {
	// h and hasKey are the binding's, held here so that a hit reads the
	// Var and the handle and nothing else.
	h      *cache.Handle[cacheKey, *payload]
	hasKey bool
	b      *binding
}

// Bind parses ref once and returns a Var that reads it. It fetches nothing.
func (c *Client) Bind(ref string) (*Var, error) {
	b, err := c.binding(ref)
	if err != nil {
		return nil, err
	}
	return &Var{h: b.h, hasKey: b.hasKey, b: b}, nil
}

// Get is Client.Get of the bound reference.
func (v *Var) Get(ctx context.Context) (Value, error) {
	if ctx == nil {
		return Value{}, nilContext(v.b.raw)
	}
	p, err := v.h.Get(ctx)
	val := Value{p}
	if err == nil && !v.hasKey {
		return val, nil
	}
	return v.b.finish(val, err)
}

// GetString is Get returning the value as a string.
func (v *Var) GetString(ctx context.Context) (string, error) {
	val, err := v.Get(ctx)
	return val.Reveal(), err
}

// Ref returns the reference as it was bound.
func (v *Var) Ref() string { return v.b.raw }
