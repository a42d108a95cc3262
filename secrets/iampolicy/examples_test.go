package iampolicy_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws/arn"

	"github.com/secretref/secretref/internal/cfn"
	"github.com/secretref/secretref/secrets/iampolicy"
)

var update = flag.Bool("update", false, "rewrite the examples' policy files with what Derive gives")

// examplesDir is where the examples are, from this package's directory.
const examplesDir = "../../examples"

// exampleKey is the customer-managed key the examples' secrets and
// parameters are encrypted with; the examples' READMEs name it.
const exampleKey = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"

// isReference reports whether an environment variable of an example holds a
// reference: its name says so, or its value is an ARN, a scheme reference
// or a Parameter Store path. (A bare name such as "5m" parses as a secret
// name, so a value alone is not enough.)
func isReference(name, value string) bool {
	return strings.HasSuffix(name, "_REF") || strings.HasPrefix(value, "arn:") ||
		strings.HasPrefix(value, "sm:") || strings.HasPrefix(value, "ssm:") || strings.HasPrefix(value, "/")
}

// The ECS task role's policy is what Derive gives for the references in the
// task definition's environment, read by a Client with default options.
func TestECSTaskRolePolicy(t *testing.T) {
	dir := filepath.Join(examplesDir, "ecs", "after")
	var td struct {
		TaskRoleArn          string `json:"taskRoleArn"`
		ContainerDefinitions []struct {
			Environment      []struct{ Name, Value string } `json:"environment"`
			LogConfiguration struct {
				Options map[string]string `json:"options"`
			} `json:"logConfiguration"`
		} `json:"containerDefinitions"`
	}
	readJSON(t, filepath.Join(dir, "task-definition.json"), &td)
	role, err := arn.Parse(td.TaskRoleArn)
	if err != nil {
		t.Fatalf("taskRoleArn: %v", err)
	}
	in := iampolicy.Input{Account: role.AccountID, Keys: []iampolicy.Key{{ARN: exampleKey}}, Role: td.TaskRoleArn}
	for _, c := range td.ContainerDefinitions {
		in.Region = c.LogConfiguration.Options["awslogs-region"] // where the task runs
		for _, env := range c.Environment {
			if isReference(env.Name, env.Value) {
				in.Refs = append(in.Refs, env.Value)
			}
		}
	}
	if len(in.Refs) == 0 {
		t.Fatal("no references in the task definition")
	}
	p, err := iampolicy.Derive(in)
	if err != nil {
		t.Fatal(err)
	}
	checkFile(t, filepath.Join(dir, "task-role-policy.json"), p.Role.JSON())
}

// lambdaTemplate is the Lambda example's template, decoded.
type lambdaTemplate struct {
	raw  map[string]any
	path string
}

func readLambdaTemplate(t *testing.T) lambdaTemplate {
	t.Helper()
	path := filepath.Join(examplesDir, "lambda", "after", "template.yaml")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	v, err := cfn.Decode(b)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	m, _ := v.(map[string]any)
	return lambdaTemplate{raw: m, path: path}
}

// deployment is what a deployment of the template gives it: parameter
// values (the others take their defaults) and pseudo parameters.
type deployment struct {
	region, account string
	params          map[string]string
}

// resolve returns the template's function with every parameter and pseudo
// parameter of d substituted.
func (tpl lambdaTemplate) resolve(t *testing.T, d deployment) map[string]any {
	t.Helper()
	values := map[string]string{
		"AWS::Region": d.region, "AWS::AccountId": d.account, "AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com",
	}
	params, _ := tpl.raw["Parameters"].(map[string]any)
	for name, p := range params {
		if def, ok := p.(map[string]any)["Default"].(string); ok {
			values[name] = def
		}
	}
	for k, v := range d.params {
		values[k] = v
	}
	resources, _ := tpl.raw["Resources"].(map[string]any)
	for _, r := range resources {
		if r, ok := r.(map[string]any); ok && r["Type"] == "AWS::Serverless::Function" {
			return cfn.Resolve(r["Properties"], values).(map[string]any)
		}
	}
	t.Fatalf("%s: no AWS::Serverless::Function", tpl.path)
	return nil
}

// derive returns what Derive gives for the function's references: those
// in its environment, read by the Client the function builds (no rotation
// schedules).
func (tpl lambdaTemplate) derive(t *testing.T, d deployment, fn map[string]any) iampolicy.Document {
	t.Helper()
	vars, _ := fn["Environment"].(map[string]any)["Variables"].(map[string]any)
	in := iampolicy.Input{Region: d.region, Account: d.account, DisableRotationSchedule: true, Keys: []iampolicy.Key{{ARN: d.params["SecretsKeyArn"]}}}
	for _, name := range slices.Sorted(maps.Keys(vars)) {
		value, ok := vars[name].(string)
		if !ok {
			t.Fatalf("%s: %s is not resolved: %v", tpl.path, name, vars[name])
		}
		if isReference(name, value) {
			in.Refs = append(in.Refs, value)
		}
	}
	if len(in.Refs) == 0 {
		t.Fatalf("%s: no references in the function's environment", tpl.path)
	}
	p, err := iampolicy.Derive(in)
	if err != nil {
		t.Fatal(err)
	}
	return p.Role
}

// exampleDeployment gives the template the values of the examples.
var exampleDeployment = deployment{region: "eu-west-1", account: "123456789012", params: map[string]string{
	"APIKeySecretArn": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/orders/partner-api-key-AbCdEf",
	"SecretsKeyArn":   exampleKey,
}}

// The Lambda function's policy.json is what Derive gives for the references
// in the template's environment, deployed with the examples' values.
func TestLambdaPolicy(t *testing.T) {
	tpl := readLambdaTemplate(t)
	doc := tpl.derive(t, exampleDeployment, tpl.resolve(t, exampleDeployment))
	checkFile(t, filepath.Join(examplesDir, "lambda", "after", "policy.json"), doc.JSON())
}

// The template's inline policy, with its parameters substituted, is what
// Derive gives for the references it puts in the function's environment:
// for the examples' values, and for a deployment elsewhere.
func TestLambdaTemplatePolicy(t *testing.T) {
	tpl := readLambdaTemplate(t)
	for _, d := range []deployment{exampleDeployment, {region: "us-east-2", account: "210987654321", params: map[string]string{
		"APIKeySecretArn":     "arn:aws:secretsmanager:us-east-2:210987654321:secret:staging/partner-XyZ123",
		"SigningKeyParameter": "/staging/signing-key",
		"SecretsKeyArn":       "arn:aws:kms:us-east-2:210987654321:key/0000aaaa-12ab-34cd-56ef-1234567890ab",
	}}} {
		t.Run(d.region, func(t *testing.T) {
			fn := tpl.resolve(t, d)
			policies, _ := fn["Policies"].([]any)
			if len(policies) != 1 {
				t.Fatalf("%s: want one inline policy, have %d", tpl.path, len(policies))
			}
			var want any
			if err := json.Unmarshal(tpl.derive(t, d, fn).JSON(), &want); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(policies[0], want) {
				got, _ := json.MarshalIndent(policies[0], "", "  ")
				wantJSON, _ := json.MarshalIndent(want, "", "  ")
				t.Errorf("%s: the function's policy, resolved, is\n%s\nDerive gives\n%s\n(edit the template to match)", tpl.path, got, wantJSON)
			}
		})
	}
}

func checkFile(t *testing.T, path string, want []byte) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil && !*update {
		t.Fatal(err)
	}
	if bytes.Equal(got, want) {
		return
	}
	if *update {
		if err := os.WriteFile(path, want, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("%s differs from what Derive gives (go test ./secrets/iampolicy -update rewrites it):\n%s", path, want)
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}
