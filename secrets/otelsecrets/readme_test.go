package otelsecrets_test

import (
	"maps"
	"os"
	"regexp"
	"slices"
	"testing"
)

// readmeRow matches a row of the README's table of instruments: its name
// and its unit.
var readmeRow = regexp.MustCompile("(?m)^\\| `(secretref\\.[a-z._]+)` \\| [^|]+ \\| `([^`]+)` \\|")

// TestREADMEListsEveryInstrument checks the README's Observability table
// against the instruments the package makes: the same names, the same
// units.
func TestREADMEListsEveryInstrument(t *testing.T) {
	doc, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]string{}
	for _, m := range readmeRow.FindAllStringSubmatch(string(doc), -1) {
		listed[m[1]] = m[2]
	}
	made := map[string]string{}
	for _, h := range []*harness{driveEverything(t), driveFailover(t)} {
		for _, sm := range h.collect(t).ScopeMetrics {
			for _, m := range sm.Metrics {
				made[m.Name] = m.Unit
			}
		}
	}
	for name, unit := range made {
		if got, ok := listed[name]; !ok || got != unit {
			t.Errorf("README: %s listed with unit %q (listed: %t), want %q", name, got, ok, unit)
		}
	}
	for name := range listed {
		if _, ok := made[name]; !ok {
			t.Errorf("README lists %s, which the package does not make", name)
		}
	}
	if len(made) != 14 {
		t.Errorf("%d instruments made, want all 14: %q", len(made), slices.Sorted(maps.Keys(made)))
	}
}
