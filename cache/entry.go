package cache

import "sync/atomic"

// usedGranularity is how stale an entry's last-use time may be. Writing it on
// every hit would make cores that read one entry fight over its cache line.
const usedGranularity = int64(1e6) // 1ms, in clock nanoseconds

// entry is one key's slot.
type entry[K comparable, V any] struct {
	// What a hit reads comes first, on the entry's first cache line.
	state atomic.Pointer[state[V]] // nil: never loaded, or removed
	used  atomic.Int64             // last use, on the cache's clock
	// loading mirrors flight != nil, for reads that need not lock to see
	// that a refresh is under way.
	loading atomic.Bool

	key   K
	group *group[K, V]
	solo  bool // loaded alone, never in a batch: its batch group's size for it is 1

	// Guarded by Cache.mu.
	flight   *flight[V]  // the latest load in flight, if any
	floor    uint64      // loads numbered below it may not store (Invalidate)
	forced   *flight[V]  // the latest forced load, while it runs
	dead     atomic.Bool // removed from the cache; written under Cache.mu
	queuedAt int64       // value of used when the entry was last queued for eviction
	prev     *entry[K, V]
	next     *entry[K, V]
	member   int // index in group.members
}

// lru is an intrusive list of entries, least recently queued first. Hits do
// not move entries (that would need a lock); eviction gives an entry used
// since it was queued a second chance at the back instead, which evicts the
// least recently used entry all the same.
type lru[K comparable, V any] struct {
	head, tail *entry[K, V]
	n          int
}

func (l *lru[K, V]) pushBack(e *entry[K, V]) {
	e.prev, e.next = l.tail, nil
	if l.tail != nil {
		l.tail.next = e
	} else {
		l.head = e
	}
	l.tail = e
	l.n++
}

func (l *lru[K, V]) remove(e *entry[K, V]) {
	if e.prev != nil {
		e.prev.next = e.next
	} else {
		l.head = e.next
	}
	if e.next != nil {
		e.next.prev = e.prev
	} else {
		l.tail = e.prev
	}
	e.prev, e.next = nil, nil
	l.n--
}

// oldest returns the least recently used entry, requeueing the entries in
// front of it that were used since they were queued.
func (l *lru[K, V]) oldest() *entry[K, V] {
	for range l.n {
		e := l.head
		used := e.used.Load()
		if used <= e.queuedAt {
			return e
		}
		l.remove(e)
		e.queuedAt = used
		l.pushBack(e)
	}
	return l.head
}
