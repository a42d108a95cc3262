package cache

import (
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// Disabled turns off a setting that can be off (Jitter, RefreshAhead,
// MaxStale, StaleWait, NegativeTTL, MinRefreshInterval, CoalesceAfter,
// ClockGranularity). It is an untyped constant, so it fits durations and
// fractions alike.
const Disabled = -1

// Clock tells the time. Tests substitute one to move time without sleeping.
type Clock interface {
	Now() time.Time
}

// Settings are the tunable parts of a cache's behaviour. They hold no types
// of the cache's keys or values, so a layer above a Cache (package secrets)
// can embed them in its own options and hand them over whole.
//
// Every field has one rule: zero takes the default given with it; Disabled
// (-1) turns off a feature that can be off; any other negative or
// out-of-range value, and a duration longer than MaxDuration, is an error
// of New, which names every such field.
type Settings struct {
	// TTL is how long a loaded value is fresh. Default 5 minutes.
	TTL time.Duration
	// Jitter spreads each value's TTL uniformly over ±Jitter×TTL, and,
	// with refresh ahead on, draws each value's first refresh anywhere
	// between its load and its normal refresh point, so that processes
	// started together do not refresh together. Default 0.1; at most 0.5.
	Jitter float64
	// RefreshAhead is the last fraction of a value's TTL during which a read
	// returns it at once and starts one background refresh. Default 0.2;
	// less than 1.
	RefreshAhead float64
	// MaxStale is how long past its TTL a value is still served while its
	// refreshes fail for a transient reason, or stall. Default 1 hour.
	MaxStale time.Duration
	// StaleWait is how long a read of an expired value that is within
	// MaxStale waits for its load before it is given that value (a stall is
	// an outage too); it waits at most half the time left before its
	// context's deadline. Once a load has been running StaleWait, reads do
	// not wait for it at all. The load goes on. Default 100 milliseconds.
	StaleWait time.Duration
	// MaxEntries bounds the number of entries; the least recently used one
	// is evicted to make room. Default 1024.
	MaxEntries int
	// NegativeTTL is how long a load's non-transient error is cached.
	// Default: errors are not cached.
	NegativeTTL time.Duration
	// LoadTimeout bounds each load: each call of the loader, and each call
	// of the batch loader (which gets at most the batch size of keys).
	// Loads run on a context detached from their callers' cancellation (it
	// keeps their values), so that one caller giving up does not fail the
	// others. Default 30 seconds.
	LoadTimeout time.Duration
	// MinRefreshInterval deduplicates forced refreshes: a Refresh within
	// this time of the start of the previous Refresh's load shares that
	// load's result instead of loading again. Default 1 second.
	MinRefreshInterval time.Duration
	// RetryBackoff is the delay before the first background retry after a
	// failed refresh; it doubles with each further failure, with jitter, up
	// to MaxRetryBackoff. Defaults 1 second and 1 minute.
	RetryBackoff    time.Duration
	MaxRetryBackoff time.Duration
	// CoalesceAfter is the fraction of their TTL past which values are
	// refreshed in the same batch call as another value of their batch
	// group whose background refresh is due (see Options.Batch); values
	// loaded with that one, or before it, and values in their own
	// refresh-ahead window are taken along too. Disabled refreshes every
	// value in a call of its own. Default 0.5; less than 1.
	CoalesceAfter float64
	// ClockGranularity is how often the clock that reads consult is
	// advanced, by a goroutine that runs only while the cache is read: a
	// read is then an atomic load instead of a system clock read, which on
	// many virtual machines costs more than the rest of a hit, and values
	// expire up to this much late. After about a second without reads the
	// goroutine stops; the next read reads the system clock and starts it
	// again. Disabled reads the system clock at every access: do that in a
	// process that is frozen between uses, such as an AWS Lambda function,
	// where a read right after a thaw would otherwise see the time of the
	// freeze. Ignored when Clock is set. Default 1 millisecond, the least.
	ClockGranularity time.Duration
	// Clock is the time source. Default: the system's monotonic clock.
	Clock Clock
	// Logger receives background refresh failures (at FailureLevel) and
	// watcher panics (at Error), with the key and the error, never a value.
	// A failure returned to a caller is the caller's to report and is not
	// logged. Default: none.
	Logger *slog.Logger
	// FailureLevel is the level background refresh failures are logged
	// at. Default slog.LevelWarn.
	FailureLevel slog.Leveler
}

// Defaults of [Settings].
const (
	DefaultTTL                = 5 * time.Minute
	DefaultJitter             = 0.1
	DefaultRefreshAhead       = 0.2
	DefaultMaxStale           = time.Hour
	DefaultStaleWait          = 100 * time.Millisecond
	DefaultMaxEntries         = 1024
	DefaultLoadTimeout        = 30 * time.Second
	DefaultMinRefreshInterval = time.Second
	DefaultRetryBackoff       = time.Second
	DefaultMaxRetryBackoff    = time.Minute
	DefaultCoalesceAfter      = 0.5
	DefaultClockGranularity   = time.Millisecond
)

// MaxDuration is the longest duration any setting takes, a year: longer
// ones are refused rather than capped, as a value that far off is a
// mistake (a unit dropped, a number meant as seconds), and deadlines
// beyond it would overflow the clock.
const MaxDuration = 365 * 24 * time.Hour

// ErrInvalidSettings is wrapped by the error of a setting out of range.
var ErrInvalidSettings = errors.New("invalid setting")

// SettingError is the error of one setting out of range.
type SettingError struct {
	Field string // the Settings field, such as "TTL"
	Value any    // the value it was given
	Want  string // what it takes, such as "a positive duration, 0 for the default or Disabled"
}

func (e *SettingError) Error() string {
	return fmt.Sprintf("%s: %s is %v; want %s", ErrInvalidSettings, e.Field, e.Value, e.Want)
}

// Unwrap makes errors.Is(err, ErrInvalidSettings) hold.
func (e *SettingError) Unwrap() error { return ErrInvalidSettings }

// Validate reports every setting that is out of range, each as a
// *SettingError naming it, joined with errors.Join; nil when all are valid.
func (s Settings) Validate() error {
	var errs []error
	bad := func(field string, v any, format string, args ...any) {
		errs = append(errs, &SettingError{Field: field, Value: v, Want: fmt.Sprintf(format, args...)})
	}
	for _, d := range s.durations() {
		switch {
		case d.d > MaxDuration:
			bad(d.name, d.d, "at most %v (a year)", MaxDuration)
		case d.d == Disabled && d.canBeOff, d.d >= 0:
		case d.canBeOff:
			bad(d.name, d.d, "a positive duration, 0 for the default or Disabled")
		default:
			bad(d.name, d.d, "a positive duration or 0 for the default")
		}
	}
	for _, f := range []struct {
		name string
		f    float64
		max  float64
		incl bool
	}{
		{"Jitter", s.Jitter, 0.5, true},
		{"RefreshAhead", s.RefreshAhead, 1, false},
		{"CoalesceAfter", s.CoalesceAfter, 1, false},
	} {
		if f.f == Disabled || f.f >= 0 && (f.f < f.max || f.incl && f.f == f.max) {
			continue
		}
		limit := "less than"
		if f.incl {
			limit = "at most"
		}
		bad(f.name, f.f, "a fraction %s %v, 0 for the default or Disabled", limit, f.max)
	}
	switch {
	case s.MaxEntries < 0:
		bad("MaxEntries", s.MaxEntries, "a positive number or 0 for the default")
	case s.ClockGranularity > 0 && s.ClockGranularity < DefaultClockGranularity:
		bad("ClockGranularity", s.ClockGranularity, "at least %v (a finer clock keeps a core busy) or Disabled", DefaultClockGranularity)
	case s.RetryBackoff > 0 && s.MaxRetryBackoff > 0 && s.MaxRetryBackoff < s.RetryBackoff:
		bad("MaxRetryBackoff", s.MaxRetryBackoff, "at least RetryBackoff, %v", s.RetryBackoff)
	}
	return errors.Join(errs...)
}

// durationSetting is one duration field of Settings, for Validate.
type durationSetting struct {
	name     string
	d        time.Duration
	canBeOff bool
}

func (s Settings) durations() []durationSetting {
	return []durationSetting{
		{"TTL", s.TTL, false},
		{"MaxStale", s.MaxStale, true},
		{"StaleWait", s.StaleWait, true},
		{"NegativeTTL", s.NegativeTTL, true},
		{"LoadTimeout", s.LoadTimeout, false},
		{"MinRefreshInterval", s.MinRefreshInterval, true},
		{"RetryBackoff", s.RetryBackoff, false},
		{"MaxRetryBackoff", s.MaxRetryBackoff, false},
		{"ClockGranularity", s.ClockGranularity, true},
	}
}

// withDefaults returns s with every zero field set to its default and every
// Disabled one set to zero, the internal "off". It assumes s is valid.
func (s Settings) withDefaults() Settings {
	s.TTL = duration(s.TTL, DefaultTTL)
	s.Jitter = fraction(s.Jitter, DefaultJitter)
	s.RefreshAhead = fraction(s.RefreshAhead, DefaultRefreshAhead)
	s.MaxStale = duration(s.MaxStale, DefaultMaxStale)
	s.StaleWait = duration(s.StaleWait, DefaultStaleWait)
	if s.MaxEntries == 0 {
		s.MaxEntries = DefaultMaxEntries
	}
	s.NegativeTTL = max(s.NegativeTTL, 0)
	s.LoadTimeout = duration(s.LoadTimeout, DefaultLoadTimeout)
	s.MinRefreshInterval = duration(s.MinRefreshInterval, DefaultMinRefreshInterval)
	s.RetryBackoff = duration(s.RetryBackoff, DefaultRetryBackoff)
	s.MaxRetryBackoff = max(duration(s.MaxRetryBackoff, DefaultMaxRetryBackoff), s.RetryBackoff)
	s.CoalesceAfter = fraction(s.CoalesceAfter, DefaultCoalesceAfter)
	s.ClockGranularity = duration(s.ClockGranularity, DefaultClockGranularity)
	if s.FailureLevel == nil {
		s.FailureLevel = slog.LevelWarn
	}
	return s
}

func fraction(f, def float64) float64 {
	switch {
	case f == 0:
		return def
	case f < 0:
		return 0
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
