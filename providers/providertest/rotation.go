package providertest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/secretref/secretref/providers"
)

// testDescribe checks Describe: no rotation for a secret without a
// schedule, the time h.ScheduleRotation set, "not found" for a missing
// secret, and a cancelled context.
func testDescribe(t *testing.T, h Harness, d providers.Describer) {
	ctx := context.Background()
	name := h.Name("rotating")
	put(t, h, name, "rotating-value")
	if got, err := d.Describe(ctx, providers.Request{Name: name}); err != nil || !got.NextRotation.IsZero() {
		t.Errorf("Describe of a secret without a schedule = %+v, %v; want no rotation", got, err)
	}
	if h.ScheduleRotation != nil {
		when := time.Date(2031, 3, 4, 5, 6, 7, 0, time.UTC)
		if err := h.ScheduleRotation(ctx, name, when); err != nil {
			t.Fatalf("ScheduleRotation: %v", err)
		}
		if got, err := d.Describe(ctx, providers.Request{Name: name}); err != nil || !got.NextRotation.Equal(when) {
			t.Errorf("Describe = %+v, %v; want the next rotation at %v", got, err, when)
		}
	}
	_, err := d.Describe(ctx, providers.Request{Name: h.Name("rotatingmissing")})
	checkNotFound(t, h, "Describe of a missing secret", err)

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := d.Describe(cancelled, providers.Request{Name: name}); !errors.Is(err, context.Canceled) {
		t.Errorf("Describe with a cancelled context: error %v, want one matching context.Canceled", err)
	}
}
