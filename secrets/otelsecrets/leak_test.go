package otelsecrets_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/secretref/secretref/internal/testing/poll"
	"github.com/secretref/secretref/providers"
	"github.com/secretref/secretref/providers/memory"
	"github.com/secretref/secretref/secrets"
)

// Every name the leak test reads holds canaryName, every JSON key
// canaryKey, every value canaryValue: none may reach the telemetry.
const (
	canaryName  = "canaryname"
	canaryKey   = "canarykey"
	canaryValue = "canaryvalue"
)

var (
	leakSM    = "team/" + canaryName + "-db"
	leakARN   = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:" + canaryName + "-api-AbCdEf"
	leakPath  = "/" + canaryName
	leakSSM   = []string{leakPath + "/a", leakPath + "/b", leakPath + "/c"}
	forbidden = []string{canaryName, canaryKey, canaryValue}
)

func leakValue(n int) string {
	return fmt.Sprintf(`{%q:"%s-%d"}`, canaryKey, canaryValue, n)
}

// TestNothingLeaks drives a Client through hits, misses, batch calls, a
// listing, stale serves, failures of every kind and rotations, then checks
// that no exported metric point or span carries a reference, a secret's
// name, a JSON key or a value.
func TestNothingLeaks(t *testing.T) {
	h := driveEverything(t)
	rm := h.collect(t)
	checkMetrics(t, rm)
	checkSpans(t, h.spans.Ended())
	if outcomes := len(points(rm, "secretref.provider.calls")); outcomes < 6 {
		t.Errorf("%d provider call series, want the outcomes of every failure", outcomes)
	}
}

// driveEverything returns a harness whose Client was driven through
// everything an instrument records, its metrics all produced.
func driveEverything(t *testing.T) *harness {
	t.Helper()
	ctx := context.Background()
	h := newHarness(t, harnessConfig{
		client: func(o *secrets.Options) { o.MaxEntries = 6 },
		put: func(sm *memory.Store, ssm *memory.Store) {
			sm.Put(leakSM, leakValue(1))
			sm.Put(leakARN, leakValue(2))
			for i, n := range leakSSM {
				ssm.Put(n, leakValue(10+i))
			}
		},
	})
	c := h.client
	read := func(ref string) {
		t.Helper()
		if _, err := c.Get(ctx, ref); err != nil {
			t.Fatalf("Get: %v", err)
		}
	}
	caller, span := h.tp.Tracer("test").Start(ctx, "handler")

	// Misses and hits, with and without #key, foreground and batched.
	for range 3 {
		read("sm:" + leakSM + "#" + canaryKey)
		read(leakARN)
	}
	if _, err := c.GetMany(caller, leakSSM...); err != nil {
		t.Fatalf("GetMany: %v", err)
	}
	if _, err := c.GetPath(caller, leakPath, true); err != nil {
		t.Fatalf("GetPath: %v", err)
	}

	// Failures of each class, named after the canary.
	for i, err := range []error{
		providers.Classify(providers.ErrThrottled, errors.New(canaryName+" throttled")),
		providers.Classify(providers.ErrAccessDenied, errors.New(canaryName+" denied")),
		providers.Classify(providers.ErrUnavailable, errors.New(canaryName+" 503")),
		errors.New(canaryName + " unclassified"),
	} {
		name := fmt.Sprintf("%s-failing-%d", canaryName, i)
		h.sm.Fail(name, err)
		if _, err := c.Get(caller, "sm:"+name); err == nil {
			t.Fatal("a failing Get succeeded")
		}
	}
	if _, err := c.Get(caller, "sm:"+canaryName+"-absent"); err == nil {
		t.Fatal("a Get of an absent secret succeeded")
	}
	if _, err := c.Get(caller, "sm:"+leakSM+"#"+canaryKey+"-absent"); err == nil {
		t.Fatal("a Get of an absent key succeeded")
	}

	// A rotation seen by a forced refresh and by a watch.
	delivered := make(chan struct{}, 1)
	stop, err := c.Watch("sm:"+leakSM+"#"+canaryKey, func(secrets.Value) { delivered <- struct{}{} })
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	h.sm.Put(leakSM, leakValue(3))
	if _, err := c.Refresh(caller, "sm:"+leakSM); err != nil {
		t.Fatalf("Refresh: %v", err)
	}
	<-delivered

	// Refreshes ahead and coalesced, then stale serves while the backends fail.
	h.clock.Advance(50 * time.Second)
	read(leakSSM[0])
	h.sm.Fail("", providers.Classify(providers.ErrUnavailable, errors.New(canaryName+" down")))
	h.ssm.Fail("", providers.Classify(providers.ErrUnavailable, errors.New(canaryName+" down")))
	h.clock.Advance(ttl)
	for range 3 {
		read(leakARN)
		read(leakSSM[1])
	}
	// Evictions: more references than MaxEntries.
	h.sm.Fail("", nil)
	for i := range 4 {
		name := fmt.Sprintf("%s-extra-%d", canaryName, i)
		h.sm.Put(name, leakValue(20+i))
		read("sm:" + name)
	}
	span.End()

	poll.Until(t, "a stale serve, an eviction, a new version, a delivery and a coalesced refresh", func() bool {
		rm := h.collect(t)
		for _, name := range []string{"secretref.stale.age", "secretref.evictions", "secretref.versions", "secretref.watch.deliveries"} {
			if len(points(rm, name)) == 0 {
				return false
			}
		}
		for _, p := range points(rm, "secretref.refreshes") {
			if strings.Contains(p, "secretref.refresh.reason=coalesced") {
				return true
			}
		}
		return false
	})
	return h
}

// leaks reports whether s holds anything forbidden.
func leaks(s string) bool {
	for _, f := range forbidden {
		if strings.Contains(s, f) {
			return true
		}
	}
	return false
}

// checkAttrs fails t for each attribute of attrs that leaks, naming where
// and the key only.
func checkAttrs(t *testing.T, where string, attrs []attribute.KeyValue) {
	t.Helper()
	for _, kv := range attrs {
		if leaks(string(kv.Key)) || leaks(kv.Value.String()) {
			t.Errorf("%s: attribute %q holds a reference, a name or a value", where, kv.Key)
		}
	}
}

func checkMetrics(t *testing.T, rm metricdata.ResourceMetrics) {
	t.Helper()
	checkAttrs(t, "resource", rm.Resource.Attributes())
	n := 0
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if leaks(m.Name) || leaks(m.Description) || leaks(m.Unit) {
				t.Errorf("metric %q: its name, description or unit leaks", m.Name)
			}
			each := func(attrs attribute.Set, exemplars [][]attribute.KeyValue) {
				n++
				checkAttrs(t, m.Name, attrs.ToSlice())
				for _, e := range exemplars {
					checkAttrs(t, m.Name+" exemplar", e)
				}
			}
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				for _, dp := range d.DataPoints {
					each(dp.Attributes, exemplarAttrs(dp.Exemplars))
				}
			case metricdata.Histogram[float64]:
				for _, dp := range d.DataPoints {
					each(dp.Attributes, exemplarAttrs(dp.Exemplars))
				}
			case metricdata.Histogram[int64]:
				for _, dp := range d.DataPoints {
					each(dp.Attributes, exemplarAttrs(dp.Exemplars))
				}
			default:
				t.Errorf("metric %q: unexpected aggregation %T", m.Name, m.Data)
			}
		}
	}
	if n == 0 {
		t.Error("no metric point was exported")
	}
	// Whatever the walk above misses.
	if leaks(fmt.Sprintf("%+v", rm)) {
		t.Error("the exported metrics hold a reference, a name or a value")
	}
}

func exemplarAttrs[N int64 | float64](es []metricdata.Exemplar[N]) [][]attribute.KeyValue {
	out := make([][]attribute.KeyValue, len(es))
	for i, e := range es {
		out[i] = e.FilteredAttributes
	}
	return out
}

func checkSpans(t *testing.T, spans []sdktrace.ReadOnlySpan) {
	t.Helper()
	if len(spans) < 10 {
		t.Errorf("%d spans ended, want one per provider call", len(spans))
	}
	for _, s := range spans {
		where := "span " + s.Name()
		if leaks(s.Name()) {
			t.Errorf("a span's name leaks")
		}
		checkAttrs(t, where, s.Attributes())
		if leaks(s.Status().Description) {
			t.Errorf("%s: its status leaks", where)
		}
		for _, e := range s.Events() {
			if leaks(e.Name) {
				t.Errorf("%s: an event's name leaks", where)
			}
			checkAttrs(t, where+" event "+e.Name, e.Attributes)
		}
		for _, l := range s.Links() {
			checkAttrs(t, where+" link", l.Attributes)
		}
		checkAttrs(t, where+" resource", s.Resource().Attributes())
	}
}
