package otelsecrets_test

import (
	"context"
	"fmt"
	"log"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/secretref/secretref/providers"
	"github.com/secretref/secretref/providers/memory"
	"github.com/secretref/secretref/secrets"
	"github.com/secretref/secretref/secrets/otelsecrets"
)

// An application wires the instrumentation to its own SDK and exporters;
// here an in-memory reader and span recorder stand in for them.
func Example() {
	ctx := context.Background()
	reader := sdkmetric.NewManualReader() // an application: a periodic reader and an OTLP or Prometheus exporter
	meterProvider := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	spans := tracetest.NewSpanRecorder()
	tracerProvider := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	defer func() { _ = meterProvider.Shutdown(ctx) }()
	defer func() { _ = tracerProvider.Shutdown(ctx) }()

	inst, err := otelsecrets.New(func(o *otelsecrets.Options) {
		o.MeterProvider = meterProvider
		o.TracerProvider = tracerProvider
	})
	if err != nil {
		log.Fatal(err)
	}
	store := memory.New() // a stand-in for Secrets Manager and Parameter Store
	store.Put("prod/db", `{"username":"app","password":"example-only"}`)
	c, err := secrets.New(ctx, func(o *secrets.Options) {
		o.Providers = map[string]providers.Provider{secrets.SchemeSecretsManager: store, secrets.SchemeParameterStore: store}
		o.Observer = inst.Observer()
		o.DisableRotationSchedule = true
	})
	if err != nil {
		log.Fatal(err)
	}
	defer func() { _ = c.Close() }()
	unregister, err := inst.Register(c)
	if err != nil {
		log.Fatal(err)
	}
	defer unregister()

	for range 3 {
		if _, err := c.Get(ctx, "sm:prod/db#password"); err != nil {
			log.Fatal(err)
		}
	}
	if _, err := c.Get(ctx, "sm:prod/missing"); err == nil {
		log.Fatal("read a secret that does not exist")
	}

	var rm metricdata.ResourceMetrics
	if err := reader.Collect(ctx, &rm); err != nil {
		log.Fatal(err)
	}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if sum, ok := m.Data.(metricdata.Sum[int64]); ok {
				for _, dp := range sum.DataPoints {
					fmt.Printf("%s{%s} %d\n", m.Name, dp.Attributes.Encoded(attribute.DefaultEncoder()), dp.Value)
				}
			}
		}
	}
	for _, s := range spans.Ended() {
		fmt.Printf("span %q: status %s, outcome %s\n", s.Name(), s.Status().Code, outcomeOf(s))
	}
	// Unordered output:
	// secretref.provider.calls{secretref.background=false,secretref.failover=false,secretref.operation=fetch,secretref.outcome=ok,secretref.provider=sm} 1
	// secretref.provider.calls{secretref.background=false,secretref.failover=false,secretref.operation=fetch,secretref.outcome=not_found,secretref.provider=sm} 1
	// secretref.reads{secretref.read.result=hit} 2
	// secretref.reads{secretref.read.result=miss} 2
	// secretref.reads{secretref.read.result=stale} 0
	// secretref.entries{} 1
	// secretref.failovers{} 0
	// secretref.hedges{} 0
	// span "secretref fetch": status Unset, outcome ok
	// span "secretref fetch": status Error, outcome not_found
}

// outcomeOf returns the secretref.outcome attribute of a span.
func outcomeOf(s sdktrace.ReadOnlySpan) string {
	for _, kv := range s.Attributes() {
		if kv.Key == "secretref.outcome" {
			return kv.Value.AsString()
		}
	}
	return ""
}
