package secrets

import (
	"context"
	"sync"
	"testing"

	"github.com/secretref/secretref/providers"
	"github.com/secretref/secretref/providers/memory"
)

// What the table of recently read strings (recentRefs) gains over finding
// a reference's binding in a map: a Client.Get hit of an ARN, with the
// table and through each plain alternative, in one run (BENCHMARKS.md,
// "What the read map and the recent table gain").
func BenchmarkReferenceLookup(b *testing.B) {
	const ref = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/payments/db-AbCdEf"
	store := memory.New()
	store.Put(ref, "not-a-real-password")
	c, err := New(context.Background(), func(o *Options) {
		o.Providers = map[string]providers.Provider{SchemeSecretsManager: store, SchemeParameterStore: store}
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = c.Close() })
	ctx := context.Background()
	for range 3 {
		if _, err := c.Get(ctx, ref); err != nil {
			b.Fatal(err)
		}
	}
	bound, _ := c.bindings.Load(ref)
	var syncMap sync.Map
	syncMap.Store(ref, bound)
	var mu sync.RWMutex
	plain := map[string]*binding{ref: bound}
	lookups := []struct {
		name string
		find func(string) *binding
	}{
		{"recent table", func(s string) *binding { return c.recent.load(s) }},
		{"readmap", func(s string) *binding { b, _ := c.bindings.Load(s); return b }},
		{"sync.Map", func(s string) *binding { b, _ := syncMap.Load(s); return b.(*binding) }},
		{"RWMutex map", func(s string) *binding { mu.RLock(); defer mu.RUnlock(); return plain[s] }},
	}
	for _, l := range lookups {
		if l.find(ref) != bound {
			b.Fatalf("%s: no binding", l.name)
		}
		b.Run(l.name+"/serial", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := l.find(ref).get(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(l.name+"/parallel", func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := l.find(ref).get(ctx); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}
