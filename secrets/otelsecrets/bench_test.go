package otelsecrets_test

import (
	"context"
	"testing"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/secretref/secretref/providers"
	"github.com/secretref/secretref/providers/memory"
	"github.com/secretref/secretref/secrets"
	"github.com/secretref/secretref/secrets/otelsecrets"
)

var sinkValue secrets.Value

// benchClient returns a Client with smRef cached, instrumented with the
// SDK (a manual reader, a span recorder) and registered when instrumented.
func benchClient(b *testing.B, instrumented bool) *secrets.Client {
	b.Helper()
	store := memory.New()
	store.Put(smName, fakeJSON)
	var observer secrets.Observer
	var inst *otelsecrets.Instrumentation
	if instrumented {
		mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
		tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(tracetest.NewSpanRecorder()))
		var err error
		if inst, err = otelsecrets.New(func(o *otelsecrets.Options) { o.MeterProvider, o.TracerProvider = mp, tp }); err != nil {
			b.Fatal(err)
		}
		observer = inst.Observer()
	}
	c, err := secrets.New(context.Background(), func(o *secrets.Options) {
		o.Providers = map[string]providers.Provider{secrets.SchemeSecretsManager: store, secrets.SchemeParameterStore: store}
		o.Observer = observer
		o.TTL = time.Hour
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = c.Close() })
	if inst != nil {
		unregister, err := inst.Register(c)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(unregister)
	}
	// A few reads publish the reference to the Client's lock-free index.
	for range 3 {
		if _, err := c.Get(context.Background(), smRef); err != nil {
			b.Fatal(err)
		}
	}
	return c
}

var variants = []struct {
	name         string
	instrumented bool
}{{"bare", false}, {"instrumented", true}}

// BenchmarkGetHit reads a cached reference with and without the
// instrumentation: a hit is not observed, so the two cost the same.
func BenchmarkGetHit(b *testing.B) {
	for _, v := range variants {
		b.Run(v.name, func(b *testing.B) {
			c := benchClient(b, v.instrumented)
			ctx := context.Background()
			b.ReportAllocs()
			var val secrets.Value
			for b.Loop() {
				val, _ = c.Get(ctx, smRef)
			}
			sinkValue = val
		})
	}
}

// BenchmarkGetHitParallel is BenchmarkGetHit from every core at once.
func BenchmarkGetHitParallel(b *testing.B) {
	for _, v := range variants {
		b.Run(v.name, func(b *testing.B) {
			c := benchClient(b, v.instrumented)
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				ctx := context.Background()
				var val secrets.Value
				for pb.Next() {
					val, _ = c.Get(ctx, smRef)
				}
				_ = val
			})
		})
	}
}
