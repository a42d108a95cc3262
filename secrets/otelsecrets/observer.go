package otelsecrets

import (
	"context"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/secretref/secretref/cache"
	"github.com/secretref/secretref/secrets"
)

// Observer returns the secrets.Observer to set as secrets.Options.Observer.
func (i *Instrumentation) Observer() secrets.Observer { return (*observer)(i) }

// observer is an Instrumentation seen as a secrets.Observer. Its methods
// run on the goroutine of a miss, a refresh or a provider call, never on a
// hit's.
type observer Instrumentation

// Missed records nothing: misses are counted in Stats, read by
// secretref.reads.
func (o *observer) Missed(secrets.Ref) {}

func (o *observer) ServedStale(k secrets.Ref, age time.Duration) {
	if o.refs {
		o.staleAge.Record(context.Background(), age.Seconds(), o.one(k))
		return
	}
	o.staleAge.Record(context.Background(), age.Seconds(), o.staleOpts.of(k)...)
}

func (o *observer) Refreshing(keys []secrets.Ref, why cache.Refresh) {
	if len(keys) == 0 {
		return
	}
	if o.refs {
		for _, k := range keys {
			o.refreshes.Add(context.Background(), 1, o.one(k, reasonKey.String(why.String())))
		}
		return
	}
	// The keys of one load share a provider and a region.
	attrs := where([]attribute.KeyValue{reasonKey.String(why.String())}, keys[0].Scheme, keys[0].Region)
	o.refreshes.Add(context.Background(), int64(len(keys)), metric.WithAttributes(attrs...))
}

func (o *observer) Evicted(k secrets.Ref) {
	o.evictions.Add(context.Background(), 1, o.one(k))
}

func (o *observer) NewVersion(k secrets.Ref) {
	o.versions.Add(context.Background(), 1, o.one(k))
}

func (o *observer) Delivered(k secrets.Ref) {
	o.deliveries.Add(context.Background(), 1, o.one(k))
}

// one returns the attributes of an event of k: its provider and region,
// and k itself with Options.RecordReferences.
func (o *observer) one(k secrets.Ref, extra ...attribute.KeyValue) metric.MeasurementOption {
	attrs := where(extra, k.Scheme, k.Region)
	if o.refs {
		attrs = append(attrs, referenceKey.String(k.String()))
	}
	return metric.WithAttributes(attrs...)
}

// ProviderCall starts a span for the call, a child of the caller's span
// for a foreground read and a root span for background work, and records
// the call's metrics when it ends.
func (o *observer) ProviderCall(ctx context.Context, call secrets.ProviderCall) (context.Context, func([]error)) {
	attrs := where(make([]attribute.KeyValue, 0, 7), call.Scheme, call.Region)
	attrs = append(attrs, operationKey.String(call.Operation), backgroundKey.Bool(call.Background), failoverKey.Bool(call.Failover))
	spanOpts := []trace.SpanStartOption{
		trace.WithSpanKind(trace.SpanKindInternal),
		trace.WithAttributes(attrs...),
		trace.WithAttributes(batchSizeKey.Int(len(call.Refs))),
	}
	if call.Background {
		// No caller waits: the call belongs to no caller's trace.
		spanOpts = append(spanOpts, trace.WithNewRoot())
	}
	if o.refs {
		refs := make([]string, len(call.Refs))
		for n, r := range call.Refs {
			refs[n] = r.String()
		}
		spanOpts = append(spanOpts, trace.WithAttributes(referencesKey.StringSlice(refs)))
		if len(call.Refs) == 1 {
			attrs = append(attrs, referenceKey.String(refs[0]))
		}
	}
	ctx, span := o.tracer.Start(ctx, "secretref "+call.Operation, spanOpts...)
	start := time.Now()
	return ctx, func(errs []error) {
		elapsed := time.Since(start)
		outcome, failed := outcomeOf(errs)
		span.SetAttributes(outcomeKey.String(outcome))
		if failed > 0 {
			// The class only: an error's message names the reference.
			span.SetAttributes(semconv.ErrorTypeKey.String(outcome), failedKey.Int(failed))
			span.SetStatus(codes.Error, outcome)
		}
		span.End()
		set := metric.WithAttributeSet(attribute.NewSet(append(attrs, outcomeKey.String(outcome))...))
		o.calls.Add(ctx, 1, set)
		o.callDuration.Record(ctx, elapsed.Seconds(), set)
		o.callSize.Record(ctx, int64(len(call.Refs)), set)
	}
}

// RegionChanged counts a change of a region's breaker.
func (o *observer) RegionChanged(scheme, region string, state secrets.RegionState) {
	o.regionEvents.Add(context.Background(), 1, metric.WithAttributes(where([]attribute.KeyValue{stateKey.String(state.String())}, scheme, region)...))
}
