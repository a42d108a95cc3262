package otelsecrets_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/secretref/secretref/internal/testing/poll"
	"github.com/secretref/secretref/providers"
	"github.com/secretref/secretref/secrets"
	"github.com/secretref/secretref/secrets/otelsecrets"
)

// noSchedule keeps rotation schedule look-ups out of the span counts.
func noSchedule(o *secrets.Options) { o.DisableRotationSchedule = true }

// spansNamed returns the ended spans called name.
func spansNamed(h *harness, name string) []sdktrace.ReadOnlySpan {
	var out []sdktrace.ReadOnlySpan
	for _, s := range h.spans.Ended() {
		if s.Name() == name {
			out = append(out, s)
		}
	}
	return out
}

// attr returns the value of s's attribute k.
func attr(s sdktrace.ReadOnlySpan, k string) (attribute.Value, bool) {
	for _, kv := range s.Attributes() {
		if string(kv.Key) == k {
			return kv.Value, true
		}
	}
	return attribute.Value{}, false
}

func TestSpanPerProviderCallNeverPerHit(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t, harnessConfig{client: noSchedule, put: putAll})
	get(t, h.client, smRef)
	for range 100 {
		get(t, h.client, smRef)
		get(t, h.client, smRef+"#password")
	}
	if _, err := h.client.GetMany(ctx, ssmA, ssmB, ssmC, smRef); err != nil {
		t.Fatal(err)
	}
	if _, err := h.client.GetPath(ctx, "/prod/app", false); err != nil {
		t.Fatal(err)
	}
	for range 100 {
		get(t, h.client, ssmA)
	}
	spans := h.spans.Ended()
	var names []string
	for _, s := range spans {
		names = append(names, s.Name())
	}
	want := []string{"secretref fetch", "secretref fetch_batch", "secretref fetch_path"}
	if len(names) != len(want) {
		t.Fatalf("spans %q, want %q", names, want)
	}
	for i := range want {
		if names[i] != want[i] {
			t.Fatalf("spans %q, want %q", names, want)
		}
	}
	if n, _ := attr(spans[1], "secretref.batch.size"); n.AsInt64() != 3 {
		t.Errorf("fetch_batch span: secretref.batch.size %d, want 3", n.AsInt64())
	}
	rm := h.collect(t)
	if sum := histogramSum(rm, point{metric: "secretref.provider.call.size", attrs: call("ssm", "fetch_batch", false, "ok")}); sum != 3 {
		t.Errorf("secretref.provider.call.size of the batch: sum %d, want 3", sum)
	}
}

func TestForegroundMissSpanIsChildOfCallers(t *testing.T) {
	h := newHarness(t, harnessConfig{client: noSchedule, put: putAll})
	ctx, caller := h.tp.Tracer("test").Start(context.Background(), "handler")
	if _, err := h.client.Get(ctx, smARN); err != nil {
		t.Fatal(err)
	}
	if _, err := h.client.GetMany(ctx, ssmA, ssmB); err != nil {
		t.Fatal(err)
	}
	caller.End()
	for _, name := range []string{"secretref fetch", "secretref fetch_batch"} {
		spans := spansNamed(h, name)
		if len(spans) != 1 {
			t.Fatalf("%d %q spans, want 1", len(spans), name)
		}
		s := spans[0]
		if s.Parent().SpanID() != caller.SpanContext().SpanID() || s.SpanContext().TraceID() != caller.SpanContext().TraceID() {
			t.Errorf("%q span is not a child of the caller's span", name)
		}
		if bg, _ := attr(s, "secretref.background"); bg.AsBool() {
			t.Errorf("%q span: secretref.background true for a foreground read", name)
		}
		if s.SpanKind().String() != "internal" {
			t.Errorf("%q span: kind %v, want internal", name, s.SpanKind())
		}
	}
	if r, _ := attr(spansNamed(h, "secretref fetch")[0], "secretref.region"); r.AsString() != "eu-west-1" {
		t.Errorf("secretref.region %q, want eu-west-1", r.AsString())
	}
}

func TestBackgroundSpansAreRoots(t *testing.T) {
	h := newHarness(t, harnessConfig{put: putAll})
	ctx, caller := h.tp.Tracer("test").Start(context.Background(), "handler")
	defer caller.End()
	get(t, h.client, smRef)
	h.clock.Advance(50 * time.Second) // into the refresh-ahead window
	if _, err := h.client.Get(ctx, smRef); err != nil {
		t.Fatal(err)
	}
	poll.Until(t, "the background refresh and the rotation schedule look-up", func() bool {
		return len(spansNamed(h, "secretref fetch")) == 2 && len(spansNamed(h, "secretref describe")) >= 1
	})
	refresh := spansNamed(h, "secretref fetch")[1]
	for _, s := range []sdktrace.ReadOnlySpan{refresh, spansNamed(h, "secretref describe")[0]} {
		if s.Parent().IsValid() {
			t.Errorf("%q span has a parent, want a root span", s.Name())
		}
		if s.SpanContext().TraceID() == caller.SpanContext().TraceID() {
			t.Errorf("%q span is in the caller's trace", s.Name())
		}
		if bg, _ := attr(s, "secretref.background"); !bg.AsBool() {
			t.Errorf("%q span: secretref.background false for background work", s.Name())
		}
	}
}

func TestSpanOutcome(t *testing.T) {
	tests := []struct {
		name    string
		err     error
		outcome string
	}{
		{"ok", nil, "ok"},
		{"not found", providers.Classify(providers.ErrNotFound, errors.New("gone")), "not_found"},
		{"throttled", providers.Classify(providers.ErrThrottled, errors.New("slow down")), "throttled"},
		{"unclassified", errors.New("what"), "other"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, harnessConfig{client: noSchedule, put: putAll})
			if tt.err != nil {
				h.sm.Fail(smName, tt.err)
			}
			if _, err := h.client.Get(context.Background(), smRef); (err != nil) != (tt.err != nil) {
				t.Fatalf("Get: error %v, want one: %t", err, tt.err != nil)
			}
			s := spansNamed(h, "secretref fetch")[0]
			if o, _ := attr(s, "secretref.outcome"); o.AsString() != tt.outcome {
				t.Errorf("secretref.outcome %q, want %q", o.AsString(), tt.outcome)
			}
			et, hasType := attr(s, "error.type")
			switch {
			case tt.err == nil && (hasType || s.Status().Code != codes.Unset):
				t.Errorf("a success has error.type %t, status %v", hasType, s.Status().Code)
			case tt.err != nil && (et.AsString() != tt.outcome || s.Status().Code != codes.Error || s.Status().Description != tt.outcome):
				t.Errorf("error.type %q, status %v %q; want the class %q", et.AsString(), s.Status().Code, s.Status().Description, tt.outcome)
			}
			if len(s.Events()) != 0 {
				t.Errorf("%d span events, want none (an error event would carry its message)", len(s.Events()))
			}
		})
	}
}

func TestRecordReferences(t *testing.T) {
	h := newHarness(t, harnessConfig{
		client: noSchedule,
		inst:   func(o *otelsecrets.Options) { o.RecordReferences = true },
		put:    putAll,
	})
	get(t, h.client, smRef+"#password")
	if _, err := h.client.GetMany(context.Background(), ssmA, ssmB); err != nil {
		t.Fatal(err)
	}
	refs, _ := attr(spansNamed(h, "secretref fetch_batch")[0], "secretref.references")
	if got := refs.AsStringSlice(); len(got) != 2 || got[0] != "ssm:"+ssmA || got[1] != "ssm:"+ssmB {
		t.Errorf("secretref.references %q, want both references of the batch", got)
	}
	rm := h.collect(t)
	p := point{"secretref.provider.calls", append(call("sm", "fetch", false, "ok"), attribute.String("secretref.reference", smRef)), 1}
	if v, _ := p.value(rm); v != 1 {
		t.Errorf("secretref.provider.calls with the reference (without #key): %d, want 1; points %v", v, points(rm, p.metric))
	}
}
