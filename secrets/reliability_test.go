package secrets_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/aws/smithy-go"
	"github.com/secretref/secretref/cache"
	"github.com/secretref/secretref/internal/testing/faultproxy"
	"github.com/secretref/secretref/internal/testing/poll"
	"github.com/secretref/secretref/internal/testing/sdkfake"
	"github.com/secretref/secretref/internal/testing/syncbuf"
	"github.com/secretref/secretref/providers"
	"github.com/secretref/secretref/providers/memory"
	smprovider "github.com/secretref/secretref/providers/secretsmanager"
	ssmprovider "github.com/secretref/secretref/providers/ssm"
	"github.com/secretref/secretref/secrets"
)

// A blackholed network is an outage too: with the backend answering
// nothing, reads of expired values within MaxStale, with deadlines shorter
// than LoadTimeout (an API Gateway handler's), all get the last good value.
// Against kumo through a proxy that hangs every read.
func TestStallServesLastGoodValues(t *testing.T) {
	b := newFaultBackend(t)
	for _, target := range faultTargets {
		t.Run(target.name, func(t *testing.T) {
			id := "stall-" + target.name
			v1 := faultSecret(id, "v1")
			ref := target.put(t, b, id, v1)
			clock := newClock()
			c := newAWSClient(t, b.cfg, func(o *secrets.Options) {
				o.Clock = clock
				o.TTL = time.Minute
			})
			if _, err := readWithin(t, c, ref, faultDeadline); err != nil {
				t.Fatal(err)
			}
			clock.Advance(2 * time.Minute) // expired, within MaxStale
			b.proxy.FailOperation(target.operation, faultproxy.Hang, -1)
			defer b.proxy.Clear()

			const readers, reads = 20, 10
			var failed atomic.Int64
			var wg sync.WaitGroup
			for range readers {
				wg.Go(func() {
					for range reads {
						v, err := readWithin(t, c, ref, 200*time.Millisecond)
						if err != nil || !strings.Contains(v.Reveal(), v1) {
							failed.Add(1)
						}
					}
				})
			}
			wg.Wait()
			stale := c.Stats().StaleServes
			t.Logf("stall (%s): %d reads with 200 ms deadlines, %d failed, %d stale serves", target.name, readers*reads, failed.Load(), stale)
			if n := failed.Load(); n != 0 {
				t.Fatalf("%d of %d reads failed during the stall", n, readers*reads)
			}
			if stale < readers*reads {
				t.Fatalf("%d stale serves, want every read during the stall counted", stale)
			}
		})
	}
}

// gatedStore is a memory store whose batch fetches read their values, then
// wait for the gate: a slow batch that read an old version.
type gatedStore struct {
	*memory.Store
	gate    chan struct{}
	batches atomic.Int32
}

func (g *gatedStore) FetchBatch(ctx context.Context, reqs []providers.Request) []providers.BatchResult {
	out := make([]providers.BatchResult, len(reqs))
	for i, r := range reqs {
		out[i].Result, out[i].Err = g.Fetch(ctx, r)
	}
	g.batches.Add(1)
	select {
	case <-g.gate:
	case <-ctx.Done():
	}
	return out
}

func (g *gatedStore) BatchGroup(providers.Request) (string, int) { return "", 20 }

// A slow GetMany that read version 1 before a rotation does not overwrite
// version 2, cached by a Refresh that began after it, nor tell watchers of
// version 1.
func TestSlowBatchDoesNotRollBack(t *testing.T) {
	store := &gatedStore{Store: memory.New(), gate: make(chan struct{})}
	store.Put("app/a", "v1")
	store.Put("app/b", "v1")
	c := newProviderClient(t, store)
	ctx := context.Background()
	done := make(chan map[string]secrets.Value, 1)
	go func() {
		vals, _ := c.GetMany(ctx, "sm:app/a", "sm:app/b")
		done <- vals
	}()
	poll.Until(t, "the batch to read", func() bool { return store.batches.Load() == 1 })
	var mu sync.Mutex
	var heard []string
	stop, err := c.Watch("sm:app/a", func(v secrets.Value) {
		mu.Lock()
		defer mu.Unlock()
		heard = append(heard, v.Reveal())
	})
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	store.Put("app/a", "v2") // the rotation
	if v, err := c.Refresh(ctx, "sm:app/a"); err != nil || v.Reveal() != "v2" {
		t.Fatalf("Refresh = %d bytes, %v", v.Len(), err)
	}
	close(store.gate)
	vals := <-done
	if got := vals["sm:app/a"].Reveal(); got != "v2" {
		t.Errorf("the slow GetMany answered a %d-byte value, want the newer v2", len(got))
	}
	if v, _ := c.GetString(ctx, "sm:app/a"); v != "v2" {
		t.Errorf("after the slow batch the cache holds a %d-byte value, want v2", len(v))
	}
	poll.Until(t, "the watcher to hear v2", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return slices.Contains(heard, "v2")
	})
	mu.Lock()
	defer mu.Unlock()
	if slices.Contains(heard, "v1") {
		t.Errorf("the watcher heard v1 after v2")
	}
}

// panicker panics in every method a Client calls, with a value that holds
// the secret.
type panicker struct{}

const panicSecret = "panic-value-holding-hunter2"

func (panicker) Fetch(context.Context, providers.Request) (*providers.Result, error) {
	panic(panicSecret)
}

func (panicker) FetchBatch(context.Context, []providers.Request) []providers.BatchResult {
	panic(panicSecret)
}

func (panicker) BatchGroup(providers.Request) (string, int) { return "", 10 }

func (panicker) FetchPath(context.Context, string, bool, string) (map[string]*providers.Result, error) {
	panic(panicSecret)
}

func (panicker) Describe(context.Context, providers.Request) (providers.Description, error) {
	panic(panicSecret)
}

// A provider that panics fails the reads that needed it, through every
// path (Get, GetMany, Load, prefetch, GetPath, a rotation look-up), without
// ending the process or showing the panic's value.
func TestPanickingProviderIsContained(t *testing.T) {
	var logged syncbuf.Buffer
	c := newProviderClient(t, panicker{}, func(o *secrets.Options) { o.Logger = slog.New(slog.NewTextHandler(&logged, nil)) })
	ctx := context.Background()
	check := func(what string, err error) {
		t.Helper()
		if err == nil {
			t.Errorf("%s: no error from a panicking provider", what)
			return
		}
		for _, text := range errorTexts(err) {
			if strings.Contains(text, "hunter2") {
				t.Errorf("%s: the error shows the panic's value", what)
			}
		}
	}
	_, err := c.Get(ctx, "sm:a")
	check("Get", err)
	_, err = c.GetMany(ctx, "sm:a", "sm:b", "/p/c", "/p/d")
	check("GetMany", err)
	var cfg struct {
		A string `secret:"sm:x"`
		B string `secret:"sm:y"`
	}
	check("Load", c.Load(ctx, &cfg))
	_, err = c.GetPath(ctx, "/p", true)
	check("GetPath", err)
	_, err = secrets.New(ctx, func(o *secrets.Options) {
		o.Providers = map[string]providers.Provider{"sm": panicker{}, "ssm": panicker{}}
		o.Prefetch = []string{"sm:x", "sm:y"}
	})
	check("Prefetch", err)
	if strings.Contains(logged.String(), "hunter2") {
		t.Errorf("the log shows the panic's value")
	}
}

// delayed serves a memory store's values after a delay per call,
// honouring its context: a backend 150 ms away.
type delayed struct {
	*memory.Store
	delay time.Duration
	calls atomic.Int32
}

func (d *delayed) wait(ctx context.Context) error {
	d.calls.Add(1)
	select {
	case <-time.After(d.delay):
		return nil
	case <-ctx.Done():
		return providers.Classify(providers.ErrUnavailable, ctx.Err())
	}
}

func (d *delayed) Fetch(ctx context.Context, r providers.Request) (*providers.Result, error) {
	if err := d.wait(ctx); err != nil {
		return nil, err
	}
	return d.Store.Fetch(ctx, r)
}

func (d *delayed) BatchGroup(providers.Request) (string, int) { return "", 10 }

func (d *delayed) FetchBatch(ctx context.Context, reqs []providers.Request) []providers.BatchResult {
	out := make([]providers.BatchResult, len(reqs))
	err := d.wait(ctx)
	for i, r := range reqs {
		if out[i].Err = err; err == nil {
			out[i].Result, out[i].Err = d.Store.Fetch(ctx, r)
		}
	}
	return out
}

func (d *delayed) FetchPath(ctx context.Context, path string, recursive bool, region string) (map[string]*providers.Result, error) {
	if err := d.wait(ctx); err != nil {
		return nil, err
	}
	return map[string]*providers.Result{path + "/x": {Value: []byte("v"), Version: "1"}}, nil
}

// LoadTimeout bounds each backend call, not a whole GetMany: 400
// parameters at 10 a call and 150 ms a call, under a 600 ms LoadTimeout,
// are all read. GetPath honours LoadTimeout too, and Close.
func TestLoadTimeoutBoundsEachCall(t *testing.T) {
	store := &delayed{Store: memory.New(), delay: 150 * time.Millisecond}
	refs := make([]string, 400)
	for i := range refs {
		refs[i] = fmt.Sprintf("/app/p%03d", i)
		store.Put(refs[i], "v")
	}
	c := newProviderClient(t, store, func(o *secrets.Options) { o.LoadTimeout = 600 * time.Millisecond })
	if _, err := c.GetMany(context.Background(), refs...); err != nil {
		t.Fatalf("GetMany of 400 parameters, 150 ms a call: %v", err)
	}
	if n := store.calls.Load(); n != 40 {
		t.Errorf("%d calls, want 40", n)
	}

	store.delay = time.Hour // a listing that never ends
	start := time.Now()
	if _, err := c.GetPath(context.Background(), "/app", true); !errors.Is(err, secrets.ErrUnavailable) {
		t.Errorf("GetPath past LoadTimeout: %v, want ErrUnavailable", err)
	}
	if d := time.Since(start); d > hangSlack {
		t.Errorf("GetPath took %v with a 600 ms LoadTimeout", d.Round(time.Millisecond))
	}
	done := make(chan error, 1)
	go func() {
		_, err := c.GetPath(context.Background(), "/app", true)
		done <- err
	}()
	poll.Until(t, "the listing to start", func() bool { return store.calls.Load() == 42 })
	_ = c.Close()
	select {
	case err := <-done:
		if !errors.Is(err, secrets.ErrClosed) {
			t.Errorf("GetPath across Close: %v, want ErrClosed", err)
		}
	case <-time.After(hangSlack):
		t.Errorf("GetPath blocked past Close")
	}
}

// Close returns in bounded time even when a provider ignores its context:
// a file: reference to a FIFO with no writer blocks in the kernel. The
// stuck read fails with a classified error.
func TestCloseWithAFIFOWithoutWriter(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "secret.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		if runtime.GOOS == "linux" {
			t.Fatalf("mkfifo: %v", err) // Linux has FIFOs: this must run
		}
		t.Skipf("no FIFOs here: %v", err)
	}
	// Whatever happens, give the stuck open a writer at the end, so that
	// its goroutine ends.
	t.Cleanup(func() {
		if f, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			_ = f.Close()
		}
	})
	waiting := &missSignal{missed: make(chan struct{}, 1)}
	c, _ := newMemoryClient(t, func(o *secrets.Options) { o.Observer = waiting })
	done := make(chan error, 1)
	go func() {
		_, err := c.Get(context.Background(), "file:"+fifo)
		done <- err
	}()
	<-waiting.missed
	start := time.Now()
	_ = c.Close()
	if d := time.Since(start); d > hangSlack {
		t.Errorf("Close took %v with a read stuck on a FIFO", d.Round(time.Millisecond))
	}
	select {
	case err := <-done:
		if !errors.Is(err, secrets.ErrClosed) {
			t.Errorf("the stuck read: %v, want ErrClosed", err)
		}
	case <-time.After(hangSlack):
		t.Errorf("the stuck read did not return after Close")
	}
}

// scheduleGauge records how many rotation-schedule look-ups run at once.
type scheduleGauge struct {
	*memory.Store
	running, most atomic.Int32
}

func (g *scheduleGauge) Describe(ctx context.Context, req providers.Request) (providers.Description, error) {
	n := g.running.Add(1)
	defer g.running.Add(-1)
	for {
		m := g.most.Load()
		if n <= m || g.most.CompareAndSwap(m, n) {
			break
		}
	}
	time.Sleep(2 * time.Millisecond)
	return g.Store.Describe(ctx, req)
}

func (g *scheduleGauge) BatchGroup(providers.Request) (string, int) { return "", 20 }

func (g *scheduleGauge) FetchBatch(ctx context.Context, reqs []providers.Request) []providers.BatchResult {
	out := make([]providers.BatchResult, len(reqs))
	for i, r := range reqs {
		out[i].Result, out[i].Err = g.Fetch(ctx, r)
	}
	return out
}

// After a GetMany of 500 secrets the rotation-schedule look-ups run a few
// at a time, like value fetches, not 500 at once.
func TestRotationLookupsAreBounded(t *testing.T) {
	store := &scheduleGauge{Store: memory.New()}
	refs := make([]string, 500)
	for i := range refs {
		name := fmt.Sprintf("app/s%03d", i)
		store.Put(name, "v")
		refs[i] = "sm:" + name
	}
	c := newProviderClient(t, store)
	if _, err := c.GetMany(context.Background(), refs...); err != nil {
		t.Fatal(err)
	}
	_ = c.Close()
	if m := store.most.Load(); m > 8 {
		t.Errorf("%d rotation look-ups ran at once, want at most 8", m)
	}
}

// A Refresh right after an ordinary fetch fetches: the password was read,
// then rotated, then rejected by the database; Refresh must return the new
// one, not the one just read.
func TestRefreshAfterAFetchFetches(t *testing.T) {
	c, store := newMemoryClient(t)
	store.Put("prod/db", "old")
	ctx := context.Background()
	if v, _ := c.GetString(ctx, "sm:prod/db"); v != "old" {
		t.Fatal("first read")
	}
	store.Put("prod/db", "rotated")
	if v, err := c.Refresh(ctx, "sm:prod/db"); err != nil || v.Reveal() != "rotated" {
		t.Fatalf("Refresh right after a fetch = %d bytes, %v; want the rotated value", v.Len(), err)
	}
}

// A misconfigured process fails New at once, with ErrMisconfigured and a
// message that says what to set, not a "service unavailable" at each read.
func TestNoRegionFailsNew(t *testing.T) {
	empty := filepath.Join(t.TempDir(), "empty")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE"} {
		t.Setenv(k, "")
	}
	t.Setenv("AWS_CONFIG_FILE", empty)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", empty)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	_, err := secrets.New(context.Background())
	if !errors.Is(err, secrets.ErrMisconfigured) || errors.Is(err, secrets.ErrUnavailable) || !strings.Contains(err.Error(), "AWS_REGION") {
		t.Fatalf("New without a region: %v; want ErrMisconfigured naming AWS_REGION", err)
	}
}

// Background refresh failures are logged, at the level asked; a failure
// returned to its caller is not also logged; an optional field that is
// absent is no warning.
func TestLoggerLogsWhatItSays(t *testing.T) {
	var buf syncbuf.Buffer
	clock := newClock()
	c, store := newMemoryClient(t, func(o *secrets.Options) {
		o.Clock = clock
		o.TTL = time.Minute
		o.Logger = slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
		o.FailureLevel = slog.LevelError
		o.DisableRotationSchedule = true
	})
	ctx := context.Background()
	store.Put("app/a", "v")
	if _, err := c.Get(ctx, "sm:app/missing"); !errors.Is(err, secrets.ErrNotFound) {
		t.Fatal(err)
	}
	var cfg struct {
		X string `secret:"sm:app/absent,optional"`
	}
	if err := c.Load(ctx, &cfg); err != nil {
		t.Fatal(err)
	}
	if out := buf.String(); out != "" {
		t.Fatalf("failures returned to their callers were logged: %s", out)
	}
	if _, err := c.Get(ctx, "sm:app/a"); err != nil {
		t.Fatal(err)
	}
	store.Fail("app/a", providers.Classify(providers.ErrThrottled, errors.New("Rate exceeded")))
	clock.Advance(55 * time.Second) // refresh ahead, in the background
	if _, err := c.Get(ctx, "sm:app/a"); err != nil {
		t.Fatal(err)
	}
	poll.Until(t, "the background failure to be logged", func() bool {
		return strings.Contains(buf.String(), "level=ERROR") && strings.Contains(buf.String(), "sm:app/a")
	})
}

// missSignal is an Observer that signals each read that waits for a fetch.
type missSignal struct {
	missed chan struct{}
}

func (m *missSignal) Missed(secrets.Ref) {
	select {
	case m.missed <- struct{}{}:
	default:
	}
}
func (*missSignal) ServedStale(secrets.Ref, time.Duration)  {}
func (*missSignal) Refreshing([]secrets.Ref, cache.Refresh) {}
func (*missSignal) Evicted(secrets.Ref)                     {}
func (*missSignal) NewVersion(secrets.Ref)                  {}
func (*missSignal) Delivered(secrets.Ref)                   {}
func (*missSignal) ProviderCall(ctx context.Context, _ secrets.ProviderCall) (context.Context, func([]error)) {
	return ctx, nil
}
func (*missSignal) RegionChanged(string, string, secrets.RegionState) {}

// refusingSecrets stands in for Secrets Manager under a policy that grants
// GetSecretValue only: BatchGetSecretValue is refused, and counted.
type refusingSecrets struct {
	smprovider.API
	batchCalls, singleCalls atomic.Int32
}

func (r *refusingSecrets) BatchGetSecretValue(context.Context, *secretsmanager.BatchGetSecretValueInput, ...func(*secretsmanager.Options)) (*secretsmanager.BatchGetSecretValueOutput, error) {
	r.batchCalls.Add(1)
	return nil, &smithy.GenericAPIError{Code: "AccessDeniedException", Message: "not authorized to perform secretsmanager:BatchGetSecretValue"}
}

func (r *refusingSecrets) GetSecretValue(_ context.Context, in *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	r.singleCalls.Add(1)
	return &secretsmanager.GetSecretValueOutput{Name: in.SecretId, SecretString: aws.String("v"), VersionId: aws.String("1")}, nil
}

// A refused BatchGetSecretValue is not called again for the other chunks
// of the same GetMany: 1,000 secrets make one refused call (one AccessDenied
// event in CloudTrail), then GetSecretValue calls. kumo serves
// BatchGetSecretValue, so the refusal comes from a substituted SDK client.
func TestRefusedBatchIsCalledOnce(t *testing.T) {
	api := &refusingSecrets{}
	c, err := secrets.New(context.Background(), func(o *secrets.Options) {
		o.Providers = map[string]providers.Provider{"sm": smprovider.New(api), "ssm": memory.New()}
		o.DisableRotationSchedule = true
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	refs := make([]string, 1000)
	for i := range refs {
		refs[i] = fmt.Sprintf("sm:app/s%04d", i)
	}
	if _, err := c.GetMany(context.Background(), refs...); err != nil {
		t.Fatal(err)
	}
	if n, m := api.batchCalls.Load(), api.singleCalls.Load(); n != 1 || m != 1000 {
		t.Errorf("%d BatchGetSecretValue and %d GetSecretValue calls for 1,000 secrets, want 1 and 1000", n, m)
	}
}

// Coalesced background refreshes under a policy that grants
// ssm:GetParameter only: the refused GetParameters is called once, and the
// refreshes go on with GetParameter, reading the new versions. The refusal
// comes from a substituted SDK client (kumo serves GetParameters).
func TestCoalescedRefreshWithBatchRefused(t *testing.T) {
	var version atomic.Int64
	version.Store(1)
	api := &sdkfake.SSM{
		OnGetParameter: func(_ context.Context, in *ssm.GetParameterInput) (*ssm.GetParameterOutput, error) {
			return &ssm.GetParameterOutput{Parameter: &ssmtypes.Parameter{Name: in.Name, Value: aws.String("v"), Version: version.Load()}}, nil
		},
		OnGetParameters: func(context.Context, *ssm.GetParametersInput) (*ssm.GetParametersOutput, error) {
			return nil, &smithy.GenericAPIError{Code: "AccessDeniedException", Message: "not authorized to perform ssm:GetParameters"}
		},
	}
	clock := newClock()
	c, err := secrets.New(context.Background(), func(o *secrets.Options) {
		o.Providers = map[string]providers.Provider{"sm": memory.New(), "ssm": ssmprovider.New(api)}
		o.Clock = clock
		o.TTL = time.Minute
		o.Jitter = secrets.Disabled
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	refs := make([]string, 10)
	for i := range refs {
		refs[i] = fmt.Sprintf("/app/p%d", i)
	}
	if _, err := c.GetMany(ctx, refs...); err != nil {
		t.Fatal(err)
	}
	version.Store(2)
	clock.Advance(50 * time.Second) // every value in its refresh-ahead window
	if _, err := c.Get(ctx, refs[0]); err != nil {
		t.Fatal(err)
	}
	poll.Until(t, "every value refreshed", func() bool {
		for _, ref := range refs {
			if v, err := c.Get(ctx, ref); err != nil || v.Version() != "2" {
				return false
			}
		}
		return true
	})
	if n := len(api.GetParametersCalls()); n != 1 {
		t.Errorf("%d GetParameters calls, want the one refused", n)
	}
}
