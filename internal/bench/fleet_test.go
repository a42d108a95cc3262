package bench

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/secretref/secretref/internal/testing/fakeclock"
	"github.com/secretref/secretref/providers"
	smprovider "github.com/secretref/secretref/providers/secretsmanager"
	ssmprovider "github.com/secretref/secretref/providers/ssm"
	"github.com/secretref/secretref/secrets"
)

// The fleet: instances started in the same second, each reading fleetRefs
// references once per simulated second through a Client with a fleetTTL,
// for fleetDuration, against one account and region.
const (
	fleetRefs     = 20
	fleetTTL      = 5 * time.Minute
	fleetDuration = 2 * time.Hour
	fleetSeconds  = int(fleetDuration / time.Second)
	// parameterStoreQuota is Parameter Store's default throughput, in
	// requests a second, shared by GetParameter, GetParameters and
	// GetParametersByPath in an account and region.
	parameterStoreQuota = 40
	// settleAfter is when a throttled fleet must have settled: from then
	// on under 1% of its requests are throttled.
	settleAfter = int(5 * time.Minute / time.Second)
)

// fleet is one simulated run's set-up.
type fleet struct {
	instances int
	service   string // "ssm" or "sm"
	quota     int    // enforced by the backend; 0: none
	options   func(*secrets.Options)
}

func (f fleet) refs() []string {
	refs := make([]string, fleetRefs)
	for i := range refs {
		if f.service == "ssm" {
			refs[i] = fmt.Sprintf("/fleet/app/p%02d", i)
		} else {
			refs[i] = fmt.Sprintf("sm:fleet/app/s%02d", i)
		}
	}
	return refs
}

// instance is one process of the fleet: at its start it reads every
// reference with one GetMany, retried each second until all are read (the
// values read are cached, so each retry reads only what is missing), then
// reads each one every second.
type instance struct {
	c       *secrets.Client
	started bool
}

// simulate runs f on a simulated clock and returns what the backend saw.
// errs counts reads that failed for a reference the instance had read
// before: the failures a cache must hide.
//
// Loads run on the Clients' goroutines. After each simulated second the
// simulation waits for them all to end (the process's goroutine count is
// back to where it started) before it moves the clock, so that every
// request is counted in the second that made it. Nothing else may start
// goroutines meanwhile. Without a quota instances do not affect each
// other, so they are simulated one after another, which keeps each one's
// entries in the CPU's caches; with one, all of them second by second.
// Runs are deterministic but for the jitter, which the cache draws from
// math/rand/v2's unseedable global generator.
func simulate(tb testing.TB, f fleet) (b *fleetBackend, errs int) {
	tb.Helper()
	b = newFleetBackend(fleetSeconds, f.quota)
	var p providers.Provider = ssmprovider.New(b)
	if f.service == "sm" {
		p = smprovider.New(b)
	}
	start := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	baseline := runtime.NumGoroutine()
	newInstance := func(clock *fakeclock.Clock) *instance {
		c, err := secrets.New(context.Background(), func(o *secrets.Options) {
			o.Providers = map[string]providers.Provider{"sm": p, "ssm": p}
			o.Clock = clock
			o.TTL = fleetTTL
			if f.options != nil {
				f.options(o)
			}
		})
		if err != nil {
			tb.Fatal(err)
		}
		return &instance{c: c}
	}
	refs := f.refs()
	ctx := context.Background()
	step := func(in *instance) {
		if !in.started {
			_, err := in.c.GetMany(ctx, refs...)
			in.started = err == nil
			return
		}
		for _, ref := range refs {
			if _, err := in.c.Get(ctx, ref); err != nil {
				errs++
			}
		}
	}
	settle := func(s int) {
		waitUntil := time.Now().Add(30 * time.Second)
		for runtime.NumGoroutine() > baseline {
			if time.Now().After(waitUntil) {
				tb.Fatalf("at %ds, %d goroutines are still running, want %d", s, runtime.NumGoroutine(), baseline)
			}
			runtime.Gosched()
		}
	}
	if f.quota == 0 {
		for range f.instances {
			clock := fakeclock.New(start)
			in := newInstance(clock)
			for s := range fleetSeconds {
				b.setSecond(s)
				step(in)
				settle(s)
				clock.Advance(time.Second)
			}
			_ = in.c.Close()
		}
		return b, errs
	}
	clock := fakeclock.New(start)
	fleet := make([]*instance, f.instances)
	for i := range fleet {
		fleet[i] = newInstance(clock)
	}
	for s := range fleetSeconds {
		b.setSecond(s)
		for _, in := range fleet {
			step(in)
		}
		settle(s)
		clock.Advance(time.Second)
	}
	for _, in := range fleet {
		_ = in.c.Close()
	}
	return b, errs
}

func noCoalescing(o *secrets.Options) { o.CoalesceAfter = secrets.Disabled }

// TestFleet simulates 1,000 instances reading 20 Parameter Store references
// each with the default options and checks the targets: after the first
// second (every instance loading everything), a mean of at most 10
// requests a second and no second over Parameter Store's 40.
func TestFleet(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("a two-hour fleet, simulated: about half a minute, but many times that with -race; .ci/run runs it without")
	}
	b, errs := simulate(t, fleet{instances: 1000, service: "ssm"})
	r := b.stats(parameterStoreQuota, settleAfter)
	t.Logf("fleet: peak %d req/s, mean %.1f req/s (1000 instances x 20 Parameter Store references, 5-minute TTL, default options; first second %d requests; %s)",
		r.peak, r.mean, r.first, b.operations())
	if errs != 0 {
		t.Errorf("%d failed reads", errs)
	}
	if r.mean > 10 || r.peak > parameterStoreQuota {
		t.Errorf("peak %d req/s, mean %.1f req/s; want at most %d and 10", r.peak, r.mean, parameterStoreQuota)
	}
}

// BenchmarkFleet runs the fleets BENCHMARKS.md reports, once each (ns/op
// is the simulation's own running time): Parameter Store with and without
// coalescing, Parameter Store enforcing its quota, and Secrets Manager.
func BenchmarkFleet(b *testing.B) {
	for _, tc := range []struct {
		name string
		f    fleet
	}{
		{"ssm", fleet{instances: 1000, service: "ssm"}},
		{"ssm-no-coalescing", fleet{instances: 1000, service: "ssm", options: noCoalescing}},
		{"ssm-throttled", fleet{instances: 1000, service: "ssm", quota: parameterStoreQuota}},
		{"sm", fleet{instances: 1000, service: "sm"}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			var r fleetStats
			var errs int
			var backend *fleetBackend
			for b.Loop() {
				backend, errs = simulate(b, tc.f)
				r = backend.stats(parameterStoreQuota, settleAfter)
			}
			b.ReportMetric(float64(r.first), "first-second-req")
			b.ReportMetric(float64(r.peak), "peak-req/s")
			b.ReportMetric(r.mean, "mean-req/s")
			b.ReportMetric(float64(r.overQuota), "seconds-over-40")
			b.ReportMetric(float64(errs), "failed-reads")
			if tc.f.quota > 0 {
				b.ReportMetric(float64(r.settle), "settle-s")
				b.ReportMetric(100*float64(r.throttled)/float64(max(r.afterSettle, 1)), "throttled-%-after-5min")
			}
			hours := float64(fleetSeconds) / 3600 * float64(tc.f.instances)
			total := 0
			backend.mu.Lock()
			for _, n := range backend.byOp {
				total += n
			}
			backend.mu.Unlock()
			b.ReportMetric(float64(total)/hours, "calls/instance-hour")
			b.Logf("%s: %s", tc.name, backend.operations())
		})
	}
}
