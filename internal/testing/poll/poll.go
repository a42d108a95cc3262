// Package poll waits in tests for something that happens on another
// goroutine: a background refresh, a watcher's notification.
package poll

import (
	"testing"
	"time"
)

// Until calls cond every millisecond until it returns true, failing t after
// 10 seconds. what says what is awaited.
func Until(t testing.TB, what string, cond func() bool) {
	t.Helper()
	UntilWithin(t, what, 10*time.Second, cond)
}

// UntilWithin is Until failing t after within.
func UntilWithin(t testing.TB, what string, within time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}
