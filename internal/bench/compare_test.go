package bench

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-secretsmanager-caching-go/v2/secretcache"
	"github.com/aws/smithy-go/logging"
	"gocloud.dev/runtimevar"
	"gocloud.dev/runtimevar/awssecretsmanager"
	"gocloud.dev/runtimevar/constantvar"

	"github.com/secretref/secretref/internal/testing/kumotest"
	"github.com/secretref/secretref/providers"
	"github.com/secretref/secretref/providers/memory"
	smprovider "github.com/secretref/secretref/providers/secretsmanager"
	"github.com/secretref/secretref/secrets"
)

// secretName is the secret every library reads: a bare name, which all
// three accept and which secretref reads as a Secrets Manager reference, so
// that each library hashes a key of the same length.
const secretName = "bench/db"

// secretsAPI is what secretref's provider and the caching client each need
// of a Secrets Manager client.
type secretsAPI interface {
	smprovider.API
	secretcache.SecretsManagerAPIClient
}

// backend is a Secrets Manager holding secretName, as each library is
// given it.
type backend struct {
	api secretsAPI             // secretref's provider and the caching client
	sdk *secretsmanager.Client // runtimevar, which takes only the SDK's client
	// rotate stores a new current version and returns its value.
	rotate func() string
	// calls returns how many GetSecretValue and DescribeSecret calls the
	// backend has answered.
	calls func() (getSecretValue, describeSecret int64)

	mu      sync.Mutex
	value   string // current value: a fake
	version int
}

func (be *backend) current() string {
	be.mu.Lock()
	defer be.mu.Unlock()
	return be.value
}

func (be *backend) next() string {
	be.mu.Lock()
	defer be.mu.Unlock()
	be.version++
	be.value = "not-a-real-password-" + strconv.Itoa(be.version)
	return be.value
}

// stubBackend is the stand-in, given to secretref and the caching client as
// Go methods; sdkOnly gives them the SDK client over the stand-in instead,
// as runtimevar always is.
func stubBackend(sdkOnly bool) *backend {
	be := &backend{}
	stub := newStubSecrets(secretName, be.next())
	be.api, be.sdk = stub, stub.sdkClient()
	if sdkOnly {
		be.api = be.sdk
	}
	be.rotate = func() string {
		v := be.next()
		stub.rotate(v)
		return v
	}
	be.calls = stub.calls
	return be
}

// kumoBackend starts a kumo server holding secretName for the duration of b.
func kumoBackend(b *testing.B) *backend {
	srv := kumotest.Start(b)
	seed := srv.SecretsManager(b)
	ctx := context.Background()
	be := &backend{}
	if _, err := seed.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String(secretName), SecretString: aws.String(be.next())}); err != nil {
		b.Fatal(err)
	}
	cfg, log := srv.LoggedConfig(b)
	// The SDK warns on stderr when it cannot drain a response body from a
	// connection the emulator closed; the line would land in the middle of
	// a benchmark's result line and break its parsing.
	cfg.Logger = logging.Nop{}
	be.sdk = secretsmanager.NewFromConfig(cfg)
	be.api = be.sdk
	be.rotate = func() string {
		v := be.next()
		if _, err := seed.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String(secretName), SecretString: aws.String(v)}); err != nil {
			b.Fatal(err)
		}
		return v
	}
	var mu sync.Mutex
	var gsv, desc int64
	be.calls = func() (int64, int64) {
		mu.Lock()
		defer mu.Unlock()
		for _, r := range log.Take() {
			switch op := r.Header.Get("X-Amz-Target"); {
			case strings.HasSuffix(op, ".GetSecretValue"):
				gsv++
			case strings.HasSuffix(op, ".DescribeSecret"):
				desc++
			}
		}
		return gsv, desc
	}
	return be
}

// forBackends runs f on the stand-in and on a kumo server, which is started
// only when a kumo benchmark is selected.
func forBackends(b *testing.B, f func(b *testing.B, be *backend)) {
	b.Run("stub", func(b *testing.B) { f(b, stubBackend(false)) })
	b.Run("kumo", func(b *testing.B) { f(b, kumoBackend(b)) })
}

func newSecretref(b *testing.B, be *backend, opts ...func(*secrets.Options)) *secrets.Client {
	b.Helper()
	c, err := secrets.New(context.Background(), append([]func(*secrets.Options){func(o *secrets.Options) {
		o.Providers = map[string]providers.Provider{
			secrets.SchemeSecretsManager: smprovider.New(be.api),
			secrets.SchemeParameterStore: memory.New(),
		}
	}}, opts...)...)
	if err != nil {
		b.Fatal(err)
	}
	return c
}

func newSecretcache(b *testing.B, be *backend, ttl time.Duration) *secretcache.Cache {
	b.Helper()
	c, err := secretcache.New(func(c *secretcache.Cache) {
		c.Client = be.api
		if ttl > 0 {
			c.CacheItemTTL = int64(ttl)
		}
	})
	if err != nil {
		b.Fatal(err)
	}
	return c
}

func newRuntimevar(b *testing.B, be *backend, wait time.Duration) *runtimevar.Variable {
	b.Helper()
	v, err := awssecretsmanager.OpenVariable(be.sdk, secretName, runtimevar.StringDecoder, &awssecretsmanager.Options{WaitDuration: wait})
	if err != nil {
		b.Fatal(err)
	}
	return v
}

// check fails b unless got is the backend's current value; it never shows
// either value.
func check(b *testing.B, be *backend, got string, err error) {
	b.Helper()
	if err != nil {
		b.Fatal(err)
	}
	if got != be.current() {
		b.Fatalf("read a %d-byte value that is not the current one", len(got))
	}
}

func snapshotString(s runtimevar.Snapshot, err error) (string, error) {
	v, _ := s.Value.(string)
	return v, err
}

// Sinks keep the compiler from discarding the results of the calls measured.
var (
	sinkValue    secrets.Value
	sinkString   string
	sinkSnapshot runtimevar.Snapshot
	sinkErr      error
)

// BenchmarkHit reads a cached secret on one goroutine.
func BenchmarkHit(b *testing.B) {
	forBackends(b, func(b *testing.B, be *backend) { hits(b, be, false) })
}

// BenchmarkHitParallel reads a cached secret on GOMAXPROCS goroutines.
func BenchmarkHitParallel(b *testing.B) {
	forBackends(b, func(b *testing.B, be *backend) { hits(b, be, true) })
}

// hits runs the hit benchmark of each library. Each loop calls its library
// directly, not through a function value, so that no library pays for an
// indirection the others do not.
func hits(b *testing.B, be *backend, parallel bool) {
	ctx := context.Background()
	for _, clock := range []struct {
		suffix string
		opts   []func(*secrets.Options)
	}{
		{"", nil},
		// The system clock read at every access, as in Lambda.
		{"-exact", []func(*secrets.Options){func(o *secrets.Options) { o.ClockGranularity = secrets.Disabled }}},
	} {
		b.Run("secretref-Get"+clock.suffix, func(b *testing.B) {
			c := newSecretref(b, be, clock.opts...)
			b.Cleanup(func() { _ = c.Close() })
			for range 3 { // until the reference is in the lock-free index
				v, err := c.Get(ctx, secretName)
				check(b, be, v.Reveal(), err)
			}
			b.ReportAllocs()
			if parallel {
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						_, _ = c.Get(ctx, secretName)
					}
				})
				return
			}
			var v secrets.Value
			var err error
			for b.Loop() {
				v, err = c.Get(ctx, secretName)
			}
			sinkValue, sinkErr = v, err
		})
		b.Run("secretref-VarGet"+clock.suffix, func(b *testing.B) {
			c := newSecretref(b, be, clock.opts...)
			b.Cleanup(func() { _ = c.Close() })
			sv, err := c.Bind(secretName)
			if err != nil {
				b.Fatal(err)
			}
			v, err := sv.Get(ctx)
			check(b, be, v.Reveal(), err)
			b.ReportAllocs()
			if parallel {
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						_, _ = sv.Get(ctx)
					}
				})
				return
			}
			for b.Loop() {
				v, err = sv.Get(ctx)
			}
			sinkValue, sinkErr = v, err
		})
	}
	b.Run("secretcache", func(b *testing.B) {
		c := newSecretcache(b, be, 0)
		s, err := c.GetSecretStringWithContext(ctx, secretName)
		check(b, be, s, err)
		b.ReportAllocs()
		if parallel {
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					_, _ = c.GetSecretStringWithContext(ctx, secretName)
				}
			})
			return
		}
		for b.Loop() {
			s, err = c.GetSecretStringWithContext(ctx, secretName)
		}
		sinkString, sinkErr = s, err
	})
	b.Run("runtimevar", func(b *testing.B) {
		v := newRuntimevar(b, be, 0)
		b.Cleanup(func() { _ = v.Close() })
		s, err := snapshotString(v.Latest(ctx))
		check(b, be, s, err)
		b.ReportAllocs()
		latest(b, v, parallel)
	})
	b.Run("constantvar", func(b *testing.B) {
		v := constantvar.New(be.current())
		b.Cleanup(func() { _ = v.Close() })
		s, err := snapshotString(v.Latest(ctx))
		check(b, be, s, err)
		b.ReportAllocs()
		latest(b, v, parallel)
	})
}

func latest(b *testing.B, v *runtimevar.Variable, parallel bool) {
	ctx := context.Background()
	if parallel {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				_, _ = v.Latest(ctx)
			}
		})
		return
	}
	var s runtimevar.Snapshot
	var err error
	for b.Loop() {
		s, err = v.Latest(ctx)
	}
	sinkSnapshot, sinkErr = s, err
}

// closeBatch is how many cold instances a miss benchmark keeps open before
// closing them with its timer stopped.
const closeBatch = 256

// BenchmarkMiss reads a secret with a library instance made for the read,
// as a process's first read does: ns/op is making the instance and reading,
// backend-calls/op the calls the read causes (secretref's rotation-schedule
// look-up runs in the background, after the value is returned; it is
// counted). On "stub" secretref and the caching client call the stand-in's
// Go methods; on "stub-sdk" every library goes through the SDK's client to
// the stand-in in process, which is how runtimevar always reads.
func BenchmarkMiss(b *testing.B) {
	b.Run("stub", func(b *testing.B) { misses(b, stubBackend(false), false) })
	b.Run("stub-sdk", func(b *testing.B) { misses(b, stubBackend(true), true) })
	b.Run("kumo", func(b *testing.B) { misses(b, kumoBackend(b), true) })
}

func misses(b *testing.B, be *backend, withRuntimevar bool) {
	ctx := context.Background()
	// coldReads times open-and-read; closing happens in batches, untimed.
	coldReads := func(b *testing.B, read func() (string, func())) {
		gsv0, desc0 := be.calls()
		var closers []func()
		closeAll := func() {
			for _, c := range closers {
				c()
			}
			closers = closers[:0]
		}
		want := be.current()
		b.ReportAllocs()
		for b.Loop() {
			v, closer := read()
			if v != want {
				b.Fatalf("read a %d-byte value that is not the current one", len(v))
			}
			if closer != nil {
				closers = append(closers, closer)
			}
			if len(closers) == closeBatch {
				b.StopTimer()
				closeAll()
				b.StartTimer()
			}
		}
		b.StopTimer()
		closeAll()
		gsv1, desc1 := be.calls()
		b.ReportMetric(float64(gsv1-gsv0+desc1-desc0)/float64(b.N), "backend-calls/op")
	}
	b.Run("secretref", func(b *testing.B) {
		coldReads(b, func() (string, func()) {
			c := newSecretref(b, be)
			v, err := c.Get(ctx, secretName)
			if err != nil {
				b.Fatal(err)
			}
			return v.Reveal(), func() { _ = c.Close() }
		})
	})
	b.Run("secretcache", func(b *testing.B) {
		coldReads(b, func() (string, func()) {
			s, err := newSecretcache(b, be, 0).GetSecretStringWithContext(ctx, secretName)
			if err != nil {
				b.Fatal(err)
			}
			return s, nil
		})
	})
	if !withRuntimevar {
		return
	}
	b.Run("runtimevar", func(b *testing.B) {
		coldReads(b, func() (string, func()) {
			v := newRuntimevar(b, be, 0)
			s, err := snapshotString(v.Latest(ctx))
			if err != nil {
				b.Fatal(err)
			}
			return s, func() { _ = v.Close() }
		})
	})
}

// rotationPeriod is the freshness each library is configured for in
// BenchmarkRotation: secretref's TTL, the caching client's CacheItemTTL,
// runtimevar's WaitDuration. It is short so that a benchmark notices a few
// dozen rotations a second; the number of calls per rotation does not
// depend on it.
const rotationPeriod = 50 * time.Millisecond

// BenchmarkRotation stores a new version of the secret, then reads it every
// millisecond, as a busy service would, until the library returns the new
// value. ns/op is how long that took; the metrics are the backend calls the
// library made per rotation, counted over the whole run, idle polling
// included.
func BenchmarkRotation(b *testing.B) {
	forBackends(b, func(b *testing.B, be *backend) {
		ctx := context.Background()
		b.Run("secretref", func(b *testing.B) {
			c := newSecretref(b, be, func(o *secrets.Options) { o.TTL = rotationPeriod })
			b.Cleanup(func() { _ = c.Close() })
			rotations(b, be, func() string {
				v, err := c.Get(ctx, secretName)
				if err != nil {
					b.Fatal(err)
				}
				return v.Reveal()
			})
		})
		b.Run("secretcache", func(b *testing.B) {
			c := newSecretcache(b, be, rotationPeriod)
			rotations(b, be, func() string {
				s, err := c.GetSecretStringWithContext(ctx, secretName)
				if err != nil {
					b.Fatal(err)
				}
				return s
			})
		})
		b.Run("runtimevar", func(b *testing.B) {
			v := newRuntimevar(b, be, rotationPeriod)
			b.Cleanup(func() { _ = v.Close() })
			rotations(b, be, func() string {
				s, err := snapshotString(v.Latest(ctx))
				if err != nil {
					b.Fatal(err)
				}
				return s
			})
		})
	})
}

func rotations(b *testing.B, be *backend, read func() string) {
	if read() != be.current() {
		b.Fatal("first read is not the current value")
	}
	gsv0, desc0 := be.calls()
	for b.Loop() {
		want := be.rotate()
		deadline := time.Now().Add(100 * rotationPeriod)
		for read() != want {
			if time.Now().After(deadline) {
				b.Fatalf("the new version was not read within %v", 100*rotationPeriod)
			}
			time.Sleep(time.Millisecond)
		}
	}
	gsv1, desc1 := be.calls()
	n := float64(b.N)
	b.ReportMetric(float64(gsv1-gsv0)/n, "GetSecretValue/rotation")
	b.ReportMetric(float64(desc1-desc0)/n, "DescribeSecret/rotation")
	b.ReportMetric(float64(gsv1-gsv0+desc1-desc0)/n, "calls/rotation")
}
