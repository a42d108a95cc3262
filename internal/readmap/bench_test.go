package readmap

import (
	"fmt"
	"sync"
	"testing"
)

// The alternatives a read-mostly index could be: what Map gains over each
// is in BENCHMARKS.md ("What the read map and the recent table gain").

// refKey has the shape of a cache key of package secrets (secrets.Ref).
type refKey struct {
	Scheme, Name, Region, Key, Stage, VersionID string
	SkipDecryption                              bool
}

const arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/payments/db-AbCdEf"

type index[K comparable] interface {
	load(K) (int, bool)
	store(K, int)
}

type readIndex[K comparable] struct{ m Map[K, int] }

func (r *readIndex[K]) load(k K) (int, bool) { return r.m.Load(k) }
func (r *readIndex[K]) store(k K, v int)     { r.m.Store(k, v) }

type syncIndex[K comparable] struct{ m sync.Map }

func (s *syncIndex[K]) load(k K) (int, bool) {
	v, ok := s.m.Load(k)
	if !ok {
		return 0, false
	}
	return v.(int), true
}
func (s *syncIndex[K]) store(k K, v int) { s.m.Store(k, v) }

type lockedIndex[K comparable] struct {
	mu sync.RWMutex
	m  map[K]int
}

func (l *lockedIndex[K]) load(k K) (int, bool) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	v, ok := l.m[k]
	return v, ok
}
func (l *lockedIndex[K]) store(k K, v int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.m == nil {
		l.m = map[K]int{}
	}
	l.m[k] = v
}

// benchIndex measures a hit of one of 1,000 keys, serially and on every
// core.
func benchIndex[K comparable](b *testing.B, name string, fresh func() index[K], keys []K) {
	b.Run(name, func(b *testing.B) {
		ix := fresh()
		for i, k := range keys {
			ix.store(k, i)
		}
		for range 2 * len(keys) { // publish the read copy
			ix.load(keys[0])
		}
		b.Run("serial", func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				if _, ok := ix.load(keys[i%len(keys)]); !ok {
					b.Fatal("miss")
				}
			}
		})
		b.Run("parallel", func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for i := 0; pb.Next(); i++ {
					if _, ok := ix.load(keys[i%len(keys)]); !ok {
						b.Fatal("miss")
					}
				}
			})
		})
	})
}

func BenchmarkIndexHit(b *testing.B) {
	var refs []refKey
	var names []string
	for i := range 1000 {
		name := fmt.Sprintf("%s%04d", arn, i)
		names = append(names, name)
		refs = append(refs, refKey{Scheme: "sm", Name: name, Region: "eu-west-1"})
	}
	b.Run("ref", func(b *testing.B) {
		benchIndex(b, "readmap", func() index[refKey] { return &readIndex[refKey]{} }, refs)
		benchIndex(b, "sync.Map", func() index[refKey] { return &syncIndex[refKey]{} }, refs)
		benchIndex(b, "RWMutex", func() index[refKey] { return &lockedIndex[refKey]{} }, refs)
	})
	b.Run("arn", func(b *testing.B) {
		benchIndex(b, "readmap", func() index[string] { return &readIndex[string]{} }, names)
		benchIndex(b, "sync.Map", func() index[string] { return &syncIndex[string]{} }, names)
		benchIndex(b, "RWMutex", func() index[string] { return &lockedIndex[string]{} }, names)
	})
}
