package secrets_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"

	"github.com/secretref/secretref/internal/testing/faultproxy"
	"github.com/secretref/secretref/internal/testing/poll"
	"github.com/secretref/secretref/internal/testing/syncbuf"
	"github.com/secretref/secretref/internal/testing/tworegions"
	"github.com/secretref/secretref/secrets"
)

// The failover tests run two kumo servers as two regions, a fault proxy in
// front of each, behind one endpoint that routes by signing region.

// outageWait is the FailoverWait of the cold reads during an outage:
// shorter than the default, for a busy machine; BENCHMARKS.md's figures
// are taken with -args -failover-wait=500ms, the default.
var outageWait = flag.Duration("failover-wait", 200*time.Millisecond, "FailoverWait of TestColdReadsDuringAPrimaryOutage's outages")

// readDeadline is each cold read's deadline: longer than a caller's
// second, for a machine running the race detector on every package at
// once, where a new Client's first calls alone can take most of a second;
// BENCHMARKS.md's figures are taken with -args -failover-deadline=1s.
var readDeadline = flag.Duration("failover-deadline", 3*time.Second, "the deadline of each of TestColdReadsDuringAPrimaryOutage's reads")

const (
	failoverSecret = "failover/db"
	failoverParam  = "/failover/api-key"
)

// newFailoverBackend starts both regions, with a secret and a parameter in
// each (the replica's written first: a replica lags its primary).
func newFailoverBackend(t *testing.T) *tworegions.Backend {
	t.Helper()
	b := tworegions.Start(t)
	b.PutSecret(t, failoverSecret, `{"password":"failover-v1"}`, tworegions.Replica, tworegions.Home)
	b.PutParameter(t, failoverParam, "failover-key", tworegions.Replica, tworegions.Home)
	return b
}

// failoverClient is a Client in the home region with the replica's region
// as its failover region.
func failoverClient(t testing.TB, cfg aws.Config, opts ...func(*secrets.Options)) *secrets.Client {
	t.Helper()
	return newAWSClient(t, cfg, append([]func(*secrets.Options){func(o *secrets.Options) {
		o.FailoverRegions = []string{tworegions.Replica}
	}}, opts...)...)
}

// coldReads makes n new Clients, as n processes starting, each reading
// the secret and the parameter once with a deadline of readDeadline, 10 at a
// time, and returns how many reads failed and the latencies, sorted.
func coldReads(t *testing.T, cfg aws.Config, n int, wait time.Duration) (failed int, lat []time.Duration) {
	t.Helper()
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, 10)
	for range n {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			c, err := secrets.New(context.Background(), func(o *secrets.Options) {
				o.AWSConfig = &cfg
				o.FailoverRegions = []string{tworegions.Replica}
				o.FailoverWait = wait
			})
			if err != nil {
				t.Error(err)
				return
			}
			defer c.Close()
			deadline := *readDeadline
			if wait > deadline {
				deadline = 2 * wait
			}
			for _, ref := range []string{"sm:" + failoverSecret + "#password", failoverParam} {
				ctx, cancel := context.WithTimeout(context.Background(), deadline)
				start := time.Now()
				_, err := c.Get(ctx, ref)
				d := time.Since(start)
				cancel()
				mu.Lock()
				lat = append(lat, d)
				if err != nil {
					failed++
					if failed == 1 {
						t.Logf("first failed read: %v", err)
					}
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	slices.Sort(lat)
	return failed, lat
}

func quantile(lat []time.Duration, q float64) time.Duration {
	if len(lat) == 0 {
		return 0
	}
	return lat[min(int(q*float64(len(lat))), len(lat)-1)].Round(time.Millisecond)
}

// Processes that start with their region healthy, blackholed, or failing
// with 500s all read their values, within their deadlines:
// healthy, they never call the replica's region; in an outage, each cold
// read costs one call to the replica. The SDK's default retries stay on.
// Healthy means answering within FailoverWait: on a machine as busy as a
// race-detector run, a first call can take longer than the default, so
// the healthy case is given a wait no call here comes near; and the
// outages a shorter one than the default, to leave the replica's answer
// most of the second on such a machine (BENCHMARKS.md gives the figures
// with the default).
func TestColdReadsDuringAPrimaryOutage(t *testing.T) {
	b := newFailoverBackend(t)
	cfg := b.Config(t)
	home, replica := b.Faults[tworegions.Home], b.Faults[tworegions.Replica]
	for _, tc := range []struct {
		name  string
		fault faultproxy.Fault // 0: healthy
		wait  time.Duration
	}{
		{"healthy", 0, 5 * time.Second},
		{"blackholed", faultproxy.Hang, *outageWait},
		{"500s", faultproxy.InternalError, *outageWait},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.fault != 0 {
				home.Fail(tc.fault, -1)
				defer home.Clear()
			}
			homeBefore, replicaBefore := home.Requests(), replica.Requests()
			const processes = 100 // two reads each
			failed, lat := coldReads(t, cfg, processes, tc.wait)
			homeCalls, replicaCalls := home.Requests()-homeBefore, replica.Requests()-replicaBefore
			t.Logf("failover (%s): %d cold reads, %d failed, p50 %v, p99 %v; calls: %d to %s, %d to %s",
				tc.name, len(lat), failed, quantile(lat, 0.5), quantile(lat, 0.99), homeCalls, tworegions.Home, replicaCalls, tworegions.Replica)
			if tc.fault != 0 {
				t.Logf("failover: %d cold reads during a primary outage, %d failed, p99 %v", len(lat), failed, quantile(lat, 0.99))
			}
			if failed != 0 {
				t.Errorf("%d of %d cold reads failed", failed, len(lat))
			}
			if tc.fault == 0 && replicaCalls != 0 {
				t.Errorf("%d calls to the replica's region with the home region healthy, want 0", replicaCalls)
			}
			if tc.fault != 0 && replicaCalls == 0 {
				t.Error("no call to the replica's region during the outage")
			}
		})
	}
}

// "Not found", "access denied" and throttling from the home region never
// fail over: a replica must not undo a revocation or a deletion, and a
// throttled fleet stays where its quota is. Nothing is cached.
func TestFailClosed(t *testing.T) {
	b := newFailoverBackend(t)
	b.PutSecret(t, "failover/replica-only", "orphan", tworegions.Replica)
	cfg := b.Config(t, awsconfig.WithRetryMaxAttempts(1))
	home, replica := b.Faults[tworegions.Home], b.Faults[tworegions.Replica]
	for _, tc := range []struct {
		name  string
		ref   string
		fault faultproxy.Fault
		want  error
	}{
		{"deleted in the home region", "sm:failover/replica-only", 0, secrets.ErrNotFound},
		{"access denied", "sm:" + failoverSecret, faultproxy.AccessDenied, secrets.ErrAccessDenied},
		{"throttled", "sm:" + failoverSecret, faultproxy.Throttle, secrets.ErrThrottled},
		{"parameter access denied", failoverParam, faultproxy.AccessDenied, secrets.ErrAccessDenied},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.fault != 0 {
				home.Fail(tc.fault, -1)
				defer home.Clear()
			}
			before := replica.Requests()
			c := failoverClient(t, cfg, func(o *secrets.Options) { o.DisableRotationSchedule = true })
			for range 2 * secrets.BreakerFailures {
				if _, err := c.Get(context.Background(), tc.ref); !errors.Is(err, tc.want) {
					t.Fatalf("Get: %v, want %v", err, tc.want)
				}
			}
			if n := replica.Requests() - before; n != 0 {
				t.Errorf("%d calls to the replica's region, want none", n)
			}
		})
	}
}

// A warm Client whose home region goes dark keeps serving: its breaker
// opens, background refreshes go to the replica so values stay fresh past
// MaxStale, and once the region answers again a probe closes the breaker
// and calls go home.
func TestBreakerOpensAndCloses(t *testing.T) {
	b := newFailoverBackend(t)
	cfg := b.Config(t)
	home, replica := b.Faults[tworegions.Home], b.Faults[tworegions.Replica]
	var log syncbuf.Buffer
	c := failoverClient(t, cfg, func(o *secrets.Options) {
		o.TTL = 500 * time.Millisecond
		o.MaxStale = 500 * time.Millisecond
		o.ClockGranularity = secrets.Disabled
		o.Logger = slog.New(slog.NewTextHandler(&log, nil))
	})
	ref := "sm:" + failoverSecret + "#password"
	read := func() error {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_, err := c.Get(ctx, ref)
		return err
	}
	if err := read(); err != nil {
		t.Fatal(err)
	}
	if n := replica.Requests(); n != 0 {
		t.Fatalf("%d calls to the replica while healthy", n)
	}
	home.Fail(faultproxy.Hang, -1)
	var failed atomic.Int32
	deadline := time.Now().Add(3 * time.Second) // six TTLs, past MaxStale
	for time.Now().Before(deadline) {
		if err := read(); err != nil {
			failed.Add(1)
			t.Logf("read during the outage: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if n := failed.Load(); n != 0 {
		t.Errorf("%d reads failed during the outage", n)
	}
	if s := regionState(c, tworegions.Home); s != secrets.RegionOpen {
		t.Errorf("home region %v, want open", s)
	}
	if c.Stats().Failovers == 0 {
		t.Error("no failover counted")
	}
	home.Clear()
	poll.UntilWithin(t, "the home region's breaker to close", 3*secrets.BreakerOpenFor, func() bool {
		_ = read()
		time.Sleep(50 * time.Millisecond)
		return regionState(c, tworegions.Home) == secrets.RegionHealthy
	})
	replicaAfter := replica.Requests()
	time.Sleep(3 * 500 * time.Millisecond) // three TTLs of refreshes
	for range 5 {
		if err := read(); err != nil {
			t.Fatal(err)
		}
	}
	if n := replica.Requests() - replicaAfter; n != 0 {
		t.Errorf("%d calls to the replica after the home region came back, want 0", n)
	}
	// The logger tells of each change of the region, not of each read.
	for _, msg := range []string{"region failing", "region answering again"} {
		if n := strings.Count(log.String(), msg); n != 1 {
			t.Errorf("logged %q %d times, want once", msg, n)
		}
	}
}

// regionState returns the state of the "sm" breaker of region in c.
func regionState(c *secrets.Client, region string) secrets.RegionState {
	for _, r := range c.Stats().Regions {
		if r.Scheme == secrets.SchemeSecretsManager && r.Region == region {
			return r.State
		}
	}
	return secrets.RegionHealthy
}

// A replica that lags its primary never rolls a value back: a value read
// from it that is older than the cached one leaves the cached one, and
// watchers hear no version twice and none out of order, across a failover
// and a failback. The replica's version is older by its CreatedDate (kumo
// dates versions to the second).
func TestLaggingReplicaNeverRollsBack(t *testing.T) {
	b := newFailoverBackend(t)
	time.Sleep(1100 * time.Millisecond)
	b.PutSecret(t, failoverSecret, `{"password":"failover-v2"}`, tworegions.Home) // the replica lags at v1
	cfg := b.Config(t)
	home, replica := b.Faults[tworegions.Home], b.Faults[tworegions.Replica]
	c := failoverClient(t, cfg, func(o *secrets.Options) {
		o.TTL = 300 * time.Millisecond
		o.ClockGranularity = secrets.Disabled
	})
	ref := "sm:" + failoverSecret + "#password"
	if got, err := c.GetString(context.Background(), ref); err != nil || got != "failover-v2" {
		t.Fatalf("first read: %v (a %d-byte value)", err, len(got))
	}
	var mu sync.Mutex
	var heard []string
	stop, err := c.Watch(ref, func(v secrets.Value) {
		mu.Lock()
		heard = append(heard, v.Reveal())
		mu.Unlock()
	})
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	home.Fail(faultproxy.InternalError, -1)
	poll.Until(t, "refreshes from the replica", func() bool { return replica.Requests() >= 3 })
	for range 5 {
		if got, err := c.GetString(context.Background(), ref); err != nil || got != "failover-v2" {
			t.Fatalf("read in failover: %v; a value of %d bytes, want the cached newer one", err, len(got))
		}
		time.Sleep(100 * time.Millisecond)
	}
	home.Clear()
	b.PutSecret(t, failoverSecret, `{"password":"failover-v3"}`, tworegions.Home)
	poll.UntilWithin(t, "the watcher to hear v3", 3*secrets.BreakerOpenFor, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return slices.Contains(heard, "failover-v3")
	})
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(heard, []string{"failover-v3"}) {
		t.Errorf("the watcher heard %d versions (%d a replica's older one), want one: v3", len(heard), count(heard, "failover-v1"))
	}
}

func count(list []string, s string) int {
	n := 0
	for _, x := range list {
		if x == s {
			n++
		}
	}
	return n
}

// A Client given no failover region never calls another: the healthy path
// is one region's, whatever the outage.
func TestNoFailoverRegionsNoOtherRegion(t *testing.T) {
	b := newFailoverBackend(t)
	cfg := b.Config(t, awsconfig.WithRetryMaxAttempts(1))
	b.Faults[tworegions.Home].Fail(faultproxy.InternalError, -1)
	c := newAWSClient(t, cfg)
	for range 5 {
		if _, err := c.Get(context.Background(), "sm:"+failoverSecret); !errors.Is(err, secrets.ErrUnavailable) {
			t.Fatalf("Get: %v, want ErrUnavailable", err)
		}
	}
	if n := b.Faults[tworegions.Replica].Requests(); n != 0 {
		t.Errorf("%d calls to another region without FailoverRegions", n)
	}
}

// Thirty cached secrets through seconds of 500s from their region, with
// the SDK's default retries, whose retry quota empties in a sustained
// outage: no read fails, and the breaker sends the refreshes to the
// replica instead of retrying the failing region at every one.
func TestSustainedOutageWithCachedSecrets(t *testing.T) {
	b := newFailoverBackend(t)
	var refs []string
	for i := range 30 {
		name := fmt.Sprintf("failover/s%02d", i)
		b.PutSecret(t, name, "v", tworegions.Replica, tworegions.Home)
		refs = append(refs, "sm:"+name)
	}
	home, replica := b.Faults[tworegions.Home], b.Faults[tworegions.Replica]
	c := failoverClient(t, b.Config(t), func(o *secrets.Options) {
		o.TTL = time.Second
		o.ClockGranularity = secrets.Disabled
	})
	if _, err := c.GetMany(context.Background(), refs...); err != nil {
		t.Fatal(err)
	}
	home.Fail(faultproxy.InternalError, -1)
	homeBefore := home.Requests()
	var reads, failed int
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end); {
		for _, ref := range refs {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			if _, err := c.Get(ctx, ref); err != nil {
				failed++
			}
			cancel()
			reads++
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("sustained outage: %d reads of 30 cached secrets through 5 s of 500s, %d failed; calls: %d to %s, %d to %s",
		reads, failed, home.Requests()-homeBefore, tworegions.Home, replica.Requests(), tworegions.Replica)
	if failed != 0 {
		t.Errorf("%d of %d reads failed", failed, reads)
	}
	if regionState(c, tworegions.Home) != secrets.RegionOpen {
		t.Error("the home region's breaker is not open")
	}
}
