package readmap

import (
	"sync"
	"testing"
)

func TestLoadStoreDelete(t *testing.T) {
	var m Map[string, int]
	if _, ok := m.Load("a"); ok {
		t.Fatal("empty map has a")
	}
	m.Store("a", 1)
	m.Store("b", 2)
	for range 4 { // enough misses to publish the copy
		if v, ok := m.Load("a"); !ok || v != 1 {
			t.Fatalf("Load(a) = %d, %v", v, ok)
		}
	}
	m.Delete("a")
	if _, ok := m.LoadExact("a"); ok {
		t.Fatal("LoadExact sees a deleted key")
	}
	if m.Len() != 1 {
		t.Fatalf("Len = %d, want 1", m.Len())
	}
	m.Clear()
	if _, ok := m.Load("b"); ok || m.Len() != 0 {
		t.Fatal("Clear left a key")
	}
}

func TestPublishedLoadAllocatesNothing(t *testing.T) {
	var m Map[string, int]
	m.Store("key", 1)
	m.Load("key") // publishes
	if n := testing.AllocsPerRun(100, func() { m.Load("key") }); n != 0 {
		t.Fatalf("%v allocations per Load", n)
	}
}

func TestConcurrent(t *testing.T) {
	var m Map[int, int]
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 1000 {
				m.Store(w*1000+i, i)
				if v, ok := m.Load(w*1000 + i); !ok || v != i {
					t.Errorf("Load(%d) = %d, %v", w*1000+i, v, ok)
					return
				}
			}
		})
	}
	wg.Wait()
	if m.Len() != 4000 {
		t.Fatalf("Len = %d", m.Len())
	}
}
