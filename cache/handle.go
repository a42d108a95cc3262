package cache

import (
	"context"
	"sync/atomic"
)

// Handle reads one key of a Cache without looking it up: for a key read on a
// hot path. It follows the key across evictions and invalidations, with the
// same semantics as Cache.Get.
//
// A Handle is safe for concurrent use by multiple goroutines.
type Handle[K comparable, V any] struct {
	c   *Cache[K, V]
	key K
	e   atomic.Pointer[entry[K, V]]
}

// Handle returns a handle on k. It loads nothing.
func (c *Cache[K, V]) Handle(k K) *Handle[K, V] {
	h := &Handle[K, V]{c: c, key: k}
	if e, ok := c.index.Load(k); ok {
		h.e.Store(e)
	}
	return h
}

// Key returns the handle's key.
func (h *Handle[K, V]) Key() K { return h.key }

// Get is Cache.Get of the handle's key. A hit costs one atomic load of the
// entry, one of its state and a clock read.
func (h *Handle[K, V]) Get(ctx context.Context) (V, error) {
	c := h.c
	if e := h.e.Load(); e != nil {
		if st := e.state.Load(); st != nil {
			now := c.now()
			if now < st.refreshAt { // phaseFresh's first case, inlined for the hit
				c.hit(e, now)
				return st.val, st.err
			}
			return c.read(ctx, e, st, now)
		}
	}
	e, err := c.entryFor(h.key)
	if err != nil {
		var zero V
		return zero, err
	}
	h.e.Store(e)
	return c.read(ctx, e, e.state.Load(), c.now())
}
