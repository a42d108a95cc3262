package cache

import "sync/atomic"

// usedGranularity is how stale an entry's last-use time may be. Writing it on
// every hit would make cores that read one entry fight over its cache line.
const usedGranularity = int64(1e6) // 1ms, in clock nanoseconds

// entry is one key's slot. Its state is replaced, never modified, so a hit
// reads it with one atomic load.
type entry[K comparable, V any] struct {
	key K
	id  uint64 // unique per entry: names the entry's loads

	state      atomic.Pointer[state[V]] // nil: never loaded, or removed
	used       atomic.Int64             // last use, on the cache's clock
	refreshing atomic.Bool              // a background load is running

	// Guarded by Cache.mu.
	gen        uint64 // bumped by a forced refresh; a load of an older gen is not stored
	forcing    bool   // a forced refresh of the current gen has not completed
	dead       bool   // removed from the cache
	queuedAt   int64  // value of used when the entry was last queued for eviction
	prev, next *entry[K, V]
}

// state is what an entry holds at one moment. Times are nanoseconds on the
// cache's clock.
type state[V any] struct {
	val V
	err error // a cached load error (negative entry); val is the zero value

	loadedAt   int64 // when val was loaded
	refreshAt  int64 // from here a hit starts a background refresh
	expiresAt  int64 // from here val is stale
	staleUntil int64 // from here val is never served

	attemptAt int64 // when the latest load attempt finished
	retryAt   int64 // no background attempt before this
	failures  int   // consecutive failed refreshes since val was loaded
	lastErr   error // the latest of those failures
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
