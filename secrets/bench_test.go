package secrets_test

import (
	"context"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/secretref/secretref/internal/testing/sdkfake"
	"github.com/secretref/secretref/providers"
	"github.com/secretref/secretref/providers/memory"
	ssmprovider "github.com/secretref/secretref/providers/ssm"
	"github.com/secretref/secretref/secrets"
)

// Sinks keep the compiler from discarding the results of the calls measured.
var (
	sinkValue  secrets.Value
	sinkString string
	sinkErr    error
)

// benchRef is read by the single-reference benchmarks; its value is a fake.
const benchRef = "sm:prod/db"

// benchClient returns a Client whose "sm" and "ssm" schemes are served by a
// memory store holding a fake JSON value under each of names.
func benchClient(b *testing.B, names ...string) *secrets.Client {
	b.Helper()
	store := memory.New()
	for _, n := range names {
		store.Put(n, `{"username":"bench","password":"not-a-real-password"}`)
	}
	return newProviderClient(b, store)
}

// warm reads every reference until a read of it is a lock-free hit: the
// Client publishes new references to its lock-free index in batches.
func warm(b *testing.B, c *secrets.Client, refs ...string) {
	b.Helper()
	for range 3 {
		for _, r := range refs {
			if _, err := c.Get(context.Background(), r); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkClientGetHit reads one cached reference by its text.
func BenchmarkClientGetHit(b *testing.B) {
	c := benchClient(b, "prod/db")
	warm(b, c, benchRef)
	ctx := context.Background()
	b.ReportAllocs()
	var v secrets.Value
	var err error
	for b.Loop() {
		v, err = c.Get(ctx, benchRef)
	}
	sinkValue, sinkErr = v, err
}

// BenchmarkClientGetStringHit is BenchmarkClientGetHit through GetString.
func BenchmarkClientGetStringHit(b *testing.B) {
	c := benchClient(b, "prod/db")
	warm(b, c, benchRef)
	ctx := context.Background()
	b.ReportAllocs()
	var s string
	var err error
	for b.Loop() {
		s, err = c.GetString(ctx, benchRef)
	}
	sinkString, sinkErr = s, err
}

// BenchmarkClientGetKeyHit reads one JSON field: the field is extracted
// once per fetched version, so a hit costs what a whole-value hit does.
func BenchmarkClientGetKeyHit(b *testing.B) {
	const ref = benchRef + "#password"
	c := benchClient(b, "prod/db")
	warm(b, c, ref)
	ctx := context.Background()
	b.ReportAllocs()
	var v secrets.Value
	var err error
	for b.Loop() {
		v, err = c.Get(ctx, ref)
	}
	sinkValue, sinkErr = v, err
}

// BenchmarkClientGetHitParallel reads one cached reference by its text on
// GOMAXPROCS goroutines.
func BenchmarkClientGetHitParallel(b *testing.B) {
	c := benchClient(b, "prod/db")
	warm(b, c, benchRef)
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		var err error
		for pb.Next() {
			_, err = c.Get(ctx, benchRef)
		}
		if err != nil {
			b.Error(err)
		}
	})
}

// BenchmarkVarGetHit reads one cached reference through a Var from Bind,
// which skips looking the reference up.
func BenchmarkVarGetHit(b *testing.B) {
	c := benchClient(b, "prod/db")
	v, err := c.Bind(benchRef)
	if err != nil {
		b.Fatal(err)
	}
	warm(b, c, benchRef)
	ctx := context.Background()
	b.ReportAllocs()
	var val secrets.Value
	for b.Loop() {
		val, err = v.Get(ctx)
	}
	sinkValue, sinkErr = val, err
}

// BenchmarkVarGetHitParallel reads one cached reference through a Var on
// GOMAXPROCS goroutines.
func BenchmarkVarGetHitParallel(b *testing.B) {
	c := benchClient(b, "prod/db")
	v, err := c.Bind(benchRef)
	if err != nil {
		b.Fatal(err)
	}
	warm(b, c, benchRef)
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		var err error
		for pb.Next() {
			_, err = v.Get(ctx)
		}
		if err != nil {
			b.Error(err)
		}
	})
}

// BenchmarkClientGetHit1000Refs reads 1,000 cached references in a random
// order fixed in advance, so that look-ups miss the CPU caches as a
// service's do.
func BenchmarkClientGetHit1000Refs(b *testing.B) {
	names := make([]string, 1000)
	refs := make([]string, len(names))
	for i := range names {
		names[i] = "/prod/app/service-" + strconv.Itoa(i) + "/password"
		refs[i] = names[i]
	}
	c := benchClient(b, names...)
	warm(b, c, refs...)
	// A power of two, so the sequence index is a mask, not a division.
	order := make([]int32, 1<<16)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range order {
		order[i] = int32(r.IntN(len(refs)))
	}
	ctx := context.Background()
	b.ReportAllocs()
	var v secrets.Value
	var err error
	i := 0
	for b.Loop() {
		v, err = c.Get(ctx, refs[order[i&(len(order)-1)]])
		i++
	}
	sinkValue, sinkErr = v, err
}

// gatedProvider answers every Fetch with a fixed fake value once gate
// returns, counting calls.
type gatedProvider struct {
	calls atomic.Int64
	gate  func()
}

func (p *gatedProvider) Fetch(context.Context, providers.Request) (*providers.Result, error) {
	p.calls.Add(1)
	p.gate()
	return &providers.Result{Value: []byte("not-a-real-password"), Version: "1"}, nil
}

// stormSize is how many goroutines ask for one cold reference at once.
const stormSize = 1000

// BenchmarkClientMissStorm measures stormSize goroutines asking a fresh
// Client for one reference at the same moment: ns/op is the time from their
// release until the last one has its value, backend-calls/op how many
// fetches they caused. The fetch does not return before every goroutine has
// reached Get, so all of them arrive while it is in flight.
func BenchmarkClientMissStorm(b *testing.B) {
	ctx := context.Background()
	var calls int64
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		var arrived, done sync.WaitGroup
		arrived.Add(stormSize)
		done.Add(stormSize)
		p := &gatedProvider{gate: arrived.Wait}
		c, err := secrets.New(ctx, func(o *secrets.Options) {
			o.Providers = map[string]providers.Provider{secrets.SchemeSecretsManager: p, secrets.SchemeParameterStore: p}
		})
		if err != nil {
			b.Fatal(err)
		}
		start := make(chan struct{})
		for range stormSize {
			go func() {
				defer done.Done()
				<-start
				arrived.Done()
				if _, err := c.Get(ctx, benchRef); err != nil {
					b.Error(err)
				}
			}()
		}
		b.StartTimer()
		close(start)
		done.Wait()
		b.StopTimer()
		_ = c.Close()
		calls += p.calls.Load()
		b.StartTimer()
	}
	b.ReportMetric(float64(calls)/float64(b.N), "backend-calls/op")
}

// fakeParameters returns a stand-in Parameter Store client that answers
// every name with a fake value.
func fakeParameters() *sdkfake.SSM {
	return &sdkfake.SSM{
		OnGetParameter: func(_ context.Context, in *ssm.GetParameterInput) (*ssm.GetParameterOutput, error) {
			return &ssm.GetParameterOutput{Parameter: fakeParameter(aws.ToString(in.Name))}, nil
		},
		OnGetParameters: func(_ context.Context, in *ssm.GetParametersInput) (*ssm.GetParametersOutput, error) {
			out := &ssm.GetParametersOutput{Parameters: make([]ssmtypes.Parameter, len(in.Names))}
			for i, n := range in.Names {
				out.Parameters[i] = *fakeParameter(n)
			}
			return out, nil
		},
	}
}

func fakeParameter(name string) *ssmtypes.Parameter {
	return &ssmtypes.Parameter{Name: aws.String(name), Value: aws.String("not-a-real-value"), Version: 1, Type: ssmtypes.ParameterTypeSecureString}
}

// BenchmarkGetMany50Parameters reads 50 Parameter Store references that a
// fresh Client has not cached, through the Parameter Store provider on a
// stand-in client: backend-calls/op is how many Parameter Store calls one
// GetMany makes (GetParameter and GetParameters together).
func BenchmarkGetMany50Parameters(b *testing.B) {
	refs := make([]string, 50)
	for i := range refs {
		refs[i] = "/prod/app/param-" + strconv.Itoa(i)
	}
	ctx := context.Background()
	api := fakeParameters()
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		c, err := secrets.New(ctx, func(o *secrets.Options) {
			o.Providers = map[string]providers.Provider{secrets.SchemeSecretsManager: memory.New(), secrets.SchemeParameterStore: ssmprovider.New(api)}
		})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		vals, err := c.GetMany(ctx, refs...)
		b.StopTimer()
		if err != nil || len(vals) != len(refs) {
			b.Fatalf("GetMany read %d of %d references: %v", len(vals), len(refs), err)
		}
		_ = c.Close()
		b.StartTimer()
	}
	batches := len(api.GetParametersCalls())
	calls := len(api.GetParameterCalls()) + batches
	b.ReportMetric(float64(calls)/float64(b.N), "backend-calls/op")
	b.ReportMetric(float64(batches)/float64(b.N), "GetParameters/op")
}
