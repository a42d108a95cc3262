package cache

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// Loaded is the outcome of loading one key.
type Loaded[V any] struct {
	Value V
	Err   error
	// TTL, when positive, is how long Value is fresh instead of
	// Settings.TTL (jitter applies to it too).
	TTL time.Duration
	// ExpiresBy, when not zero, is a time by which Value must be loaded
	// again, such as a scheduled rotation of a secret: Value expires then
	// if that comes before its TTL runs out.
	ExpiresBy time.Time
	// FromReplica says Value was read from a copy that may lag its source
	// (a replica in another region, while the source's region is down). It
	// replaces a cached value only when Options.Newer says it is newer;
	// otherwise the cached value is kept, and counted as loaded again: the
	// copy confirms that nothing newer is to be had.
	FromReplica bool
}

// Loader loads the value for a key. It is called with a context that is
// detached from the callers' cancellation, bounded by Settings.LoadTimeout
// and cancelled by Close, and must honour it.
type Loader[K comparable, V any] func(ctx context.Context, key K) Loaded[V]

// BatchLoader loads several keys of one batch group in one go, such as one
// call of a backend's batch API. It returns one Loaded per key, in the
// order of keys. It is called with a context like a Loader's, bounded by
// Settings.LoadTimeout.
type BatchLoader[K comparable, V any] func(ctx context.Context, keys []K) []Loaded[V]

// Options configures a [Cache]: its Settings and what it needs to know
// about its keys and values. A zero field takes the default given with it.
type Options[K comparable, V any] struct {
	Settings
	// IsTransient reports whether a load error may be ridden out by serving
	// the last good value. Default: only context.DeadlineExceeded.
	IsTransient func(error) bool
	// IsThrottled reports whether a load error says the backend refuses
	// calls over a rate quota: background refreshes of the key's batch
	// group then slow down for every key of the group, and speed up again
	// as refreshes succeed. Default: no error is.
	IsThrottled func(error) bool
	// SameVersion reports whether two loaded values are the same version;
	// watchers are told of a value only when it is not. Default: every load
	// is a new version.
	SameVersion func(old, new V) bool
	// Newer reports whether a is known to be a later version than b. Only
	// values loaded with Loaded.FromReplica are weighed with it. Default: no
	// value is known to be newer, so a replica's value never replaces a
	// cached one.
	Newer func(a, b V) bool
	// Batch puts a key in a batch group, whose keys BatchLoad loads
	// together, at most max at a time, and whose background refreshes are
	// coalesced and slowed down together (throttling). A key for which it
	// gives max 1 is loaded alone, with the Loader, and never coalesced,
	// though it is paced with its group. The cache does the grouping, the
	// chunking and the fan-out: BatchLoad gets one group's keys, at most
	// max. Default: every key is in one group, "", with max 1: each key is
	// loaded alone, and a throttled load slows every key's background
	// refreshes, as of one backend.
	Batch func(key K) (group string, max int)
	// BatchLoad loads keys of one batch group together. Required when
	// Batch gives groups of more than one.
	BatchLoad BatchLoader[K, V]
	// Observer is told what the cache does, for metrics and traces.
	// Default: none.
	Observer Observer[K]
}

// validate reports what is wrong with o.
func (o *Options[K, V]) validate() error {
	if err := o.Settings.Validate(); err != nil {
		return err
	}
	if o.Batch != nil && o.BatchLoad == nil {
		return errors.New("cache: Options.Batch is set and Options.BatchLoad is not")
	}
	return nil
}

// withDefaults returns o with every default filled in.
func (o Options[K, V]) withDefaults() Options[K, V] {
	o.Settings = o.Settings.withDefaults()
	if o.IsTransient == nil {
		o.IsTransient = func(err error) bool { return errors.Is(err, context.DeadlineExceeded) }
	}
	if o.IsThrottled == nil {
		o.IsThrottled = func(error) bool { return false }
	}
	if o.Newer == nil {
		o.Newer = func(V, V) bool { return false }
	}
	if o.Batch == nil {
		o.Batch = func(K) (string, int) { return "", 1 }
	}
	if o.Observer == nil {
		o.Observer = noObserver[K]{}
	} else {
		logger := o.Logger
		o.Observer = contained[K]{o: o.Observer, log: func(r any) {
			if logger != nil {
				logger.Error("cache: observer panicked", slog.String("panic", fmt.Sprintf("a %T", r)))
			}
		}}
	}
	return o
}
