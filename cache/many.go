package cache

import (
	"context"

	"golang.org/x/sync/errgroup"
)

// maxConcurrentLoads bounds the batch loader calls one GetMany makes at
// once for one batch group.
const maxConcurrentLoads = 8

// GetMany returns the value of each key as Get would, in the order of keys.
// The keys it must load are loaded with Options.BatchLoad, in chunks of at
// most their batch group's size, each chunk one call bounded by its own
// LoadTimeout. The first chunk of a group runs alone, and the others, at
// most maxConcurrentLoads at a time, after it: what it learns (a batch call
// refused, a throttled backend) then serves the rest. Keys that another
// load is loading already share that load. Every key's value is returned,
// even when there are more keys than MaxEntries: the cache keeps what fits.
func (c *Cache[K, V]) GetMany(ctx context.Context, keys []K) ([]V, []error) {
	out := answers[V]{vals: make([]V, len(keys)), errs: make([]error, len(keys))}
	wants := c.wantsFor(keys, &out)
	now := c.clock.now()
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		for _, w := range wants {
			out.set(w.at, *new(V), ErrClosed)
		}
		return out.vals, out.errs
	}
	p := c.planLocked(ctx, wants, now, &out)
	c.mu.Unlock()
	for _, w := range p.served {
		c.served(w.e, w.st, w.s, now)
		w.s.launch()
	}
	for _, jobs := range p.groups {
		c.launchInTurn(jobs)
	}
	for _, w := range wants {
		if w.f == nil {
			continue
		}
		c.opts.Observer.Missed(w.e.key)
		v, err := c.await(ctx, w.e.key, w.f, w.s.fallback)
		out.set(w.at, v, err)
	}
	return out.vals, out.errs
}

// answers are a GetMany's results, by position of its keys.
type answers[V any] struct {
	vals []V
	errs []error
}

func (a *answers[V]) set(at []int, v V, err error) {
	for _, i := range at {
		a.vals[i], a.errs[i] = v, err
	}
}

// want is one distinct key of a GetMany: its entry, where the key stands
// in the call, and how it is answered.
type want[K comparable, V any] struct {
	e  *entry[K, V]
	at []int
	st *state[V] // the state step was decided on
	s  step[V]
	f  *flight[V] // the load it waits for, when it does
}

// wantsFor returns the distinct keys of keys with their entries, answering
// in out the positions whose entry cannot be had (the cache is closed).
func (c *Cache[K, V]) wantsFor(keys []K, out *answers[V]) []*want[K, V] {
	byKey := make(map[K]*want[K, V], len(keys))
	wants := make([]*want[K, V], 0, len(keys))
	for i, k := range keys {
		if w := byKey[k]; w != nil {
			w.at = append(w.at, i)
			continue
		}
		e, err := c.entryFor(k)
		if err != nil {
			out.errs[i] = err
			continue
		}
		w := &want[K, V]{e: e, at: []int{i}}
		byKey[k] = w
		wants = append(wants, w)
	}
	return wants
}

// plan is what a GetMany does once its lock is released.
type plan[K comparable, V any] struct {
	served []*want[K, V]  // answered from their state
	groups [][]*job[K, V] // the loads it began, by batch group
}

// planLocked decides each want's step, answers in out the ones served at
// once, and begins the loads of the others that no load serves yet: for
// each batch group, chunks of at most its size, and a job of its own for a
// key loaded alone. An entry evicted since wantsFor (by this call's own
// keys, when there are more than MaxEntries) holds nothing and is loaded
// like a missing one; its value is returned and not kept.
func (c *Cache[K, V]) planLocked(ctx context.Context, wants []*want[K, V], now int64, out *answers[V]) plan[K, V] {
	var p plan[K, V]
	var claims map[*group[K, V]][]*entry[K, V]
	claimedBy := map[*entry[K, V]]*want[K, V]{}
	for _, w := range wants {
		w.st = w.e.state.Load()
		w.s = c.stepLocked(w.e, w.st, now)
		switch {
		case w.s.serve:
			out.set(w.at, w.st.val, w.st.err)
			p.served = append(p.served, w)
		case w.e.flight != nil:
			w.f = w.e.flight
		case w.e.solo:
			j, f := c.beginJobLocked(ctx, []*entry[K, V]{w.e}, now, 0)
			w.f = f
			p.groups = append(p.groups, []*job[K, V]{j})
		default:
			if claims == nil {
				claims = map[*group[K, V]][]*entry[K, V]{}
			}
			claims[w.e.group] = append(claims[w.e.group], w.e)
			claimedBy[w.e] = w
		}
	}
	for g, entries := range claims {
		var jobs []*job[K, V]
		for len(entries) > 0 {
			n := min(len(entries), g.max)
			j, _ := c.beginJobLocked(ctx, entries[:n], now, 0)
			for i, e := range j.entries {
				claimedBy[e].f = j.flights[i]
			}
			jobs = append(jobs, j)
			entries = entries[n:]
		}
		p.groups = append(p.groups, jobs)
	}
	return p
}

// launchInTurn runs jobs[0] on a goroutine of its own, then the others at
// most maxConcurrentLoads at a time. Each was counted in c.loads when it
// began.
func (c *Cache[K, V]) launchInTurn(jobs []*job[K, V]) {
	go func() {
		c.runCounted(jobs[0])
		var g errgroup.Group
		g.SetLimit(maxConcurrentLoads)
		for _, j := range jobs[1:] {
			g.Go(func() error {
				c.runCounted(j)
				return nil
			})
		}
		_ = g.Wait() // runContained answers every failure through the flights
	}()
}

// runCounted runs j and counts it done in c.loads.
func (c *Cache[K, V]) runCounted(j *job[K, V]) {
	defer c.loads.Done()
	c.runContained(j)
}
