package audit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// WriteText writes the reports for people: each finding with where it is,
// its length and why, and its fix. It never writes a value.
func WriteText(w io.Writer, reports ...*Report) error {
	var b strings.Builder
	total := 0
	for _, r := range reports {
		for _, f := range r.Findings {
			total++
			length := "length not in the document"
			if f.Length != nil {
				length = fmt.Sprintf("%d bytes", *f.Length)
			}
			fmt.Fprintf(&b, "%s: %s at %s (%s): %s\n", r.File, f.Variable, f.Location, length, strings.Join(f.Reasons, "; "))
			fx := f.Fix
			if fx.Note != "" {
				fmt.Fprintf(&b, "  note: %s\n", fx.Note)
			}
			fmt.Fprintf(&b, "  fix: store the value in Secrets Manager as %s and set %s=%s\n", fx.SecretName, fx.Variable, fx.Reference)
			if fx.ECSSecret != nil {
				entry, _ := json.Marshal(fx.ECSSecret)
				fmt.Fprintf(&b, "       (or have ECS inject it at start, with the execution role: \"secrets\": [%s])\n", entry)
			}
			if len(fx.Policy) > 0 {
				role := "the function's role"
				if fx.ECSSecret != nil {
					role = "the task role"
				}
				fmt.Fprintf(&b, "  %s then needs:\n", role)
				for _, s := range fx.Policy {
					st, _ := json.Marshal(s)
					fmt.Fprintf(&b, "    %s\n", st)
				}
			}
		}
	}
	fmt.Fprintf(&b, "%d %s in %d %s\n", total, plural(total, "finding", "findings"), len(reports), plural(len(reports), "file", "files"))
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteJSON writes the reports as one JSON object: {"findings": N,
// "reports": [...]}, each report as the Report type marshals.
func WriteJSON(w io.Writer, reports ...*Report) error {
	total := 0
	for _, r := range reports {
		total += len(r.Findings)
	}
	if reports == nil {
		reports = []*Report{}
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(struct {
		Findings int       `json:"findings"`
		Reports  []*Report `json:"reports"`
	}{total, reports}); err != nil {
		return err
	}
	_, err := w.Write(b.Bytes())
	return err
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
