package cache

import (
	"context"
	"errors"
	"log/slog"
	"time"
)

// Clock tells the time. Tests substitute one to move time without sleeping.
type Clock interface {
	Now() time.Time
}

// Options configures a [Cache]. A zero field takes the default given with it.
type Options[K comparable, V any] struct {
	// TTL is how long a loaded value is fresh. Default 5 minutes.
	TTL time.Duration
	// Jitter spreads each entry's TTL uniformly over ±Jitter×TTL so that
	// processes started together do not refresh together; with refresh
	// ahead on, it also draws an entry's first refresh uniformly between
	// its load and the normal refresh point. Default 0.1; negative
	// disables both.
	Jitter float64
	// RefreshAhead is the last fraction of an entry's TTL during which a hit
	// starts one background refresh and returns the current value at once.
	// Default 0.2; negative disables refresh ahead.
	RefreshAhead float64
	// MaxStale is how long past its expiry a value is still served while
	// refreshes fail for a transient reason (see IsTransient). Default
	// 1 hour; negative disables serving stale values.
	MaxStale time.Duration
	// MaxEntries bounds the number of entries; the least recently used one
	// is evicted to make room. Default 1024.
	MaxEntries int
	// NegativeTTL is how long a load's non-transient error is cached.
	// Default 0: errors are not cached.
	NegativeTTL time.Duration
	// LoadTimeout bounds each load. Loads run on a context detached from the
	// callers' cancellation (it keeps their values), so that one caller
	// giving up does not fail the others. Default 30 seconds.
	LoadTimeout time.Duration
	// MinRefreshInterval is the least time between two backend calls made by
	// Refresh for one key; a Refresh sooner than that returns the value just
	// fetched. Default 1 second; negative disables the limit.
	MinRefreshInterval time.Duration
	// RetryBackoff is the delay before the first background retry after a
	// failed refresh; it doubles with each further failure, with jitter, up
	// to MaxRetryBackoff. Defaults 1 second and 1 minute.
	RetryBackoff    time.Duration
	MaxRetryBackoff time.Duration
	// IsTransient reports whether a load error may be ridden out by serving
	// the last good value. Default: only context.DeadlineExceeded.
	IsTransient func(error) bool
	// SameVersion reports whether two loaded values are the same version;
	// watchers are told of a value only when it is not. Default: every load
	// is a new version.
	SameVersion func(old, new V) bool
	// CountHits makes Stats count hits. Counting needs an atomic add on every
	// hit, which on a multi-core machine costs more than the rest of a hit,
	// so it is off by default.
	CountHits bool
	// Clock is the time source. Default: the system's monotonic clock.
	Clock Clock
	// ClockGranularity, when positive, replaces the system clock read on
	// every access with a clock that a goroutine advances this often (at
	// least MinClockGranularity): on a virtual machine whose clock read
	// costs more than the rest of a hit, this makes hits several times
	// faster, and expiries are then late by up to this much. Do not set it
	// in a process that is frozen between uses, such as an AWS Lambda
	// function: until the goroutine runs again after a thaw, the clock
	// shows the time of the freeze and expired values are served as
	// fresh. Ignored when Clock is set. Default 0: every access reads the
	// system clock.
	ClockGranularity time.Duration
	// Logger receives refresh failures and watcher panics, at Warn and Error
	// level, with the key and the error, never a value. Default: none.
	Logger *slog.Logger
	// Stored is called, on the loading goroutine and with no lock held,
	// after a loaded value was stored for key: for work that should follow
	// a load without delaying its callers (it should start a goroutine for
	// anything slow). Default: none.
	Stored func(key K, v V)
}

// Defaults of [Options].
const (
	DefaultTTL                = 5 * time.Minute
	DefaultJitter             = 0.1
	DefaultRefreshAhead       = 0.2
	DefaultMaxStale           = time.Hour
	DefaultMaxEntries         = 1024
	DefaultLoadTimeout        = 30 * time.Second
	DefaultMinRefreshInterval = time.Second
	DefaultRetryBackoff       = time.Second
	DefaultMaxRetryBackoff    = time.Minute
)

// withDefaults returns o with every zero field set to its default and every
// negative "disable" value set to zero.
func (o Options[K, V]) withDefaults() Options[K, V] {
	if o.TTL <= 0 {
		o.TTL = DefaultTTL
	}
	o.Jitter = fraction(o.Jitter, DefaultJitter)
	o.RefreshAhead = fraction(o.RefreshAhead, DefaultRefreshAhead)
	o.MaxStale = duration(o.MaxStale, DefaultMaxStale)
	if o.MaxEntries <= 0 {
		o.MaxEntries = DefaultMaxEntries
	}
	if o.NegativeTTL < 0 {
		o.NegativeTTL = 0
	}
	if o.LoadTimeout <= 0 {
		o.LoadTimeout = DefaultLoadTimeout
	}
	o.MinRefreshInterval = duration(o.MinRefreshInterval, DefaultMinRefreshInterval)
	if o.RetryBackoff <= 0 {
		o.RetryBackoff = DefaultRetryBackoff
	}
	if o.MaxRetryBackoff <= 0 {
		o.MaxRetryBackoff = DefaultMaxRetryBackoff
	}
	if o.MaxRetryBackoff < o.RetryBackoff {
		o.MaxRetryBackoff = o.RetryBackoff
	}
	if o.IsTransient == nil {
		o.IsTransient = func(err error) bool { return errors.Is(err, context.DeadlineExceeded) }
	}
	return o
}

func fraction(f, def float64) float64 {
	switch {
	case f == 0:
		return def
	case f < 0:
		return 0
	case f > 1:
		return 1
	}
	return f
}

func duration(d, def time.Duration) time.Duration {
	switch {
	case d == 0:
		return def
	case d < 0:
		return 0
	}
	return d
}
