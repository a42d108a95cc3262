package otelsecrets_test

import (
	"context"
	"fmt"
	"testing"

	"go.opentelemetry.io/otel/attribute"

	"github.com/secretref/secretref/internal/testing/poll"
	"github.com/secretref/secretref/providers"
	"github.com/secretref/secretref/providers/memory"
	"github.com/secretref/secretref/secrets"
)

// downAtHome is a memory store whose home region (the Client's, "") is
// down: every read there is a 503, while other regions answer.
type downAtHome struct{ *memory.Store }

func (d downAtHome) Fetch(ctx context.Context, req providers.Request) (*providers.Result, error) {
	if req.Region == "" {
		return nil, providers.Classify(providers.ErrUnavailable, fmt.Errorf("503 in the home region"))
	}
	return d.Store.Fetch(ctx, req)
}

// driveFailover reads secrets while their home region is down, with a
// failover region: the breaker opens, and a replica answers.
func driveFailover(t *testing.T) *harness {
	t.Helper()
	h := newHarness(t, harnessConfig{
		client: func(o *secrets.Options) {
			o.FailoverRegions = []string{"eu-west-1"}
			o.DisableRotationSchedule = true
		},
		put: func(sm *memory.Store, _ *memory.Store) {
			for i := range secrets.BreakerFailures + 1 {
				sm.Put(fmt.Sprintf("app/s%d", i), "v")
			}
		},
		wrap: func(sm, ssm *memory.Store) (providers.Provider, providers.Provider) { return downAtHome{sm}, ssm },
	})
	for i := range secrets.BreakerFailures + 1 {
		if _, err := h.client.Get(context.Background(), fmt.Sprintf("sm:app/s%d", i)); err != nil {
			t.Fatalf("Get with the home region down: %v", err)
		}
	}
	return h
}

// A failover is counted, the call that went to the replica says so, and
// the home region's breaker is reported open, by provider and region only.
func TestFailoverInstruments(t *testing.T) {
	h := driveFailover(t)
	want := []point{
		{"secretref.failovers", nil, secrets.BreakerFailures + 1},
		{"secretref.region.open", []attribute.KeyValue{provider("sm")}, 1},
		{"secretref.region.changes", []attribute.KeyValue{provider("sm"), attribute.String("secretref.region.state", "open")}, 1},
		{"secretref.provider.calls", []attribute.KeyValue{provider("sm"), region("eu-west-1"), operation("fetch"),
			background(false), attribute.Bool("secretref.failover", true), outcome("ok")}, secrets.BreakerFailures + 1},
	}
	poll.Until(t, "every expected point", func() bool {
		rm := h.collect(t)
		for _, p := range want {
			if v, ok := p.value(rm); !ok || v < p.want {
				return false
			}
		}
		return true
	})
}
