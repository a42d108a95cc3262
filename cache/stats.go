package cache

import (
	"sync/atomic"
	"unsafe"
)

// Stats counts what a Cache has done since it was made.
type Stats struct {
	Hits        uint64 // reads answered at once with a value that is not expired
	Misses      uint64 // reads that waited for a load and got its result
	StaleServes uint64 // reads answered with an expired value, because its refreshes failed or stalled
	// Every read is counted once, in Hits, Misses or StaleServes.
	Loads      uint64 // keys loaded: one per Loader call, one per key of a BatchLoader call
	LoadErrors uint64 // keys whose load failed
	Stores     uint64 // values stored without a load (Put)
	Refreshes  uint64 // loads of keys the cache held a value for: background, forced and coalesced
	Evictions  uint64 // entries dropped to stay within MaxEntries
	Entries    int    // entries held now
}

// hitShards is how many counters hits are spread over. A hit adds to the
// one of its goroutine's stack (see add), so that goroutines reading at
// once on different cores rarely share a cache line.
const (
	hitShardBits = 5
	hitShards    = 1 << hitShardBits
)

// hitCounter counts hits without making every hit write one cache line.
type hitCounter struct {
	shards [hitShards]struct {
		n atomic.Uint64
		_ [56]byte // one shard per 64-byte cache line
	}
}

// add counts a hit in the shard of the calling goroutine's stack: the
// address of a local variable tells goroutines apart as well as a random
// draw, costs nothing to compute, and keeps one goroutine on one shard.
func (h *hitCounter) add() {
	var here byte
	// Fibonacci hashing of the stack's address, in units of 1 KiB: stacks
	// are at least 2 KiB apart, and their addresses share low bits.
	i := uint64(uintptr(unsafe.Pointer(&here))>>10) * 0x9E3779B97F4A7C15 >> (64 - hitShardBits)
	h.shards[i].n.Add(1)
}

func (h *hitCounter) sum() uint64 {
	var n uint64
	for i := range h.shards {
		n += h.shards[i].n.Load()
	}
	return n
}

type counters struct {
	hits                                                                 hitCounter
	misses, staleServes, loads, loadErrors, stores, refreshes, evictions atomic.Uint64
}

// Stats returns the cache's counters.
func (c *Cache[K, V]) Stats() Stats {
	return Stats{
		Hits:        c.stats.hits.sum(),
		Misses:      c.stats.misses.Load(),
		StaleServes: c.stats.staleServes.Load(),
		Loads:       c.stats.loads.Load(),
		LoadErrors:  c.stats.loadErrors.Load(),
		Stores:      c.stats.stores.Load(),
		Refreshes:   c.stats.refreshes.Load(),
		Evictions:   c.stats.evictions.Load(),
		Entries:     c.Len(),
	}
}
