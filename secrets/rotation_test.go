package secrets_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/secretref/secretref/internal/testing/fakeclock"
	"github.com/secretref/secretref/internal/testing/kumotest"
	"github.com/secretref/secretref/internal/testing/poll"
	"github.com/secretref/secretref/providers"
	"github.com/secretref/secretref/providers/memory"
	"github.com/secretref/secretref/secrets"
)

func newClock() *fakeclock.Clock { return fakeclock.New(time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)) }

// Rotation against kumo: a new secret version and a new parameter version
// are picked up after the TTL, and each watcher hears of its new version
// once. The clock is fake, so "after the TTL" takes no time.
func TestRotationAgainstKumo(t *testing.T) {
	ctx := context.Background()
	srv := kumotest.Start(t)
	sm, p := srv.SecretsManager(t), srv.SSM(t)
	if _, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("rot/db"), SecretString: aws.String(`{"password":"before-rotation"}`)}); err != nil {
		t.Fatal(err)
	}
	putParam := func(v string) {
		if _, err := p.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String("/rot/key"), Value: aws.String(v),
			Type: ssmtypes.ParameterTypeSecureString, Overwrite: aws.Bool(true)}); err != nil {
			t.Fatal(err)
		}
	}
	putParam("key-before")
	clk := newClock()
	c, log := newKumoClient(t, srv, func(o *secrets.Options) { o.Clock = clk; o.TTL = time.Minute })

	var secretSeen, paramSeen atomic.Int32
	var secretVersion atomic.Value
	for ref, counter := range map[string]*atomic.Int32{"sm:rot/db#password": &secretSeen, "/rot/key": &paramSeen} {
		if _, err := c.Get(ctx, ref); err != nil {
			t.Fatal(err)
		}
		stop, err := c.Watch(ref, func(v secrets.Value) {
			counter.Add(1)
			if strings.HasPrefix(ref, "sm:") {
				secretVersion.Store(v.Version())
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		defer stop()
	}
	put, err := sm.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String("rot/db"), SecretString: aws.String(`{"password":"after-rotation"}`)})
	if err != nil {
		t.Fatal(err)
	}
	putParam("key-after")

	if got, _ := c.GetString(ctx, "sm:rot/db#password"); got != "before-rotation" {
		t.Fatal("the cache did not serve the cached version within the TTL")
	}
	clk.Advance(2 * time.Minute)
	for ref, want := range map[string]string{"sm:rot/db#password": "after-rotation", "/rot/key": "key-after"} {
		if got, err := c.GetString(ctx, ref); err != nil || got != want {
			t.Fatalf("%s after the TTL: %d bytes, %v; want the new version", ref, len(got), err)
		}
	}
	poll.Until(t, "both watchers", func() bool { return secretSeen.Load() == 1 && paramSeen.Load() == 1 })
	// More reads of the same versions: no further notifications.
	for range 10 {
		_, _ = c.Get(ctx, "sm:rot/db#password")
	}
	clk.Advance(2 * time.Minute)
	_, _ = c.Get(ctx, "sm:rot/db#password")
	time.Sleep(20 * time.Millisecond)
	if secretSeen.Load() != 1 || paramSeen.Load() != 1 {
		t.Fatalf("watchers called %d and %d times, want once each", secretSeen.Load(), paramSeen.Load())
	}
	if v := secretVersion.Load(); v != aws.ToString(put.VersionId) {
		t.Fatalf("watch saw version %v, want %s", v, aws.ToString(put.VersionId))
	}
	if log.Count("DescribeSecret") == 0 {
		t.Error("the rotation schedule was never looked up")
	}
}

// kumo has no rotation (no AWSPENDING without losing AWSCURRENT, no
// RotateSecret), so the rotation window is played with the memory store.
func TestCandidatesDuringRotation(t *testing.T) {
	c, store := newMemoryClient(t, func(o *secrets.Options) { o.MinRefreshInterval = secrets.Disabled })
	ctx := context.Background()
	store.Put("prod/db", `{"password":"current-pw"}`)

	reveal := func(vs []secrets.Value) string {
		var s []string
		for _, v := range vs {
			s = append(s, v.Reveal())
		}
		return strings.Join(s, ",")
	}
	got, err := c.Candidates(ctx, "sm:prod/db#password")
	if err != nil || reveal(got) != "current-pw" {
		t.Fatalf("no rotation under way: %d candidates, %v; want the current one", len(got), err)
	}
	// createSecret/setSecret: a pending version exists.
	pending := store.PutPending("prod/db", `{"password":"pending-pw"}`)
	_ = c.Invalidate("sm:prod/db?stage=AWSPENDING")
	got, err = c.Candidates(ctx, "sm:prod/db#password")
	if err != nil || reveal(got) != "current-pw,pending-pw" {
		t.Fatalf("during rotation: %d candidates, %v; want current then pending", len(got), err)
	}
	// finishSecret: the pending version becomes current.
	if err := store.SetStage("prod/db", memory.StageCurrent, pending); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Refresh(ctx, "sm:prod/db"); err != nil {
		t.Fatal(err)
	}
	_ = c.Invalidate("sm:prod/db?stage=AWSPENDING")
	got, err = c.Candidates(ctx, "sm:prod/db#password")
	if err != nil || reveal(got) != "pending-pw" {
		t.Fatalf("after rotation: %d candidates, %v; want the new current one", len(got), err)
	}
	if _, err := c.Candidates(ctx, "sm:prod/db?stage=AWSPREVIOUS"); !errors.Is(err, secrets.ErrInvalidReference) {
		t.Fatalf("Candidates of a pinned version: %v", err)
	}
}

func TestScheduledRotationClampsExpiry(t *testing.T) {
	clk := newClock()
	c, store := newMemoryClient(t, func(o *secrets.Options) { o.Clock = clk; o.TTL = time.Hour; o.Jitter = secrets.Disabled })
	store.Put("prod/db", "before")
	if err := store.SetNextRotation("prod/db", clk.Now().Add(10*time.Minute)); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.Get(ctx, "sm:prod/db"); err != nil {
		t.Fatal(err)
	}
	store.Put("prod/db", "after") // the scheduled rotation, early
	// The schedule is looked up in the background; until it has been, the
	// value expires by TTL. Poll by moving the clock past the rotation.
	clk.Advance(10*time.Minute + secrets.RotationGrace + time.Second)
	poll.Until(t, "the clamped expiry", func() bool {
		v, err := c.GetString(ctx, "sm:prod/db")
		return err == nil && v == "after"
	})
	if calls := store.Calls(); calls != 2 {
		t.Errorf("%d fetches, want 2", calls)
	}
}

// scheduleCounter counts the rotation schedule look-ups of a memory store.
type scheduleCounter struct {
	*memory.Store
	lookups atomic.Int32
}

func (s *scheduleCounter) Describe(ctx context.Context, req providers.Request) (providers.Description, error) {
	s.lookups.Add(1)
	return s.Store.Describe(ctx, req)
}

// WithoutRotationSchedule makes no look-up: a role without
// secretsmanager:DescribeSecret then makes no refused call.
func TestWithoutRotationSchedule(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []func(*secrets.Options)
		want int32
	}{
		{name: "default", want: 1},
		{name: "DisableRotationSchedule", opts: []func(*secrets.Options){func(o *secrets.Options) { o.DisableRotationSchedule = true }}, want: 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			store := &scheduleCounter{Store: memory.New()}
			store.Put("prod/db", "v")
			c := newProviderClient(t, store, tc.opts...)
			if _, err := c.Get(context.Background(), "sm:prod/db"); err != nil {
				t.Fatal(err)
			}
			_ = c.Close() // waits for the background look-up
			if got := store.lookups.Load(); got != tc.want {
				t.Errorf("%d look-ups, want %d", got, tc.want)
			}
		})
	}
}

// slowProvider serves "v" after release is closed.
type slowProvider struct {
	release chan struct{}
	calls   atomic.Int32
}

func (p *slowProvider) Fetch(ctx context.Context, _ providers.Request) (*providers.Result, error) {
	p.calls.Add(1)
	select {
	case <-p.release:
		return &providers.Result{Value: []byte("v"), Version: "1"}, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func TestCancelledWaiterReturnsAtOnce(t *testing.T) {
	slow := &slowProvider{release: make(chan struct{})}
	c, _ := newMemoryClient(t, func(o *secrets.Options) { o.Providers["slow"] = slow })
	other := make(chan error, 1)
	go func() {
		_, err := c.Get(context.Background(), "slow:x")
		other <- err
	}()
	poll.Until(t, "the fetch to start", func() bool { return slow.calls.Load() == 1 })
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Get(ctx, "slow:x"); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled waiter: %v, want context.Canceled", err)
	}
	close(slow.release)
	if err := <-other; err != nil {
		t.Fatalf("the other waiter: %v", err)
	}
	if slow.calls.Load() != 1 {
		t.Fatalf("%d fetches, want 1", slow.calls.Load())
	}
}

// An outage: every cached reference keeps being served, with no error,
// until the backend recovers; a deletion then surfaces as ErrNotFound. The
// same against kumo through a fault-injecting proxy is in faults_test.go.
func TestOutageServesLastGoodValues(t *testing.T) {
	clk := newClock()
	c, store := newMemoryClient(t, func(o *secrets.Options) { o.Clock = clk; o.TTL = time.Minute })
	ctx := context.Background()
	refs := make([]string, 50)
	for i := range refs {
		name := fmt.Sprintf("app/s%02d", i)
		store.Put(name, "good-"+name)
		refs[i] = "sm:" + name
		if _, err := c.Get(ctx, refs[i]); err != nil {
			t.Fatal(err)
		}
	}
	store.Fail("", providers.Classify(providers.ErrThrottled, errors.New("Rate exceeded")))
	clk.Advance(5 * time.Minute)
	for i := range 10_000 {
		ref := refs[i%len(refs)]
		v, err := c.GetString(ctx, ref)
		if err != nil || v != "good-"+strings.TrimPrefix(ref, "sm:") {
			t.Fatalf("read %d of %s during the outage: %v", i, ref, err)
		}
		if i%1000 == 999 {
			clk.Advance(time.Minute) // retries come due; staleness stays under an hour
		}
	}
	if s := c.Stats(); s.StaleServes < 10_000 {
		t.Errorf("%d stale serves, want ≥ 10000", s.StaleServes)
	}
	store.Fail("", nil)
	store.Put("app/s00", "rotated")
	// A background refresh that started during the outage may still fail
	// and set a retry up to MaxRetryBackoff (1 minute) away: time moves on
	// while polling.
	poll.Until(t, "the new version after recovery", func() bool {
		clk.Advance(time.Minute)
		v, _ := c.GetString(ctx, refs[0])
		return v == "rotated"
	})
	store.Delete("app/s01")
	poll.Until(t, "the deletion to surface", func() bool {
		clk.Advance(time.Minute)
		_, err := c.Get(ctx, refs[1])
		return errors.Is(err, secrets.ErrNotFound)
	})
}

// Many goroutines read, refresh and invalidate while versions change: no
// race, no deadlock, and every value read is one the backend held.
func TestConcurrentReadsRefreshesAndInvalidations(t *testing.T) {
	c, store := newMemoryClient(t, func(o *secrets.Options) { o.TTL = 20 * time.Millisecond; o.MinRefreshInterval = secrets.Disabled })
	const refs = 20
	var latest [refs]atomic.Int64
	for i := range refs {
		store.Put(fmt.Sprintf("r%02d", i), fmt.Sprintf("r%02d-v%d", i, 0))
	}
	ctx := context.Background()
	deadline := time.Now().Add(2 * time.Second)
	var wg sync.WaitGroup
	var reads atomic.Int64
	wg.Go(func() { // the backend rotates versions
		for n := int64(1); time.Now().Before(deadline); n++ {
			i := rand.IntN(refs)
			latest[i].Store(n) // first: a reader may see the value at once
			store.Put(fmt.Sprintf("r%02d", i), fmt.Sprintf("r%02d-v%d", i, n))
			time.Sleep(time.Millisecond)
		}
	})
	for g := range 1000 {
		wg.Go(func() {
			for time.Now().Before(deadline) {
				i := rand.IntN(refs)
				ref := fmt.Sprintf("sm:r%02d", i)
				var v secrets.Value
				var err error
				switch g % 10 {
				case 0:
					v, err = c.Refresh(ctx, ref)
				case 1:
					if err := c.Invalidate(ref); err != nil {
						t.Errorf("Invalidate(%q): %v", ref, err)
						return
					}
					continue
				default:
					v, err = c.Get(ctx, ref)
				}
				if err != nil {
					t.Errorf("%s: %v", ref, err)
					return
				}
				var n int64
				if _, scanErr := fmt.Sscanf(v.Reveal(), fmt.Sprintf("r%02d-v%%d", i), &n); scanErr != nil || n > latest[i].Load() {
					t.Errorf("%s: a value the backend never held", ref)
					return
				}
				reads.Add(1)
			}
		})
	}
	wg.Wait()
	t.Logf("%d reads", reads.Load())
}
