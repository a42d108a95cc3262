package otelsecrets_test

import (
	"context"
	"errors"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/secretref/secretref/providers"
	"github.com/secretref/secretref/providers/memory"
	"github.com/secretref/secretref/secrets"
	"github.com/secretref/secretref/secrets/otelsecrets"
)

func TestRegister(t *testing.T) {
	ctx := context.Background()
	reader := sdkmetric.NewManualReader()
	inst, err := otelsecrets.New(func(o *otelsecrets.Options) {
		o.MeterProvider = sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	})
	if err != nil {
		t.Fatal(err)
	}
	store := memory.New()
	store.Put(smName, fakeJSON)
	newClient := func() *secrets.Client {
		c, err := secrets.New(ctx, func(o *secrets.Options) {
			o.Providers = map[string]providers.Provider{secrets.SchemeSecretsManager: store, secrets.SchemeParameterStore: store}
			o.Observer = inst.Observer()
			o.DisableRotationSchedule = true
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.Close() })
		return c
	}
	collect := func() metricdata.ResourceMetrics {
		var rm metricdata.ResourceMetrics
		if err := reader.Collect(ctx, &rm); err != nil {
			t.Fatal(err)
		}
		return rm
	}
	hits := point{metric: "secretref.reads", attrs: []attribute.KeyValue{result("hit")}}
	entries := point{metric: "secretref.entries"}
	check := func(when string, wantHits, wantEntries int64) {
		t.Helper()
		rm := collect()
		if v, _ := hits.value(rm); v != wantHits {
			t.Errorf("%s: hits %d, want %d", when, v, wantHits)
		}
		if v, _ := entries.value(rm); v != wantEntries {
			t.Errorf("%s: entries %d, want %d", when, v, wantEntries)
		}
	}

	if _, err := inst.Register(nil); !errors.Is(err, secrets.ErrInvalidArgument) {
		t.Errorf("Register(nil): %v, want ErrInvalidArgument", err)
	}
	a, b := newClient(), newClient()
	unregisterA, err := inst.Register(a)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := inst.Register(a); !errors.Is(err, secrets.ErrInvalidArgument) {
		t.Errorf("a second Register: %v, want ErrInvalidArgument", err)
	}
	unregisterB, err := inst.Register(b)
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		get(t, a, smRef)
		get(t, b, smRef)
	}
	check("two Clients", 4, 2)

	unregisterA()
	unregisterA()
	get(t, a, smRef) // no longer counted
	check("after one unregistered", 4, 1)

	get(t, b, smRef)
	unregisterB()
	check("after both unregistered", 5, 0)
}
