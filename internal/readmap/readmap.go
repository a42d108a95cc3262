// Package readmap provides a map for read-mostly workloads whose Load takes no
// lock and allocates nothing once a key has been published.
//
// It keeps an authoritative map behind a mutex and publishes an immutable
// copy of it through an atomic pointer. Writes go to the authoritative map;
// the copy is republished after as many Loads have missed it as the map has
// keys, so the cost of copying is spread over the Loads that needed it.
package readmap

import (
	"sync"
	"sync/atomic"
)

// Map is a read-mostly map. The zero value is empty and ready to use.
// A Map is safe for concurrent use by multiple goroutines.
//
// A Load may return a value whose key was deleted after the last
// publication: store values that record their own removal when that
// matters.
type Map[K comparable, V any] struct {
	read atomic.Pointer[map[K]V]

	mu     sync.Mutex
	all    map[K]V // authoritative; guarded by mu
	stale  bool    // read differs from all; guarded by mu
	misses int     // Loads that fell through to all since the last publication; guarded by mu
}

// Load returns the value stored for k.
func (m *Map[K, V]) Load(k K) (V, bool) {
	if r := m.read.Load(); r != nil {
		if v, ok := (*r)[k]; ok {
			return v, true
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.all[k]
	m.missLocked()
	return v, ok
}

// LoadExact returns the value stored for k now, skipping the published copy.
// Call it when a value from Load turned out to be stale; like a Load that
// missed, it counts toward republishing the copy.
func (m *Map[K, V]) LoadExact(k K) (V, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.all[k]
	m.missLocked()
	return v, ok
}

// Store sets the value for k.
func (m *Map[K, V]) Store(k K, v V) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.all == nil {
		m.all = make(map[K]V)
	}
	m.all[k] = v
	m.stale = true
}

// Delete removes k.
func (m *Map[K, V]) Delete(k K) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.all[k]; ok {
		delete(m.all, k)
		m.stale = true
	}
}

// Clear removes every key and publishes the empty map at once.
func (m *Map[K, V]) Clear() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.all = nil
	m.stale = false
	m.misses = 0
	m.read.Store(nil)
}

// Len returns the number of keys.
func (m *Map[K, V]) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.all)
}

// Range calls f for each key and value until f returns false. f runs with
// m's lock held and must not call m.
func (m *Map[K, V]) Range(f func(K, V) bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for k, v := range m.all {
		if !f(k, v) {
			return
		}
	}
}

func (m *Map[K, V]) missLocked() {
	if !m.stale {
		return
	}
	m.misses++
	if m.misses < len(m.all) {
		return
	}
	snapshot := make(map[K]V, len(m.all))
	for k, v := range m.all {
		snapshot[k] = v
	}
	m.read.Store(&snapshot)
	m.stale = false
	m.misses = 0
}
