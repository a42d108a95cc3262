package otelsecrets_test

import (
	"testing"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/secretref/secretref/secrets"
	"github.com/secretref/secretref/secrets/otelsecrets"
)

// A stale serve is observed one by one, at the rate of reads during an
// outage: recording it must not allocate once its provider and region were
// seen.
func TestServedStaleAllocatesNothing(t *testing.T) {
	inst, err := otelsecrets.New(func(o *otelsecrets.Options) {
		o.MeterProvider = sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
	})
	if err != nil {
		t.Fatal(err)
	}
	o := inst.Observer()
	ref := secrets.Ref{Scheme: "sm", Name: "prod/db", Region: "eu-west-1"}
	o.ServedStale(ref, time.Minute)
	if n := testing.AllocsPerRun(1000, func() { o.ServedStale(ref, time.Minute) }); n != 0 {
		t.Errorf("ServedStale: %v allocations, want 0", n)
	}
}
