package bench

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/secretref/secretref/cache"
	"github.com/secretref/secretref/internal/testing/fakeclock"
)

// The fleet: instances started in the same second, each caching fleetRefs
// references for fleetTTL and reading every one of them once per simulated
// second, for fleetDuration.
const (
	fleetRefs     = 20
	fleetTTL      = 5 * time.Minute
	fleetDuration = 2 * time.Hour
	fleetSeconds  = int(fleetDuration / time.Second)
	// parameterStoreQuota is Parameter Store's default throughput, in
	// requests per second, shared by GetParameter, GetParameters and
	// GetParametersByPath in an account and region.
	parameterStoreQuota = 40
)

// fleetConfig is a setting of the cache options that spread refreshes.
// Negative values disable, as in cache.Options.
type fleetConfig struct {
	jitter, refreshAhead float64
}

func (c fleetConfig) String() string {
	part := func(name string, f float64) string {
		if f < 0 {
			return "no " + name
		}
		return fmt.Sprintf("%s %.1f", name, f)
	}
	return part("jitter", c.jitter) + ", " + part("refresh-ahead", c.refreshAhead)
}

// minGap is the least whole number of seconds between two loads of a key
// that cfg allows, less one for rounding.
func (c fleetConfig) minGap() int {
	interval := float64(fleetTTL) * (1 - max(c.jitter, 0))
	if c.refreshAhead > 0 {
		interval *= 1 - c.refreshAhead
	}
	return max(int(time.Duration(interval)/time.Second)-1, 1)
}

// fleetResult is the backend request rate of one simulated run, per
// simulated second.
type fleetResult struct {
	start        int     // requests in the first second: every instance loads everything
	peak         int     // the busiest second after the first
	mean         float64 // over every second after the first
	peakLastHour int
	meanLastHour float64
	overQuota    int // seconds after the first above parameterStoreQuota
}

// simulateFleet runs instances caches with cfg, each on a simulated clock
// of its own that starts at the same moment, and counts the backend
// requests of each simulated second.
//
// Runs are deterministic but for the jitter, which the cache draws from
// math/rand/v2's global generator; it cannot be seeded, so results vary
// slightly from run to run. Instances are independent, so they are
// simulated one after another, which keeps each one's entries in the CPU's
// caches.
func simulateFleet(tb testing.TB, instances int, cfg fleetConfig) fleetResult {
	tb.Helper()
	perSecond := make([]atomic.Int32, fleetSeconds)
	for i := range instances {
		if !simulateInstance(tb, cfg, perSecond, i == 0) {
			break
		}
	}

	r := fleetResult{start: int(perSecond[0].Load())}
	lastHour := fleetSeconds - int(time.Hour/time.Second)
	var sum, sumLastHour int
	for s := 1; s < fleetSeconds; s++ {
		n := int(perSecond[s].Load())
		sum += n
		r.peak = max(r.peak, n)
		if n > parameterStoreQuota {
			r.overQuota++
		}
		if s >= lastHour {
			sumLastHour += n
			r.peakLastHour = max(r.peakLastHour, n)
		}
	}
	r.mean = float64(sum) / float64(fleetSeconds-1)
	r.meanLastHour = float64(sumLastHour) / float64(fleetSeconds-lastHour)
	return r
}

// simulateInstance runs one instance, adding each load to perSecond at the
// simulated second it was called in. It reports whether it could.
//
// Loads return at once. After each second's reads the simulation waits for
// the loads they started in the background, and for the goroutines that ran
// them to exit, before it moves the clock: so a load never sees a later time
// than the read that caused it, and a read never finds the previous load of
// its key still finishing (it would skip a refresh, or share that load).
// The goroutines are counted with runtime.NumGoroutine, so nothing else may
// start goroutines while the simulation runs.
//
// A read that cfg guarantees to be a hit — one before the shortest refresh
// interval cfg allows has passed since the key's last load — has no effect,
// so the simulation skips it, unless every is set: then it reads every key
// every second and checks that guarantee.
func simulateInstance(tb testing.TB, cfg fleetConfig, perSecond []atomic.Int32, every bool) bool {
	start := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	clock := fakeclock.New(start)
	var lastLoad [fleetRefs]int32 // written by loads, read after waiting for them
	var stored atomic.Int64
	c, err := cache.New(func(_ context.Context, ref int) cache.Loaded[int] {
		s := int32(clock.Now().Sub(start) / time.Second)
		perSecond[s].Add(1)
		lastLoad[ref] = s
		stored.Add(1)
		return cache.Loaded[int]{Value: ref}
	}, func(o *cache.Options[int, int]) {
		o.TTL = fleetTTL
		o.Jitter = cfg.jitter
		o.RefreshAhead = cfg.refreshAhead
		o.Clock = clock
	})
	if err != nil {
		tb.Fatal(err)
	}
	defer c.Close()

	ctx := context.Background()
	minGap := cfg.minGap()
	var due, prevLoad [fleetRefs]int // second each key is next read in; second of its previous load
	now := 0
	for {
		s := due[0]
		for _, d := range due {
			s = min(s, d)
		}
		if s >= fleetSeconds {
			return true
		}
		clock.Advance(time.Duration(s-now) * time.Second)
		now = s
		goroutines := runtime.NumGoroutine()
		for ref, d := range due {
			if d == s {
				if _, err := c.Get(ctx, ref); err != nil {
					tb.Error(err)
					return false
				}
			}
		}
		// A read that loads counts a miss, or a refresh when it leaves the
		// load to a goroutine, before it returns: their sum is how many
		// stores to wait for.
		st := c.Stats()
		started := int64(st.Misses + st.Refreshes)
		waitUntil := time.Now().Add(10 * time.Second)
		for stored.Load() != started || runtime.NumGoroutine() > goroutines {
			if time.Now().After(waitUntil) {
				tb.Errorf("%v: at %ds, %d loads started and %d stored", cfg, s, started, stored.Load())
				return false
			}
			runtime.Gosched()
		}
		for ref, d := range due {
			if d != s {
				continue
			}
			due[ref] = s + 1
			if int(lastLoad[ref]) != s {
				continue
			}
			// The first load draws its refresh point anywhere before the
			// normal one (see cache.Options.Jitter); from the second load
			// on, loads are at least minGap apart.
			if s > 0 && prevLoad[ref] > 0 && s-prevLoad[ref] < minGap {
				tb.Errorf("%v: a key loaded at %ds was loaded again at %ds, sooner than the options allow", cfg, prevLoad[ref], s)
			}
			prevLoad[ref] = s
			if !every && s > 0 {
				due[ref] = s + minGap
			}
		}
	}
}

// fleetConfigs are the settings compared: each of jitter and refresh-ahead
// on (at their defaults) and off.
var fleetConfigs = []fleetConfig{
	{jitter: -1, refreshAhead: -1},
	{jitter: 0.1, refreshAhead: -1},
	{jitter: -1, refreshAhead: 0.2},
	{jitter: 0.1, refreshAhead: 0.2}, // the defaults
}

// TestFleetRefreshSpread simulates a fleet of 40 instances (BenchmarkFleet
// runs 1,000) with and without jitter and refresh-ahead, logs the request
// rates, and checks what must hold whatever the random draws: every
// instance loads every key in the first second; without jitter the fleet
// refreshes every key in one second; with it, no second gets a tenth of
// that; and no key is loaded sooner than its TTL allows.
func TestFleetRefreshSpread(t *testing.T) {
	const instances = 40
	keys := instances * fleetRefs
	var table strings.Builder
	fmt.Fprintf(&table, "%d instances x %d references, TTL %v, each read once per simulated second for %v\n",
		instances, fleetRefs, fleetTTL, fleetDuration)
	fmt.Fprintf(&table, "| options | first second | peak req/s | mean req/s | peak/mean | last hour peak/mean | seconds over %d req/s |\n", parameterStoreQuota)
	fmt.Fprintf(&table, "|---|---:|---:|---:|---:|---:|---:|\n")
	for _, cfg := range fleetConfigs {
		r := simulateFleet(t, instances, cfg)
		fmt.Fprintf(&table, "| %v | %d | %d | %.1f | %.2f | %.2f | %d |\n", cfg, r.start, r.peak, r.mean,
			float64(r.peak)/r.mean, float64(r.peakLastHour)/r.meanLastHour, r.overQuota)
		if r.start != keys {
			t.Errorf("%v: %d requests in the first second, want one per key, %d", cfg, r.start, keys)
		}
		switch {
		case cfg.jitter < 0 && r.peak != keys:
			t.Errorf("%v: peak %d requests/s, want every key refreshed in one second, %d", cfg, r.peak, keys)
		case cfg.jitter > 0 && r.peak > keys/10:
			t.Errorf("%v: peak %d requests/s; jitter should keep every second under %d", cfg, r.peak, keys/10)
		}
	}
	t.Log("\n" + table.String())
}

// BenchmarkFleet simulates 1,000 instances with each setting of
// fleetConfigs, and a wider jitter, and reports the request rates of the
// last run: peak and mean requests per second after the first second, the
// ratio of the two over the whole run and over its last hour, and the
// seconds above Parameter Store's default quota. ns/op is the simulation's
// own running time.
func BenchmarkFleet(b *testing.B) {
	const instances = 1000
	for _, cfg := range append(fleetConfigs, fleetConfig{jitter: 0.5, refreshAhead: 0.2}) {
		b.Run(strings.NewReplacer(" ", "-", ",", "").Replace(cfg.String()), func(b *testing.B) {
			var r fleetResult
			for b.Loop() {
				r = simulateFleet(b, instances, cfg)
			}
			b.ReportMetric(float64(r.start), "first-second-req")
			b.ReportMetric(float64(r.peak), "peak-req/s")
			b.ReportMetric(r.mean, "mean-req/s")
			b.ReportMetric(float64(r.peak)/r.mean, "peak/mean")
			b.ReportMetric(float64(r.peakLastHour)/r.meanLastHour, "last-hour-peak/mean")
			b.ReportMetric(float64(r.overQuota), "seconds-over-quota")
		})
	}
}
