// Package otelsecrets exports what a [secrets.Client] does as OpenTelemetry
// metrics and traces: reads by result, provider calls by provider,
// operation and outcome, their duration, refreshes, the age of stale values
// served, evictions, entries, new versions and watch deliveries, and one
// span per provider call (never one per cache hit).
//
// It depends on the OpenTelemetry API only; the application chooses the
// SDK and the exporters. Importing it is the opt-in: package secrets does
// not depend on OpenTelemetry.
//
//	inst, err := otelsecrets.New(func(o *otelsecrets.Options) {
//		o.MeterProvider = meterProvider
//		o.TracerProvider = tracerProvider
//	})
//	c, err := secrets.New(ctx, func(o *secrets.Options) {
//		o.Observer = inst.Observer()
//	})
//	unregister, err := inst.Register(c) // the instruments that read c.Stats()
//	defer unregister()
//
// No attribute holds a reference, a secret's name or a value: a secret's
// name can itself be sensitive, and names would make an unbounded number of
// series. Errors are recorded by class ("not_found", "throttled", ...),
// never by message. [Options.RecordReferences] adds references, for a
// process that reads a handful of secrets whose names are not sensitive.
//
// Cache hits are not observed one by one, so that a hit stays free of
// allocations and of writes to shared memory: the reads counter and the
// entries gauge read [secrets.Client.Stats] when the SDK collects them, for
// each Client given to [Instrumentation.Register].
package otelsecrets
