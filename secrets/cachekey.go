package secrets

import (
	"log/slog"
	"strings"
	"time"

	"github.com/secretref/secretref/cache"
)

// The Client's cache is a cache.Cache[cacheKey, *payload]: its keys are
// Refs without Key written as strings, and its values are a Value's
// payload. A Go program compiles generic code once per shape of its type
// arguments, and a struct's shape spells out every field: with Ref and
// Value as type arguments, each of the cache's functions carried both in
// its name, and copied Ref's 13 words at each call, 35–52 kB of a Lambda
// function (see BENCHMARKS.md, "Lambda cold start"). A string and a
// pointer have the shapes every generic function shares.

// cacheKey is a Ref without Key as the cache holds it: its fields joined
// by keySep.
type cacheKey string

// keySep separates the fields of a cacheKey. No field holds it: the parser
// refuses references with control characters, and the names and labels
// the services give are printable.
const keySep = "\x00"

// keyOf returns the cacheKey of r, which has no Key.
func keyOf(r Ref) cacheKey {
	skip := "0"
	if r.SkipDecryption {
		skip = "1"
	}
	return cacheKey(r.Scheme + keySep + r.Name + keySep + r.Region + keySep + r.Stage + keySep + r.VersionID + keySep + skip)
}

// ref returns the Ref that keyOf wrote as k. It does not allocate: the
// fields are substrings of k.
func (k cacheKey) ref() Ref {
	s := string(k)
	var r Ref
	r.Scheme, s, _ = strings.Cut(s, keySep)
	r.Name, s, _ = strings.Cut(s, keySep)
	r.Region, s, _ = strings.Cut(s, keySep)
	r.Stage, s, _ = strings.Cut(s, keySep)
	r.VersionID, s, _ = strings.Cut(s, keySep)
	r.SkipDecryption = s == "1"
	return r
}

// LogValue logs k as the reference it stands for, as the cache's log lines
// name keys.
func (k cacheKey) LogValue() slog.Value { return k.ref().LogValue() }

// keyRefs returns the Refs of keys.
func keyRefs(keys []cacheKey) []Ref {
	refs := make([]Ref, len(keys))
	for i, k := range keys {
		refs[i] = k.ref()
	}
	return refs
}

// keyObserver tells an Observer of the cache's events with Refs for keys.
type keyObserver struct{ o Observer }

func (k keyObserver) Missed(key cacheKey)                         { k.o.Missed(key.ref()) }
func (k keyObserver) ServedStale(key cacheKey, age time.Duration) { k.o.ServedStale(key.ref(), age) }
func (k keyObserver) Evicted(key cacheKey)                        { k.o.Evicted(key.ref()) }
func (k keyObserver) NewVersion(key cacheKey)                     { k.o.NewVersion(key.ref()) }
func (k keyObserver) Delivered(key cacheKey)                      { k.o.Delivered(key.ref()) }
func (k keyObserver) Refreshing(keys []cacheKey, why cache.Refresh) {
	k.o.Refreshing(keyRefs(keys), why)
}
