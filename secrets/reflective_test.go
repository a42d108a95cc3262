package secrets_test

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/davecgh/go-spew/spew"
	"github.com/google/go-cmp/cmp"
	"github.com/kr/pretty"
	"github.com/stretchr/testify/assert"
)

// failureLog is a testify TestingT that keeps the failure messages an
// assertion writes.
type failureLog struct{ strings.Builder }

func (l *failureLog) Errorf(format string, args ...any) { fmt.Fprintf(&l.Builder, format, args...) }

// exportAll makes go-cmp read every unexported field, as a user who wants
// the most detailed diff configures it.
var exportAll = cmp.Exporter(func(reflect.Type) bool { return true })

// reflectivePrinters print, or diff, a holder x of a Value against a holder
// y of another Value, the ways test suites do: by reflection, reading
// unexported fields, with or without calling the values' methods.
var reflectivePrinters = map[string]func(x, y any) string{
	"spew.Sdump": func(x, _ any) string { return spew.Sdump(x) },
	"spew.Sdump with DisableMethods": func(x, _ any) string {
		return (&spew.ConfigState{Indent: " ", DisableMethods: true, DisablePointerMethods: true, SortKeys: true}).Sdump(x)
	},
	"spew.Sdump as testify configures it": func(x, _ any) string {
		return (&spew.ConfigState{Indent: " ", DisablePointerAddresses: true, DisableCapacities: true, SortKeys: true, DisableMethods: true, MaxDepth: 10}).Sdump(x)
	},
	"spew.Sprintf %+v": func(x, _ any) string { return spew.Sprintf("%+v %#v", x, x) },
	"testify assert.Equal": func(x, y any) string {
		var l failureLog
		assert.Equal(&l, x, y)
		return l.String()
	},
	"testify assert.EqualValues": func(x, y any) string {
		var l failureLog
		assert.EqualValues(&l, x, y)
		return l.String()
	},
	"testify assert.Contains": func(x, y any) string {
		var l failureLog
		assert.Contains(&l, []any{x}, y)
		return l.String()
	},
	"cmp.Diff": func(x, y any) (out string) {
		// cmp refuses structs with unexported fields unless told how to
		// read them; its panic names the field, not the value.
		defer func() {
			if r := recover(); r != nil {
				out = fmt.Sprint(r)
			}
		}()
		return cmp.Diff(x, y)
	},
	"cmp.Diff exporting every field": func(x, y any) string { return cmp.Diff(x, y, exportAll) },
	"pretty.Sprint":                  func(x, _ any) string { return pretty.Sprint(x) },
	"pretty.Formatter": func(x, _ any) string {
		return fmt.Sprintf("%# v %v %+v", pretty.Formatter(x), pretty.Formatter(x), pretty.Formatter(x))
	},
	"pretty.Diff": func(x, y any) string { return strings.Join(pretty.Diff(x, y), "\n") },
}

// Reflective printers and diffs, which read a Value's fields instead of
// calling its methods, show no secret of a Value alone or in any holder.
// Each printer's subtest names the holders that showed one.
func TestValueNeverShowsToReflectivePrinters(t *testing.T) {
	_, vals := redactionValues(t)
	names := slices.Sorted(maps.Keys(vals))
	for name, print := range reflectivePrinters {
		t.Run(name, func(t *testing.T) {
			leaked := map[string]bool{}
			for i, vn := range names {
				// Each Value is diffed against a different one, so that a
				// diff has something to show.
				other := holders(vals[names[(i+1)%len(names)]])
				for holderName, h := range holders(vals[vn]) {
					if len(leaks(print(h, other[holderName]), allRedacted...)) > 0 {
						leaked[holderName] = true
					}
				}
			}
			if len(leaked) > 0 {
				t.Errorf("%s shows the secret of a Value held in: %s", name, strings.Join(slices.Sorted(maps.Keys(leaked)), ", "))
			}
		})
	}
}

// Two reads of one version of a secret are equal to go-cmp, which calls
// Value.Equal, and two different secrets are not.
func TestCmpComparesValuesByEqual(t *testing.T) {
	c, vals := redactionValues(t)
	// A second fetch: a Value of its own, not the cached one.
	if err := c.Invalidate("sm:redaction/text"); err != nil {
		t.Fatal(err)
	}
	again, err := c.Get(t.Context(), "sm:redaction/text")
	if err != nil {
		t.Fatal(err)
	}
	if !cmp.Equal(vals["text"], again) {
		t.Error("cmp.Equal of two reads of one secret is false")
	}
	if cmp.Equal(vals["text"], vals["JSON"]) {
		t.Error("cmp.Equal of two different secrets is true")
	}
	if !cmp.Equal(exportedField{V: vals["text"]}, exportedField{V: again}) {
		t.Error("cmp.Equal of two structs holding reads of one secret is false")
	}
}
