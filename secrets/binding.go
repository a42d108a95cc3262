package secrets

import (
	"context"
	"sync/atomic"

	"github.com/secretref/secretref/cache"
)

// binding is a parsed reference with its cache handle, and, for a reference
// with a #key, the field taken from the latest value it saw.
type binding struct {
	// h and hasKey come first: a hit reads them, and nothing else of the
	// binding, from one cache line.
	h       *cache.Handle[cacheKey, *payload]
	hasKey  bool
	raw     string
	ref     Ref
	derived atomic.Pointer[derived]
}

// derived is the field a #key took from one value.
type derived struct {
	src *payload
	val Value
	err error
}

func (b *binding) get(ctx context.Context) (Value, error) {
	p, err := b.h.Get(ctx)
	v := Value{p}
	if err == nil && !b.hasKey {
		return v, nil
	}
	return b.finish(v, err)
}

// finish is get's end for a failed read or a reference with a #key.
func (b *binding) finish(v Value, err error) (Value, error) {
	if err != nil {
		return Value{}, &RefError{Ref: b.raw, Err: clientError(err)}
	}
	return b.derive(v)
}

// derive returns what the reference takes from v: v itself, or its #key
// field, extracted once per value.
func (b *binding) derive(v Value) (Value, error) {
	if b.ref.Key == "" {
		return v, nil
	}
	if d := b.derived.Load(); d != nil && d.src == v.p {
		return d.val, d.err
	}
	val, err := extractKey(v, b.ref.Key)
	if err != nil {
		err = &RefError{Ref: b.raw, Err: err}
	}
	b.derived.Store(&derived{src: v.p, val: val, err: err})
	return val, err
}
