package otelsecrets_test

import (
	"context"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/secretref/secretref/internal/testing/fakeclock"
	"github.com/secretref/secretref/providers"
	"github.com/secretref/secretref/providers/memory"
	"github.com/secretref/secretref/secrets"
	"github.com/secretref/secretref/secrets/otelsecrets"
)

// ttl is the harness Client's TTL; with jitter off, a value read at the
// clock's start is refreshed ahead from 48 s and expires at 60 s.
const ttl = time.Minute

// harness is a Client observed by an Instrumentation that exports to
// in-memory readers, with Secrets Manager served by a memory store (which
// also tells rotation schedules) and Parameter Store by a memory store
// that batches and lists paths, on a clock the test moves.
type harness struct {
	reader *sdkmetric.ManualReader
	spans  *tracetest.SpanRecorder
	tp     *sdktrace.TracerProvider
	inst   *otelsecrets.Instrumentation
	sm     *memory.Store
	ssm    *memory.Store
	clock  *fakeclock.Clock
	client *secrets.Client
}

type harnessConfig struct {
	client func(*secrets.Options)
	inst   func(*otelsecrets.Options)
	// put fills the stores before the Client is made.
	put func(sm *memory.Store, ssm *memory.Store)
	// wrap, when set, gives the providers that serve the stores.
	wrap func(sm *memory.Store, ssm *memory.Store) (smp, ssmp providers.Provider)
}

func newHarness(t *testing.T, cfg harnessConfig) *harness {
	t.Helper()
	h := &harness{
		reader: sdkmetric.NewManualReader(),
		spans:  tracetest.NewSpanRecorder(),
		sm:     memory.New(),
		ssm:    memory.New(),
		clock:  fakeclock.New(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)),
	}
	if cfg.put != nil {
		cfg.put(h.sm, h.ssm)
	}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(h.reader))
	h.tp = sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(h.spans))
	t.Cleanup(func() {
		_ = mp.Shutdown(context.Background())
		_ = h.tp.Shutdown(context.Background())
	})
	var err error
	h.inst, err = otelsecrets.New(func(o *otelsecrets.Options) {
		o.MeterProvider = mp
		o.TracerProvider = h.tp
		if cfg.inst != nil {
			cfg.inst(o)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	h.client, err = secrets.New(context.Background(), func(o *secrets.Options) {
		o.Providers = map[string]providers.Provider{secrets.SchemeSecretsManager: h.sm, secrets.SchemeParameterStore: h.ssm}
		if cfg.wrap != nil {
			smp, ssmp := cfg.wrap(h.sm, h.ssm)
			o.Providers = map[string]providers.Provider{secrets.SchemeSecretsManager: smp, secrets.SchemeParameterStore: ssmp}
		}
		o.TTL = ttl
		o.Jitter = secrets.Disabled
		o.Clock = h.clock
		o.Observer = h.inst.Observer()
		if cfg.client != nil {
			cfg.client(o)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	unregister, err := h.inst.Register(h.client)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		unregister()
		_ = h.client.Close()
	})
	return h
}

func (h *harness) collect(t *testing.T) metricdata.ResourceMetrics {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := h.reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	return rm
}

// point is one data point expected: the value of a counter's point, or the
// count of a histogram's, whose attributes are exactly attrs.
type point struct {
	metric string
	attrs  []attribute.KeyValue
	want   int64
}

// value returns the value of p's point in rm (a histogram's count), and
// whether there is one.
func (p point) value(rm metricdata.ResourceMetrics) (int64, bool) {
	set := attribute.NewSet(p.attrs...)
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name != p.metric {
				continue
			}
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				for _, dp := range d.DataPoints {
					if dp.Attributes.Equals(&set) {
						return dp.Value, true
					}
				}
			case metricdata.Gauge[int64]:
				for _, dp := range d.DataPoints {
					if dp.Attributes.Equals(&set) {
						return dp.Value, true
					}
				}
			case metricdata.Histogram[float64]:
				for _, dp := range d.DataPoints {
					if dp.Attributes.Equals(&set) {
						return int64(dp.Count), true
					}
				}
			case metricdata.Histogram[int64]:
				for _, dp := range d.DataPoints {
					if dp.Attributes.Equals(&set) {
						return int64(dp.Count), true
					}
				}
			}
		}
	}
	return 0, false
}

// histogramSum returns the sum of p's int64 histogram point.
func histogramSum(rm metricdata.ResourceMetrics, p point) int64 {
	set := attribute.NewSet(p.attrs...)
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if d, ok := m.Data.(metricdata.Histogram[int64]); ok && m.Name == p.metric {
				for _, dp := range d.DataPoints {
					if dp.Attributes.Equals(&set) {
						return dp.Sum
					}
				}
			}
		}
	}
	return 0
}

// points lists the attribute sets of name's points in rm, for a failure
// message: they hold no reference or value (TestNothingLeaks checks).
func points(rm metricdata.ResourceMetrics, name string) []string {
	var out []string
	add := func(s attribute.Set) { out = append(out, s.Encoded(attribute.DefaultEncoder())) }
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name != name {
				continue
			}
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				for _, dp := range d.DataPoints {
					add(dp.Attributes)
				}
			case metricdata.Gauge[int64]:
				for _, dp := range d.DataPoints {
					add(dp.Attributes)
				}
			case metricdata.Histogram[float64]:
				for _, dp := range d.DataPoints {
					add(dp.Attributes)
				}
			case metricdata.Histogram[int64]:
				for _, dp := range d.DataPoints {
					add(dp.Attributes)
				}
			}
		}
	}
	return out
}

// Attribute constructors for the expectations.
func provider(s string) attribute.KeyValue  { return attribute.String("secretref.provider", s) }
func region(s string) attribute.KeyValue    { return attribute.String("secretref.region", s) }
func operation(s string) attribute.KeyValue { return attribute.String("secretref.operation", s) }
func outcome(s string) attribute.KeyValue   { return attribute.String("secretref.outcome", s) }
func background(b bool) attribute.KeyValue  { return attribute.Bool("secretref.background", b) }
func result(s string) attribute.KeyValue    { return attribute.String("secretref.read.result", s) }
func reason(s string) attribute.KeyValue    { return attribute.String("secretref.refresh.reason", s) }

// call returns the attributes of a provider call.
func call(scheme, op string, bg bool, out string) []attribute.KeyValue {
	return []attribute.KeyValue{provider(scheme), operation(op), background(bg), attribute.Bool("secretref.failover", false), outcome(out)}
}

func get(t *testing.T, c *secrets.Client, ref string) {
	t.Helper()
	if _, err := c.Get(context.Background(), ref); err != nil {
		t.Fatal(err)
	}
}
