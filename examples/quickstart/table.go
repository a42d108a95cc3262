package main

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/secretref/secretref/secrets"
)

// table lists references with what they resolved to: the value as it
// prints (redacted), its size and its version.
type table struct{ tw *tabwriter.Writer }

func newTable(w io.Writer) *table {
	t := &table{tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)}
	fmt.Fprintln(t.tw, "REFERENCE\tVALUE\tBYTES\tVERSION")
	return t
}

func (t *table) row(ref string, v secrets.Value) {
	// Printing v itself is safe: a secrets.Value prints as [REDACTED].
	fmt.Fprintf(t.tw, "%s\t%v\t%d\t%.8s\n", ref, v, v.Len(), v.Version())
}

func (t *table) flush() error { return t.tw.Flush() }
