package cache

import (
	"context"
	"fmt"
)

// BatchLoader loads several keys in one go. It returns one value and one
// error per key, in the order of keys.
type BatchLoader[K comparable, V any] func(ctx context.Context, keys []K) ([]V, []error)

// batched is one key of a batch load: its entry, the generation the load
// started at, and where its result goes in the caller's slices.
type batched[K comparable, V any] struct {
	e   *entry[K, V]
	gen uint64
	at  []int
}

// GetMany returns the value of each key as Get would, in the order of
// keys, except that the keys the cache holds no usable value for are loaded
// together, with one call of load. Values it loads are stored as Get's are.
// A concurrent Get of a key that GetMany is loading may load it again.
func (c *Cache[K, V]) GetMany(ctx context.Context, keys []K, load BatchLoader[K, V]) ([]V, []error) {
	vals := make([]V, len(keys))
	errs := make([]error, len(keys))
	var todo []*batched[K, V]
	byKey := map[K]*batched[K, V]{}
	now := c.now()
	for i, k := range keys {
		if b := byKey[k]; b != nil {
			b.at = append(b.at, i)
			continue
		}
		e, err := c.entryFor(k)
		if err != nil {
			errs[i] = err
			continue
		}
		if v, err, ok := c.cached(e, e.state.Load(), now); ok {
			vals[i], errs[i] = v, err
			continue
		}
		b := &batched[K, V]{e: e, at: []int{i}}
		byKey[k] = b
		todo = append(todo, b)
	}
	if len(todo) == 0 {
		return vals, errs
	}
	c.stats.misses.Add(uint64(len(todo)))
	c.mu.Lock()
	for _, b := range todo {
		b.gen = b.e.gen
	}
	c.mu.Unlock()

	done := make(chan []*outcome[V], 1)
	go func() { done <- c.runBatch(ctx, todo, load) }()
	select {
	case outs := <-done:
		for j, b := range todo {
			v, err := outs[j].result(&c.stats)
			for _, i := range b.at {
				vals[i], errs[i] = v, err
			}
		}
	case <-ctx.Done():
		for _, b := range todo {
			for _, i := range b.at {
				errs[i] = ctx.Err()
			}
		}
	}
	return vals, errs
}

// runBatch loads the keys of todo with one call of load and stores the
// results as runLoad does.
func (c *Cache[K, V]) runBatch(parent context.Context, todo []*batched[K, V], load BatchLoader[K, V]) []*outcome[V] {
	outs := make([]*outcome[V], len(todo))
	ctx, end, ok := c.beginLoad(parent)
	if !ok {
		for j := range outs {
			outs[j] = &outcome[V]{err: ErrClosed}
		}
		return outs
	}
	defer end()

	keys := make([]K, len(todo))
	for j, b := range todo {
		keys[j] = b.e.key
	}
	c.stats.loads.Add(uint64(len(keys)))
	vals, errs := c.callBatchLoader(ctx, load, keys)
	for j, b := range todo {
		outs[j] = c.complete(b.e, b.gen, vals[j], errs[j])
	}
	return outs
}

// callBatchLoader calls load, turning a panic or a malformed answer into an
// error for every key.
func (c *Cache[K, V]) callBatchLoader(ctx context.Context, load BatchLoader[K, V], keys []K) (vals []V, errs []error) {
	fail := func(err error) {
		vals, errs = make([]V, len(keys)), make([]error, len(keys))
		for j := range errs {
			errs[j] = err
		}
	}
	defer func() {
		if r := recover(); r != nil {
			fail(panicError(r))
		}
	}()
	vals, errs = load(ctx, keys)
	if len(vals) != len(keys) || len(errs) != len(keys) {
		fail(fmt.Errorf("batch loader returned %d values and %d errors for %d keys", len(vals), len(errs), len(keys)))
	}
	return vals, errs
}

// Put stores v for k as if it had just been loaded: for values that arrive
// by another way than the loader (a listing of many keys at once).
func (c *Cache[K, V]) Put(k K, v V) error {
	e, err := c.entryFor(k)
	if err != nil {
		return err
	}
	c.mu.Lock()
	gen := e.gen
	c.mu.Unlock()
	c.stats.loads.Add(1)
	return c.complete(e, gen, v, nil).err
}
