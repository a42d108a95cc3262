package otelsecrets

import (
	"fmt"
	"sync"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/secretref/secretref/secrets"
)

// ScopeName is the instrumentation scope of the meter and the tracer.
const ScopeName = "github.com/secretref/secretref/secrets/otelsecrets"

// Instrumentation records the metrics and spans of the Clients it observes.
// Give its Observer to secrets.New, then Register the Client. One
// Instrumentation can serve several Clients: their metrics add up.
//
// An Instrumentation is safe for concurrent use by multiple goroutines.
type Instrumentation struct {
	tracer trace.Tracer
	refs   bool

	calls        metric.Int64Counter
	callDuration metric.Float64Histogram
	callSize     metric.Int64Histogram
	refreshes    metric.Int64Counter
	staleAge     metric.Float64Histogram
	evictions    metric.Int64Counter
	versions     metric.Int64Counter
	deliveries   metric.Int64Counter
	reads        metric.Int64ObservableCounter
	entries      metric.Int64ObservableUpDownCounter
	failovers    metric.Int64ObservableCounter
	hedges       metric.Int64ObservableCounter
	regionOpen   metric.Int64ObservableGauge
	regionEvents metric.Int64Counter

	staleOpts recordOptions

	mu      sync.Mutex
	clients map[*secrets.Client]struct{} // registered; guarded by mu
	retired secrets.Stats                // the last counts of unregistered Clients; guarded by mu
}

// New returns an Instrumentation that makes its instruments and spans with
// the providers optFns set (see [Options]). It fails when the meter
// provider refuses an instrument.
func New(optFns ...func(*Options)) (*Instrumentation, error) {
	var o Options
	for _, fn := range optFns {
		fn(&o)
	}
	if o.MeterProvider == nil {
		o.MeterProvider = otel.GetMeterProvider()
	}
	if o.TracerProvider == nil {
		o.TracerProvider = otel.GetTracerProvider()
	}
	i := &Instrumentation{
		tracer:  o.TracerProvider.Tracer(ScopeName, trace.WithSchemaURL(semconv.SchemaURL)),
		refs:    o.RecordReferences,
		clients: make(map[*secrets.Client]struct{}),
	}
	if err := i.makeInstruments(o.MeterProvider.Meter(ScopeName, metric.WithSchemaURL(semconv.SchemaURL))); err != nil {
		return nil, fmt.Errorf("otelsecrets: %w", err)
	}
	return i, nil
}

// Bucket boundaries: provider calls take milliseconds to seconds (and up to
// the load timeout, 30 s by default); stale values are served for up to
// MaxStale (1 hour by default); batches hold up to 20 references.
var (
	durationBuckets  = []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30}
	staleAgeBuckets  = []float64{1, 5, 15, 30, 60, 300, 900, 1800, 3600, 7200}
	batchSizeBuckets = []float64{1, 2, 5, 10, 20}
)

func (i *Instrumentation) makeInstruments(m metric.Meter) error {
	var err error
	i.calls, err = m.Int64Counter("secretref.provider.calls", metric.WithUnit("{call}"),
		metric.WithDescription("Calls the Client made to a provider, by provider, region, operation and outcome."))
	if err != nil {
		return err
	}
	i.callDuration, err = m.Float64Histogram("secretref.provider.call.duration", metric.WithUnit("s"),
		metric.WithDescription("Duration of the calls the Client made to a provider."),
		metric.WithExplicitBucketBoundaries(durationBuckets...))
	if err != nil {
		return err
	}
	i.callSize, err = m.Int64Histogram("secretref.provider.call.size", metric.WithUnit("{reference}"),
		metric.WithDescription("References read by one call to a provider: more than one for a batch call."),
		metric.WithExplicitBucketBoundaries(batchSizeBuckets...))
	if err != nil {
		return err
	}
	i.refreshes, err = m.Int64Counter("secretref.refreshes", metric.WithUnit("{reference}"),
		metric.WithDescription("Fetches of values the cache held, by reason: ahead of expiry, retry after a failure, forced, coalesced into another's batch call."))
	if err != nil {
		return err
	}
	i.staleAge, err = m.Float64Histogram("secretref.stale.age", metric.WithUnit("s"),
		metric.WithDescription("How long past its expiry each value served stale was, because its fetches failed or stalled; the count is the number of stale serves."),
		metric.WithExplicitBucketBoundaries(staleAgeBuckets...))
	if err != nil {
		return err
	}
	i.evictions, err = m.Int64Counter("secretref.evictions", metric.WithUnit("{entry}"),
		metric.WithDescription("Cached values dropped to stay within MaxEntries."))
	if err != nil {
		return err
	}
	i.versions, err = m.Int64Counter("secretref.versions", metric.WithUnit("{version}"),
		metric.WithDescription("Fetched values that are a new version of the one cached: rotations seen."))
	if err != nil {
		return err
	}
	i.deliveries, err = m.Int64Counter("secretref.watch.deliveries", metric.WithUnit("{delivery}"),
		metric.WithDescription("Calls of Watch functions with a new version."))
	if err != nil {
		return err
	}
	i.reads, err = m.Int64ObservableCounter("secretref.reads", metric.WithUnit("{read}"),
		metric.WithDescription("Reads of the registered Clients: hit, answered at once with a value not expired; miss, waited for a fetch and got its result; stale, answered with an expired value because fetching it failed or stalled."))
	if err != nil {
		return err
	}
	i.entries, err = m.Int64ObservableUpDownCounter("secretref.entries", metric.WithUnit("{entry}"),
		metric.WithDescription("Values the registered Clients cache now."))
	if err != nil {
		return err
	}
	if err := i.makeRegionInstruments(m); err != nil {
		return err
	}
	_, err = m.RegisterCallback(i.observeStats, i.reads, i.entries, i.failovers, i.hedges, i.regionOpen)
	return err
}

// makeRegionInstruments makes the instruments of failover.
func (i *Instrumentation) makeRegionInstruments(m metric.Meter) error {
	var err error
	if i.failovers, err = m.Int64ObservableCounter("secretref.failovers", metric.WithUnit("{fetch}"),
		metric.WithDescription("Fetches of the registered Clients that a region other than the secret's own answered.")); err != nil {
		return err
	}
	if i.hedges, err = m.Int64ObservableCounter("secretref.hedges", metric.WithUnit("{call}"),
		metric.WithDescription("Calls to another region made because the secret's own had not answered within FailoverWait.")); err != nil {
		return err
	}
	if i.regionOpen, err = m.Int64ObservableGauge("secretref.region.open", metric.WithUnit("{client}"),
		metric.WithDescription("Registered Clients whose breaker of a provider in a region is open: its secrets are read from their fallback regions.")); err != nil {
		return err
	}
	i.regionEvents, err = m.Int64Counter("secretref.region.changes", metric.WithUnit("{change}"),
		metric.WithDescription("Changes of a region's breaker: opened (state=open) or closed again (state=healthy)."))
	return err
}

// Read results, as observe options made once.
var (
	hitOption   = metric.WithAttributeSet(attribute.NewSet(resultKey.String("hit")))
	missOption  = metric.WithAttributeSet(attribute.NewSet(resultKey.String("miss")))
	staleOption = metric.WithAttributeSet(attribute.NewSet(resultKey.String("stale")))
)
