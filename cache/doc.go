// Package cache is a generic, concurrency-safe cache of values that are
// expensive to load and change now and then. It knows nothing of AWS or of
// secrets: package secrets builds its Client on it, and any program with
// values of that kind can use it directly — feature flags or configuration
// read from a service, tokens from an identity provider, DNS-like lookups,
// anything whose backend has a rate quota and an occasional outage.
//
// A [Cache] loads a missing value once however many goroutines ask for it at
// the same time (each waiter may give up on its own context without failing
// the others), serves a hit without a lock or an allocation, refreshes a value
// in the background shortly before it expires, keeps serving the last good
// value for a bounded time when a refresh fails for a transient reason or
// stalls, notifies watchers once per new version and in order, and evicts the
// least recently used entry when full. Keys of a batch group (one backend,
// one region) are loaded together in batch calls, and their background
// refreshes are coalesced and slowed down together when the backend
// throttles.
//
// Each entry is in one of a few phases, decided in one place from its
// state, the time and its load in flight: fresh, refresh-ahead, expired,
// stale, missing. Get, Handle.Get and GetMany act on the phase alike. A
// load's result is weighed in one place too: loads are numbered as they
// begin, and a result never replaces one from a load that began after it.
//
// Concurrent misses of one key share one load, as with
// golang.org/x/sync/singleflight, but through a flight held by the key's
// entry rather than a singleflight.Group: a GetMany claims the flights of
// many keys at once, under the same lock and load number that orders their
// results, which a Group keyed by one string cannot do.
//
// Expiry is checked when a value is read, never by a timer: a process that
// was suspended (an AWS Lambda execution environment between invocations)
// sees expired values as expired at its next read, whether or not any
// background goroutine has run since it woke up — with the exact clock; the
// default coarse clock catches up within about a millisecond of the
// process's resuming (see Settings.ClockGranularity).
package cache
