package cache

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
	return j.flights[0].out.err
}
