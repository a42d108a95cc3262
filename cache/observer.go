package cache

import "time"

// Refresh says why a cache loads a key it holds a value for.
type Refresh int

// Kinds of refresh.
const (
	// RefreshAhead: a read found the value in its refresh-ahead window, or
	// expired, or a watched key came due.
	RefreshAhead Refresh = iota + 1
	// RefreshRetry: a background retry after a failed refresh.
	RefreshRetry
	// RefreshForced: a caller asked for it (Refresh).
	RefreshForced
	// RefreshCoalesced: the key was refreshed in the batch call of another
	// key of its batch group whose refresh was due.
	RefreshCoalesced
)

func (r Refresh) String() string {
	switch r {
	case RefreshAhead:
		return "ahead"
	case RefreshRetry:
		return "retry"
	case RefreshForced:
		return "forced"
	case RefreshCoalesced:
		return "coalesced"
	}
	return "unknown"
}

// Observer is told what a Cache does, for metrics and traces. Its methods
// are called with no lock of the cache held, on the goroutine that did the
// work, never on the path of a hit (hits are counted in Stats). They must
// be fast and safe for concurrent use. Keys are passed for observers that
// need them; an observer that exports metrics should not use them as
// attributes (they may be sensitive, and they are unbounded).
type Observer[K comparable] interface {
	// Missed is told of a read that waits for a load of key (it may yet be
	// served stale, when the load stalls).
	Missed(key K)
	// ServedStale is told of a read answered with key's value age past
	// its expiry, because its refreshes failed or stalled.
	ServedStale(key K, age time.Duration)
	// Refreshing is told of a load of keys that the cache holds values
	// for, before it starts: one key, or a batch.
	Refreshing(keys []K, why Refresh)
	// Evicted is told of key's entry dropped to stay within MaxEntries.
	Evicted(key K)
	// NewVersion is told of a loaded value of key that SameVersion says
	// differs from the one it replaces.
	NewVersion(key K)
	// Delivered is told of a call of a watch function of key.
	Delivered(key K)
}

type noObserver[K comparable] struct{}

func (noObserver[K]) Missed(K)                     {}
func (noObserver[K]) ServedStale(K, time.Duration) {}
func (noObserver[K]) Refreshing([]K, Refresh)      {}
func (noObserver[K]) Evicted(K)                    {}
func (noObserver[K]) NewVersion(K)                 {}
func (noObserver[K]) Delivered(K)                  {}

// contained passes events to an Observer, recovering its panics: an
// observer's bug must not fail a load or end the process. A panic's value
// is not logged (it could hold a value); its type is.
type contained[K comparable] struct {
	o   Observer[K]
	log func(r any)
}

func (c contained[K]) recover() {
	if r := recover(); r != nil {
		c.log(r)
	}
}

func (c contained[K]) Missed(k K) { defer c.recover(); c.o.Missed(k) }
func (c contained[K]) ServedStale(k K, age time.Duration) {
	defer c.recover()
	c.o.ServedStale(k, age)
}
func (c contained[K]) Refreshing(ks []K, why Refresh) { defer c.recover(); c.o.Refreshing(ks, why) }
func (c contained[K]) Evicted(k K)                    { defer c.recover(); c.o.Evicted(k) }
func (c contained[K]) NewVersion(k K)                 { defer c.recover(); c.o.NewVersion(k) }
func (c contained[K]) Delivered(k K)                  { defer c.recover(); c.o.Delivered(k) }
