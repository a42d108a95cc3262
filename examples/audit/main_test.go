package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/secretref/secretref/internal/testing/readmeblock"
)

var update = flag.Bool("update", false, "rewrite the README's block of the program's output")

func TestRun(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		code     int
		contains []string
	}{
		{"before: flagged", []string{"../ecs/before/task-definition.json", "../lambda/before"}, 1, []string{
			"PGPASSWORD at containerDefinitions[0].environment[3] (23 bytes): the name says it holds a password",
			"PARTNER_API_KEY at Resources.OrderForwarder.Properties.Environment.Variables.PARTNER_API_KEY (22 bytes)",
			"set PGPASSWORD_REF=sm:orders/pgpassword",
			// ECS takes a Secrets Manager secret by full ARN only.
			`{"name":"PGPASSWORD","valueFrom":"arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders/pgpassword-??????"}`,
			"?????? being the last six characters of the secret's ARN",
			"2 findings in 2 files",
		}},
		{"after: clean", []string{"../ecs/after/task-definition.json", "../ecs/after/task-definition-ecs-secrets.json", "../lambda/after"}, 0, []string{
			"0 findings in 3 files",
		}},
		{"region and account for a template", []string{"-region", "us-east-2", "-account", "210987654321", "../lambda/before/template.yaml"}, 1, []string{
			"arn:aws:secretsmanager:us-east-2:210987654321:secret:OrderForwarder/partner-api-key-??????",
		}},
		{"a file of no known kind", []string{"../lambda/after/policy.json"}, 2, nil},
		{"a missing file", []string{"no-such-file.json"}, 2, nil},
		{"no arguments", nil, 2, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run(tt.args, &stdout, &stderr); code != tt.code {
				t.Errorf("exit %d, want %d; stderr: %s", code, tt.code, &stderr)
			}
			for _, s := range tt.contains {
				if !strings.Contains(stdout.String(), s) {
					t.Errorf("output lacks %q:\n%s", s, &stdout)
				}
			}
			for _, secret := range []string{"before-example-password", "before-example-api-key"} {
				if strings.Contains(stdout.String()+stderr.String(), secret) {
					t.Errorf("the output holds a value of the examples (%d bytes)", len(secret))
				}
			}
		})
	}
}

func TestRunJSON(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run([]string{"-json", "../ecs/before"}, &stdout, &stderr); code != 1 {
		t.Fatalf("exit %d; stderr: %s", code, &stderr)
	}
	var out struct {
		Findings int
		Reports  []struct {
			File     string
			Kind     string
			Findings []struct {
				Variable string
				Length   int
				Reasons  []string
				Fix      struct {
					Reference string
					ECSSecret struct {
						Name, ValueFrom     string
						ExecutionRolePolicy []struct{ Action, Resource any }
					}
				}
			}
		}
	}
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	if out.Findings != 1 || len(out.Reports) != 1 || out.Reports[0].Kind != "ecs-task-definition" ||
		out.Reports[0].Findings[0].Variable != "PGPASSWORD" || out.Reports[0].Findings[0].Length != 23 ||
		out.Reports[0].Findings[0].Fix.Reference != "sm:orders/pgpassword" {
		t.Errorf("JSON output: %s", &stdout)
	}
	const arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders/pgpassword-??????"
	if e := out.Reports[0].Findings[0].Fix.ECSSecret; e.Name != "PGPASSWORD" || e.ValueFrom != arn ||
		len(e.ExecutionRolePolicy) != 1 || e.ExecutionRolePolicy[0].Action != "secretsmanager:GetSecretValue" || e.ExecutionRolePolicy[0].Resource != arn {
		t.Errorf("ECS secrets entry %+v", e)
	}
	if strings.Contains(stdout.String(), "before-example-password") {
		t.Error("the JSON output holds the value")
	}
}

// A directory's files of no known kind are skipped; broken ones fail.
func TestRunDirectory(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("package.json", `{"name": "x"}`)
	write("notes.txt", "not looked at")
	write("fn.json", `{"FunctionName": "f", "Environment": {"Variables": {"MODE": "fast"}}}`)
	var stdout, stderr bytes.Buffer
	if code := run([]string{dir}, &stdout, &stderr); code != 0 || !strings.Contains(stdout.String(), "0 findings in 1 file") {
		t.Errorf("exit %d: %s %s", code, &stdout, &stderr)
	}
	write("broken.yaml", "a: [")
	stdout.Reset()
	if code := run([]string{dir}, &stdout, &stderr); code != 2 {
		t.Errorf("exit %d with a broken file", code)
	}
}

// The README shows the program's output on the examples' before/ files.
func TestREADME(t *testing.T) {
	const args = "examples/ecs/before/task-definition.json examples/lambda/before"
	t.Chdir("../..")
	var stdout, stderr bytes.Buffer
	if code := run(strings.Fields(args), &stdout, &stderr); code != 1 {
		t.Fatalf("exit %d: %s", code, &stderr)
	}
	readmeblock.Check(t, "README.md", "audit", args, stdout.Bytes(), *update)
}
