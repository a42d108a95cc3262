package cache

import (
	"context"
	"errors"
	"sync"
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
// load is loading already share that load.
func (c *Cache[K, V]) GetMany(ctx context.Context, keys []K) ([]V, []error) {
	vals := make([]V, len(keys))
	errs := make([]error, len(keys))
	type want struct {
		e     *entry[K, V]
		at    []int
		f     *flight[V]
		stale *state[V] // what to serve if f stalls
	}
	byKey := make(map[K]*want, len(keys))
	wants := make([]*want, 0, len(keys))
	for i, k := range keys {
		if w := byKey[k]; w != nil {
			w.at = append(w.at, i)
			continue
		}
		e, err := c.entryFor(k)
		if err != nil {
			errs[i] = err
			continue
		}
		w := &want{e: e, at: []int{i}}
		byKey[k] = w
		wants = append(wants, w)
	}
	set := func(w *want, v V, err error) {
		for _, i := range w.at {
			vals[i], errs[i] = v, err
		}
	}

	now := c.clock.now()
	var launches []func()
	var hits, touched []*want
	var staleAges []int64
	var staleKeys []K
	claims := map[*group[K, V]][]*entry[K, V]{}
	claimedBy := map[*entry[K, V]]*want{}
	c.mu.Lock()
	for _, w := range wants {
		e := w.e
		if e.dead.Load() {
			set(w, *new(V), errEvicted)
			continue
		}
		st := e.state.Load()
		switch phaseOf(st, now, c.inFlightLocked(e, now), int64(c.opts.StaleWait)) {
		case phaseFresh, phaseNegative:
			set(w, st.val, st.err)
			hits = append(hits, w)
		case phaseAhead:
			launches = append(launches, c.refreshLocked(e, st, now, RefreshAhead))
			set(w, st.val, nil)
			hits = append(hits, w)
		case phaseStale:
			launches = append(launches, c.refreshLocked(e, st, now, RefreshRetry))
			set(w, st.val, nil)
			touched = append(touched, w)
			staleKeys = append(staleKeys, e.key)
			staleAges = append(staleAges, max(now-st.expiresAt, 0))
		default:
			if st != nil && st.err == nil && now < st.staleUntil {
				w.stale = st
			}
			if e.flight != nil {
				w.f = e.flight
				continue
			}
			claims[e.group] = append(claims[e.group], e)
			claimedBy[e] = w
		}
	}
	var groups [][]*job[K, V]
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
		groups = append(groups, jobs)
	}
	c.mu.Unlock()

	for _, w := range hits {
		c.hit(w.e, now)
	}
	for _, w := range touched {
		c.touch(w.e, now)
	}
	for i, k := range staleKeys {
		c.servedStale(k, staleAges[i])
	}
	for _, launch := range launches {
		launch()
	}
	for _, jobs := range groups {
		c.launchInTurn(jobs)
	}
	for _, w := range wants {
		if w.f == nil {
			continue
		}
		c.opts.Observer.Missed(w.e.key)
		v, err := c.await(ctx, w.e.key, w.f, w.stale, now)
		set(w, v, err)
	}
	return vals, errs
}

// errEvicted answers a key of a GetMany whose entry was evicted by the keys
// GetMany itself made room for: more distinct keys than MaxEntries.
var errEvicted = errors.New("evicted before it could be loaded: more keys than MaxEntries in one call")

// launchInTurn runs jobs[0] on a goroutine of its own, then the others at
// most maxConcurrentLoads at a time.
func (c *Cache[K, V]) launchInTurn(jobs []*job[K, V]) {
	c.loads.Add(1)
	go func() {
		defer c.loads.Done()
		c.runContained(jobs[0])
		sem := make(chan struct{}, maxConcurrentLoads)
		var wg sync.WaitGroup
		for _, j := range jobs[1:] {
			sem <- struct{}{}
			wg.Go(func() {
				defer func() { <-sem }()
				c.runContained(j)
			})
		}
		wg.Wait()
	}()
}

// A Stamp orders a value that reaches the cache without a load (Put)
// among its loads: take one just before fetching the value.
type Stamp uint64

// Stamp returns the stamp of a fetch that begins now.
func (c *Cache[K, V]) Stamp() Stamp {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	return Stamp(c.seq)
}

// Put stores v for k as if a load that began when s was taken had just
// returned it: for values that arrive another way than the loader (a
// listing of many keys at once). Like a load's result, it does not replace
// a value from a load that began after s, nor store after an Invalidate
// that came after s.
func (c *Cache[K, V]) Put(k K, v V, s Stamp) error {
	e, err := c.entryFor(k)
	if err != nil {
		return err
	}
	j := &job[K, V]{entries: []*entry[K, V]{e}, flights: []*flight[V]{{seq: uint64(s), done: make(chan struct{})}}}
	c.mu.Lock()
	c.running[j] = struct{}{}
	c.mu.Unlock()
	c.stats.stores.Add(1)
	c.answer(j, []Loaded[V]{{Value: v}}, nil)
	if err := j.flights[0].out.err; err != nil {
		return err
	}
	return nil
}
