package providertest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/secretref/secretref/providers"
)

// testRotationSchedule checks NextRotation: none for a secret without a
// schedule, the time h.ScheduleRotation set, "not found" for a missing
// secret, and a cancelled context.
func testRotationSchedule(t *testing.T, h Harness, rs providers.RotationScheduler) {
	ctx := context.Background()
	name := h.Name("rotating")
	put(t, h, name, "rotating-value")
	if next, ok, err := rs.NextRotation(ctx, providers.Request{Name: name}); err != nil || ok {
		t.Errorf("NextRotation of a secret without a schedule = %v, %v, %v; want none", next, ok, err)
	}
	if h.ScheduleRotation != nil {
		when := time.Date(2031, 3, 4, 5, 6, 7, 0, time.UTC)
		if err := h.ScheduleRotation(ctx, name, when); err != nil {
			t.Fatalf("ScheduleRotation: %v", err)
		}
		if next, ok, err := rs.NextRotation(ctx, providers.Request{Name: name}); err != nil || !ok || !next.Equal(when) {
			t.Errorf("NextRotation = %v, %v, %v; want %v", next, ok, err, when)
		}
	}
	_, _, err := rs.NextRotation(ctx, providers.Request{Name: h.Name("rotatingmissing")})
	checkNotFound(t, h, "NextRotation of a missing secret", err)

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, _, err := rs.NextRotation(cancelled, providers.Request{Name: name}); !errors.Is(err, context.Canceled) {
		t.Errorf("NextRotation with a cancelled context: error %v, want one matching context.Canceled", err)
	}
}
