package cache

import "sync/atomic"

// Stats counts what a Cache has done since it was made.
type Stats struct {
	Hits        uint64 // reads answered from the cache; counted only with Options.CountHits
	Misses      uint64 // reads that waited for a load
	Loads       uint64 // values loaded: loader calls, plus each key of a batch load and each Put
	LoadErrors  uint64 // loads that failed
	StaleServes uint64 // reads answered with an expired value because refreshes failed
	Refreshes   uint64 // background and forced refreshes started
	Evictions   uint64 // entries dropped to stay within Options.MaxEntries
	Entries     int    // entries held now
}

type counters struct {
	hits, misses, loads, loadErrors, staleServes, refreshes, evictions atomic.Uint64
}

// Stats returns the cache's counters.
func (c *Cache[K, V]) Stats() Stats {
	return Stats{
		Hits:        c.stats.hits.Load(),
		Misses:      c.stats.misses.Load(),
		Loads:       c.stats.loads.Load(),
		LoadErrors:  c.stats.loadErrors.Load(),
		StaleServes: c.stats.staleServes.Load(),
		Refreshes:   c.stats.refreshes.Load(),
		Evictions:   c.stats.evictions.Load(),
		Entries:     c.Len(),
	}
}
