package otelsecrets_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"

	"github.com/secretref/secretref/internal/testing/poll"
	"github.com/secretref/secretref/providers"
	"github.com/secretref/secretref/providers/memory"
	"github.com/secretref/secretref/secrets"
)

// Fake secrets the tests read.
const (
	smName = "prod/db"
	smRef  = "sm:prod/db"
	// smARN is read from its own region.
	smARN    = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/api-AbCdEf"
	ssmA     = "/prod/app/a"
	ssmB     = "/prod/app/b"
	ssmC     = "/prod/app/c"
	fakeJSON = `{"username":"app","password":"not-a-real-password"}`
)

func putAll(sm *memory.Store, ssm *memory.Store) {
	sm.Put(smName, fakeJSON)
	sm.Put(smARN, fakeJSON)
	for _, n := range []string{ssmA, ssmB, ssmC} {
		ssm.Put(n, "not-a-real-value")
	}
}

// TestInstruments checks that each instrument is produced, with exactly the
// attributes it should have, by what the Client does.
func TestInstruments(t *testing.T) {
	ctx := context.Background()
	throttled := providers.Classify(providers.ErrThrottled, errors.New("rate exceeded"))
	unavailable := providers.Classify(providers.ErrUnavailable, errors.New("503"))
	denied := providers.Classify(providers.ErrAccessDenied, errors.New("no"))
	tests := []struct {
		name   string
		client func(*secrets.Options)
		run    func(t *testing.T, h *harness)
		want   []point
	}{
		{
			name: "reads and entries",
			run: func(t *testing.T, h *harness) {
				for range 3 {
					get(t, h.client, smRef)
				}
			},
			want: []point{
				{"secretref.reads", []attribute.KeyValue{result("hit")}, 2},
				{"secretref.reads", []attribute.KeyValue{result("miss")}, 1},
				{"secretref.entries", nil, 1},
			},
		},
		{
			name: "a fetch, its duration and size, and the rotation schedule look-up",
			run:  func(t *testing.T, h *harness) { get(t, h.client, smRef) },
			want: []point{
				{"secretref.provider.calls", call("sm", "fetch", false, "ok"), 1},
				{"secretref.provider.call.duration", call("sm", "fetch", false, "ok"), 1},
				{"secretref.provider.call.size", call("sm", "fetch", false, "ok"), 1},
				{"secretref.provider.calls", call("sm", "describe", true, "ok"), 1},
			},
		},
		{
			name: "the region of an ARN",
			run:  func(t *testing.T, h *harness) { get(t, h.client, smARN) },
			want: []point{
				{"secretref.provider.calls", append(call("sm", "fetch", false, "ok"), region("eu-west-1")), 1},
			},
		},
		{
			name: "a batch call",
			run: func(t *testing.T, h *harness) {
				if _, err := h.client.GetMany(ctx, ssmA, ssmB, ssmC); err != nil {
					t.Fatal(err)
				}
			},
			want: []point{
				{"secretref.provider.calls", call("ssm", "fetch_batch", false, "ok"), 1},
				{"secretref.provider.call.size", call("ssm", "fetch_batch", false, "ok"), 1},
			},
		},
		{
			name: "a path listing",
			run: func(t *testing.T, h *harness) {
				if _, err := h.client.GetPath(ctx, "/prod/app", false); err != nil {
					t.Fatal(err)
				}
			},
			want: []point{{"secretref.provider.calls", call("ssm", "fetch_path", false, "ok"), 1}},
		},
		{
			name:   "failures by class",
			client: func(o *secrets.Options) { o.DisableRotationSchedule = true },
			run: func(t *testing.T, h *harness) {
				h.sm.Fail("throttled", throttled)
				h.sm.Fail("denied", denied)
				for _, ref := range []string{"sm:absent", "sm:throttled", "sm:denied", "sm:prod/db?version-id=x"} {
					if _, err := h.client.Get(ctx, ref); err == nil {
						t.Fatalf("Get(%q) succeeded", ref)
					}
				}
			},
			want: []point{
				{"secretref.provider.calls", call("sm", "fetch", false, "not_found"), 2},
				{"secretref.provider.calls", call("sm", "fetch", false, "throttled"), 1},
				{"secretref.provider.calls", call("sm", "fetch", false, "access_denied"), 1},
				{"secretref.provider.call.duration", call("sm", "fetch", false, "throttled"), 1},
			},
		},
		{
			name:   "a forced refresh, a new version, a watch delivery",
			client: func(o *secrets.Options) { o.DisableRotationSchedule = true },
			run: func(t *testing.T, h *harness) {
				get(t, h.client, smRef)
				delivered := make(chan struct{}, 1)
				stop, err := h.client.Watch(smRef, func(secrets.Value) { delivered <- struct{}{} })
				if err != nil {
					t.Fatal(err)
				}
				defer stop()
				h.sm.Put(smName, `{"username":"app","password":"another-fake"}`)
				if _, err := h.client.Refresh(ctx, smRef); err != nil {
					t.Fatal(err)
				}
				select {
				case <-delivered:
				case <-time.After(10 * time.Second):
					t.Fatal("the watch was not told of the new version")
				}
			},
			want: []point{
				{"secretref.refreshes", []attribute.KeyValue{provider("sm"), reason("forced")}, 1},
				{"secretref.versions", []attribute.KeyValue{provider("sm")}, 1},
				{"secretref.watch.deliveries", []attribute.KeyValue{provider("sm")}, 1},
			},
		},
		{
			name:   "refreshed ahead, with another coalesced into its batch call",
			client: func(o *secrets.Options) { o.DisableRotationSchedule = true },
			run: func(t *testing.T, h *harness) {
				get(t, h.client, ssmA)
				get(t, h.client, ssmB)
				h.clock.Advance(50 * time.Second) // refresh ahead from 48 s; coalesced from 30 s
				get(t, h.client, ssmA)
			},
			want: []point{
				{"secretref.refreshes", []attribute.KeyValue{provider("ssm"), reason("ahead")}, 1},
				{"secretref.refreshes", []attribute.KeyValue{provider("ssm"), reason("coalesced")}, 1},
				{"secretref.provider.calls", call("ssm", "fetch_batch", true, "ok"), 1},
			},
		},
		{
			name: "served stale, then retried",
			client: func(o *secrets.Options) {
				o.DisableRotationSchedule = true
				o.RetryBackoff = time.Second
			},
			run: func(t *testing.T, h *harness) {
				get(t, h.client, smARN)
				h.sm.Fail(smARN, unavailable)
				h.clock.Advance(ttl + 10*time.Second)
				get(t, h.client, smARN) // waits for a fetch that fails: stale
				get(t, h.client, smARN) // the retry is not due: stale at once
				h.clock.Advance(time.Minute)
				get(t, h.client, smARN) // starts the retry
			},
			want: []point{
				{"secretref.stale.age", []attribute.KeyValue{provider("sm"), region("eu-west-1")}, 3},
				{"secretref.provider.calls", append(call("sm", "fetch", false, "unavailable"), region("eu-west-1")), 1},
				{"secretref.refreshes", []attribute.KeyValue{provider("sm"), region("eu-west-1"), reason("retry")}, 1},
				{"secretref.provider.calls", append(call("sm", "fetch", true, "unavailable"), region("eu-west-1")), 1},
			},
		},
		{
			name: "evictions",
			client: func(o *secrets.Options) {
				o.DisableRotationSchedule = true
				o.MaxEntries = 1
			},
			run: func(t *testing.T, h *harness) {
				get(t, h.client, smRef)
				get(t, h.client, ssmA)
			},
			want: []point{
				{"secretref.evictions", []attribute.KeyValue{provider("sm")}, 1},
				{"secretref.entries", nil, 1},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, harnessConfig{client: tt.client, put: putAll})
			tt.run(t, h)
			// Background work (refreshes, rotation look-ups, deliveries)
			// ends on its own goroutine.
			poll.Until(t, "every expected point", func() bool {
				rm := h.collect(t)
				for _, p := range tt.want {
					if v, ok := p.value(rm); !ok || v < p.want {
						return false
					}
				}
				return true
			})
			rm := h.collect(t)
			for _, p := range tt.want {
				if v, _ := p.value(rm); v != p.want {
					t.Errorf("%s%s = %d, want %d; points: %v", p.metric, fmt.Sprint(p.attrs), v, p.want, points(rm, p.metric))
				}
			}
		})
	}
}
