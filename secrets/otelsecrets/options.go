package otelsecrets

import (
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
)

// Options configures an Instrumentation.
type Options struct {
	// MeterProvider makes the instruments. Default: the global one
	// (otel.GetMeterProvider), which records nothing until the
	// application sets one.
	MeterProvider metric.MeterProvider
	// TracerProvider makes the spans. Default: the global one
	// (otel.GetTracerProvider).
	TracerProvider trace.TracerProvider
	// RecordReferences adds the attribute secretref.reference, the
	// reference read in canonical form without #key (sm:prod/db), to the
	// metrics of one reference and to provider call spans
	// (secretref.references, every reference of the call).
	//
	// Leave it off unless both hold: the names of the secrets read are not
	// sensitive (a name can say whose credential it is, or that a system
	// exists), and the process reads a small, fixed set of them. Every
	// reference makes a series of each metric that carries it, so a
	// process that reads references built at run time makes series
	// without bound; and whoever can read the telemetry learns every name.
	// Recording a reference also costs an allocation per event.
	RecordReferences bool
}
