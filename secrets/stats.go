package secrets

// Stats counts what a Client's cache has done since New.
type Stats struct {
	Hits        uint64 // reads answered at once with a value that is not expired
	Misses      uint64 // reads that waited for a fetch and got its result
	StaleServes uint64 // reads answered with an expired value, because fetching it failed or stalled
	Fetches     uint64 // values fetched: one per secret of every backend call
	FetchErrors uint64 // fetches that failed
	Listed      uint64 // values cached from GetPath listings
	Refreshes   uint64 // background and forced fetches of values the cache held
	Evictions   uint64 // values dropped to stay within Options.MaxEntries
	Entries     int    // values cached now
	// Every read is counted once, in Hits, Misses or StaleServes.

	Failovers uint64        // fetches a region other than the secret's own answered
	Hedges    uint64        // calls to another region made because the secret's was slow
	Regions   []RegionStats // each provider's breaker in each region it called
}

// Stats returns the counters of the Client's cache.
func (c *Client) Stats() Stats {
	s := c.cache.Stats()
	return Stats{
		Hits:        s.Hits,
		Misses:      s.Misses,
		StaleServes: s.StaleServes,
		Fetches:     s.Loads,
		FetchErrors: s.LoadErrors,
		Listed:      s.Stores,
		Refreshes:   s.Refreshes,
		Evictions:   s.Evictions,
		Entries:     s.Entries,
		Failovers:   c.regions.failovers.Load(),
		Hedges:      c.regions.hedges.Load(),
		Regions:     c.regions.states(),
	}
}
