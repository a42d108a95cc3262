package audit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/secretref/secretref/secrets/iampolicy"
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
			writeFix(&b, f.Fix)
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

// writeFix writes a finding's fix: the secret and the reference, the task
// or function role's statements, and for an ECS container the secrets
// entry and the execution role's statements; for an AWS access key, its
// note alone.
func writeFix(b *strings.Builder, fx Fix) {
	if fx.SecretName == "" {
		fmt.Fprintf(b, "  fix: %s\n", fx.Note)
		return
	}
	if fx.Note != "" {
		fmt.Fprintf(b, "  note: %s\n", fx.Note)
	}
	fmt.Fprintf(b, "  fix: store the value in Secrets Manager as %s and set %s=%s\n", fx.SecretName, fx.Variable, fx.Reference)
	role := "the function's role"
	if fx.ECSSecret != nil {
		role = "the task role"
	}
	writeStatements(b, role, fx.Policy)
	if e := fx.ECSSecret; e != nil {
		entry, _ := json.Marshal(struct {
			Name      string `json:"name"`
			ValueFrom string `json:"valueFrom"`
		}{e.Name, e.ValueFrom})
		fmt.Fprintf(b, "  or have ECS inject it when the task starts (a rotation then needs a new deployment), with this entry in the container's \"secrets\":\n")
		fmt.Fprintf(b, "    %s\n", entry)
		fmt.Fprintf(b, "    %s being the last six characters of the secret's ARN, which create-secret returns\n", SuffixPlaceholder)
		if strings.Contains(e.ValueFrom, "${AWS::") {
			fmt.Fprintf(b, "    (in a template, the Ref of the AWS::SecretsManager::Secret resource is that ARN)\n")
		}
		writeStatements(b, "the task execution role", e.ExecutionRolePolicy)
	}
}

func writeStatements(b *strings.Builder, role string, statements []iampolicy.Statement) {
	if len(statements) == 0 {
		return
	}
	fmt.Fprintf(b, "  %s then needs:\n", role)
	for _, s := range statements {
		st, _ := json.Marshal(s)
		fmt.Fprintf(b, "    %s\n", st)
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
