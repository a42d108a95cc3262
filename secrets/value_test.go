package secrets_test

import (
	"context"
	"testing"

	"github.com/secretref/secretref/secrets"
)

// hitValue returns a Value as a cache hit gives it.
func hitValue(t testing.TB, c *secrets.Client, ref string) secrets.Value {
	t.Helper()
	v, err := c.Get(context.Background(), ref)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// Reading a Value's contents, its length and its version allocates
// nothing: they are on the hit path of every caller.
func TestValueReadsDoNotAllocate(t *testing.T) {
	c, store := newMemoryClient(t)
	store.Put("alloc/db", dbSecret)
	v := hitValue(t, c, "sm:alloc/db")
	field := hitValue(t, c, "sm:alloc/db#password")
	var zero secrets.Value
	for name, read := range map[string]func(){
		"Reveal":            func() { _ = v.Reveal() },
		"Len":               func() { _ = v.Len() },
		"Version":           func() { _ = v.Version() },
		"IsBinary":          func() { _ = v.IsBinary() },
		"Reveal of a zero":  func() { _ = zero.Reveal() },
		"Reveal of a field": func() { _ = field.Reveal() },
	} {
		if n := testing.AllocsPerRun(1000, read); n != 0 {
			t.Errorf("%s: %v allocations, want 0", name, n)
		}
	}
}

// BenchmarkValueReveal reads the contents of a cached Value.
func BenchmarkValueReveal(b *testing.B) {
	v := hitValue(b, benchClient(b, "prod/db"), benchRef)
	b.ReportAllocs()
	var s string
	for b.Loop() {
		s = v.Reveal()
	}
	sinkString = s
}
