package cache_test

import (
	"context"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/secretref/secretref/cache"
)

// Sinks keep the compiler from discarding the results of the calls measured.
var (
	sinkString string
	sinkErr    error
)

// benchKey is long enough to be hashed like a real secret name.
const benchKey = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf"

// identity loads a key as its own value, at once.
func identity(_ context.Context, k string) cache.Loaded[string] {
	return cache.Loaded[string]{Value: k}
}

// warmCache returns a cache holding keys, with every hit path published.
func warmCache(b *testing.B, keys ...string) *cache.Cache[string, string] {
	b.Helper()
	c, err := cache.New(identity)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(c.Close)
	ctx := context.Background()
	// A key's first reads go through the cache's lock until the lock-free
	// index is republished; several passes make every key a true hit.
	for range 3 {
		for _, k := range keys {
			if _, err := c.Get(ctx, k); err != nil {
				b.Fatal(err)
			}
		}
	}
	return c
}

// BenchmarkGetHit reads one cached key by key on one goroutine.
func BenchmarkGetHit(b *testing.B) {
	c := warmCache(b, benchKey)
	ctx := context.Background()
	b.ReportAllocs()
	var v string
	var err error
	for b.Loop() {
		v, err = c.Get(ctx, benchKey)
	}
	sinkString, sinkErr = v, err
}

// BenchmarkHandleGetHit reads one cached key through a Handle, which skips
// the look-up.
func BenchmarkHandleGetHit(b *testing.B) {
	c := warmCache(b, benchKey)
	h := c.Handle(benchKey)
	ctx := context.Background()
	b.ReportAllocs()
	var v string
	var err error
	for b.Loop() {
		v, err = h.Get(ctx)
	}
	sinkString, sinkErr = v, err
}

// BenchmarkGetHitParallel reads one cached key by key on GOMAXPROCS
// goroutines.
func BenchmarkGetHitParallel(b *testing.B) {
	c := warmCache(b, benchKey)
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		v, err := benchKey, error(nil)
		for pb.Next() {
			v, err = c.Get(ctx, benchKey)
		}
		if err != nil || v != benchKey {
			b.Error("hit returned the wrong value")
		}
	})
}

// BenchmarkHandleGetHitParallel reads one cached key through a Handle on
// GOMAXPROCS goroutines.
func BenchmarkHandleGetHitParallel(b *testing.B) {
	c := warmCache(b, benchKey)
	h := c.Handle(benchKey)
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		v, err := benchKey, error(nil)
		for pb.Next() {
			v, err = h.Get(ctx)
		}
		if err != nil || v != benchKey {
			b.Error("hit returned the wrong value")
		}
	})
}

// BenchmarkGetHit1000Keys reads 1,000 cached keys in a random order fixed in
// advance, so that map look-ups miss the CPU caches as a service's do.
func BenchmarkGetHit1000Keys(b *testing.B) {
	keys := make([]string, 1000)
	for i := range keys {
		keys[i] = "/prod/app/service-" + strconv.Itoa(i) + "/password"
	}
	c := warmCache(b, keys...)
	// A power of two, so the sequence index is a mask, not a division.
	order := make([]int32, 1<<16)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range order {
		order[i] = int32(r.IntN(len(keys)))
	}
	ctx := context.Background()
	b.ReportAllocs()
	var v string
	var err error
	i := 0
	for b.Loop() {
		v, err = c.Get(ctx, keys[order[i&(len(order)-1)]])
		i++
	}
	sinkString, sinkErr = v, err
}

// stormSize is how many goroutines ask for one cold key at once.
const stormSize = 1000

// BenchmarkMissStorm measures stormSize goroutines asking a fresh cache for
// one key at the same moment: ns/op is the time from their release until
// the last one has its value, backend-calls/op how many loads they caused.
// The load does not return before every goroutine has reached Get, so all
// of them arrive while it is in flight.
func BenchmarkMissStorm(b *testing.B) {
	ctx := context.Background()
	var calls atomic.Int64
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		var arrived, done sync.WaitGroup
		arrived.Add(stormSize)
		done.Add(stormSize)
		c, err := cache.New(func(_ context.Context, k string) cache.Loaded[string] {
			calls.Add(1)
			arrived.Wait()
			return cache.Loaded[string]{Value: k}
		})
		if err != nil {
			b.Fatal(err)
		}
		start := make(chan struct{})
		for range stormSize {
			go func() {
				defer done.Done()
				<-start
				arrived.Done()
				if v, err := c.Get(ctx, benchKey); err != nil || v != benchKey {
					b.Error("miss returned the wrong value")
				}
			}()
		}
		b.StartTimer()
		close(start)
		done.Wait()
		b.StopTimer()
		c.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(calls.Load())/float64(b.N), "backend-calls/op")
}
