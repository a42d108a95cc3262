// Package cache is a generic, concurrency-safe cache of values that are
// expensive to load and change now and then: it knows nothing of AWS or of
// secrets.
//
// A [Cache] loads a missing value once however many goroutines ask for it at
// the same time (each waiter may give up on its own context without failing
// the others), serves a hit without a lock or an allocation, refreshes a value
// in the background shortly before it expires, keeps serving the last good
// value for a bounded time when a refresh fails for a transient reason,
// notifies watchers once per new version, and evicts the least recently used
// entry when full.
//
// Expiry is checked when a value is read, never by a timer: a process that
// was suspended (an AWS Lambda execution environment between invocations)
// sees expired values as expired at its next read, whether or not any
// background goroutine has run since it woke up.
package cache
