package main

import (
	"bytes"
	"encoding/json"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/secretref/secretref/internal/testing/exampletest"
	"github.com/secretref/secretref/secrets"
)

// instruments are the metric families the service must export once it has
// read its secret and taken a rotated version: what every read, every
// provider call, the forced refresh after the database rejected the old
// password, and the new version make.
var instruments = []string{
	"secretref_reads_total",
	"secretref_entries",
	"secretref_provider_calls_total",
	"secretref_provider_call_duration_seconds",
	"secretref_provider_call_size",
	"secretref_refreshes_total",
	"secretref_versions_total",
}

// labels are every label a secretref metric may have: the attributes of
// package otelsecrets without Options.RecordReferences, the exporter's
// scope labels and a histogram's bucket bound.
var labels = []string{
	"secretref_provider", "secretref_region", "secretref_operation", "secretref_background", "secretref_failover",
	"secretref_region_state",
	"secretref_outcome", "secretref_read_result", "secretref_refresh_reason",
	"otel_scope_name", "otel_scope_version", "otel_scope_schema_url", "le",
}

// checkObservability scrapes the admin listener's /metrics, then its
// /debug/vars: the instruments are there with their attributes only,
// Stats is published with every counter, and neither names the secret nor
// holds a value. hidden are the reference, the secret's name and the
// values neither may hold.
func checkObservability(t *testing.T, adminAddr string, hidden ...string) {
	t.Helper()
	metricsText, err := get(adminAddr, "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	vars, err := get(adminAddr, "/debug/vars")
	if err != nil {
		t.Fatal(err)
	}
	exampletest.NoSecrets(t, "/metrics", string(metricsText), hidden...)
	exampletest.NoSecrets(t, "/debug/vars", string(vars), hidden...)

	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(bytes.NewReader(metricsText))
	if err != nil {
		t.Fatalf("/metrics: %v", err)
	}
	for _, name := range instruments {
		if families[name] == nil {
			t.Errorf("/metrics has no %s", name)
		}
	}
	for name, f := range families {
		if !strings.HasPrefix(name, "secretref_") {
			continue
		}
		unexpected := map[string]bool{}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if !slices.Contains(labels, l.GetName()) {
					unexpected[l.GetName()] = true
				}
			}
		}
		if len(unexpected) > 0 {
			t.Errorf("%s has the labels %q", name, slices.Sorted(maps.Keys(unexpected)))
		}
	}
	stats := publishedStats(t, vars)

	reads := counts(families["secretref_reads_total"], "secretref_read_result")
	calls := counts(families["secretref_provider_calls_total"], "secretref_outcome")
	versions := counts(families["secretref_versions_total"], "")
	t.Logf("/metrics: %d bytes, reads %v, provider calls by outcome %v, new versions %d", len(metricsText), reads, calls, versions[""])
	t.Logf("/debug/vars secretref: %+v", stats)
	// /metrics was read first, and the counts only grow.
	if reads["hit"] == 0 || reads["hit"] > stats.Hits || reads["miss"] == 0 || reads["miss"] > stats.Misses {
		t.Errorf("reads in /metrics %v, want hits and misses each at least 1 and at most Stats' (%d and %d)", reads, stats.Hits, stats.Misses)
	}
	if calls["ok"] < 2 || versions[""] < 1 {
		t.Errorf("%d successful provider calls and %d new versions in /metrics, want at least 2 (the start and the rotation) and 1", calls["ok"], versions[""])
	}
	if stats.Fetches < 2 || stats.Refreshes < 1 {
		t.Errorf("Stats: %d fetches and %d refreshes, want at least 2 and 1", stats.Fetches, stats.Refreshes)
	}
}

// publishedStats returns the "secretref" variable of /debug/vars, failing
// t unless it holds every field of secrets.Stats.
func publishedStats(t *testing.T, vars []byte) secrets.Stats {
	t.Helper()
	var all map[string]json.RawMessage
	if err := json.Unmarshal(vars, &all); err != nil {
		t.Fatalf("/debug/vars: %v", err)
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(all["secretref"], &fields); err != nil {
		t.Fatalf("/debug/vars secretref: %v", err)
	}
	for _, f := range reflect.VisibleFields(reflect.TypeFor[secrets.Stats]()) {
		if _, ok := fields[f.Name]; !ok {
			t.Errorf("/debug/vars secretref has no %s", f.Name)
		}
	}
	dec := json.NewDecoder(bytes.NewReader(all["secretref"]))
	dec.DisallowUnknownFields()
	var s secrets.Stats
	if err := dec.Decode(&s); err != nil {
		t.Fatalf("/debug/vars secretref: %v", err)
	}
	return s
}

// counts adds up the values of a counter family by the value of one label
// (every series under "" when label is empty).
func counts(f *dto.MetricFamily, label string) map[string]uint64 {
	c := map[string]uint64{}
	for _, m := range f.GetMetric() {
		key := ""
		for _, l := range m.GetLabel() {
			if l.GetName() == label {
				key = l.GetValue()
			}
		}
		c[key] += uint64(m.GetCounter().GetValue())
	}
	return c
}
