package audit

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// finding summarizes a finding: where, the length (-1: unknown) and why.
type finding struct {
	location string
	length   int
	reasons  []string
}

func summarize(r *Report) []finding {
	var out []finding
	for _, f := range r.Findings {
		n := -1
		if f.Length != nil {
			n = *f.Length
		}
		out = append(out, finding{f.Location, n, f.Reasons})
	}
	return out
}

func TestScanDocuments(t *testing.T) {
	pw := "example-password"
	tests := []struct {
		name string
		doc  string
		kind Kind
		want []finding
	}{
		{"ECS register-task-definition input", `{"family": "orders", "containerDefinitions": [{"name": "app",
			"environment": [{"name": "DB_HOST", "value": "db"}, {"name": "DB_PASSWORD", "value": "` + pw + `"}],
			"secrets": [{"name": "API_KEY", "valueFrom": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:k-AbCdEf"}]}]}`,
			ECSTaskDefinition, []finding{{"containerDefinitions[0].environment[1]", len(pw), []string{nameReason("a password")}}}},
		{"ECS describe-task-definition output", `{"taskDefinition": {"taskDefinitionArn": "arn:aws:ecs:eu-west-1:123456789012:task-definition/orders:3",
			"family": "orders", "containerDefinitions": [{"name": "app", "environment": [{"name": "TOKEN", "value": "` + pw + `"}]}]}, "tags": []}`,
			ECSTaskDefinition, []finding{{"taskDefinition.containerDefinitions[0].environment[0]", len(pw), []string{nameReason("a token")}}}},
		{"Lambda get-function-configuration output", `{"FunctionName": "orders", "FunctionArn": "arn:aws:lambda:eu-west-1:123456789012:function:orders",
			"Environment": {"Variables": {"A_SECRET": "` + pw + `", "MODE": "fast"}}}`,
			LambdaFunction, []finding{{"Environment.Variables.A_SECRET", len(pw), []string{nameReason("a secret")}}}},
		{"Lambda get-function output", `{"Configuration": {"FunctionName": "orders", "Environment": {"Variables": {"DB_PASSWORD": "` + pw + `"}}}, "Code": {}}`,
			LambdaFunction, []finding{{"Configuration.Environment.Variables.DB_PASSWORD", len(pw), []string{nameReason("a password")}}}},
		{"Lambda function without an environment", `{"FunctionName": "orders"}`, LambdaFunction, nil},
		{"CloudFormation JSON with an ECS task definition", `{"Resources": {"Task": {"Type": "AWS::ECS::TaskDefinition", "Properties": {
			"ContainerDefinitions": [{"Name": "app", "Environment": [{"Name": "DB_PASSWORD", "Value": "` + pw + `"}, {"Name": "DB_SECRET_REF", "Value": {"Ref": "Secret"}}]}]}},
			"Secret": {"Type": "AWS::SecretsManager::Secret"}}}`,
			CloudFormationTemplate, []finding{{"Resources.Task.Properties.ContainerDefinitions[0].Environment[0]", len(pw), []string{nameReason("a password")}}}},
		{"SAM template: Globals, parameters, dynamic references, NoEcho", `
Parameters:
  DbPassword: {Type: String, NoEcho: true}
  ApiToken: {Type: String, Default: ` + pw + `}
  Url: {Type: String, Default: "https://example.com"}
Globals:
  Function:
    Environment:
      Variables:
        SHARED_SECRET: "{{resolve:secretsmanager:prod/shared:SecretString:key}}"
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: orders
      Environment:
        Variables:
          API_TOKEN: !Ref ApiToken
          DB_URL: !Sub "postgres://app:${DbPassword}@db/orders"
          DB_PASSWORD: !Ref DbPassword
          PLAIN: !Ref Url
          REGION: !Ref AWS::Region
          SECRET_ARN: !Sub "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:x"
          PARAM_REF: !Ref Param
          HOST: !GetAtt Db.Endpoint.Address
          SIGNING_KEY: !GetAtt Other.Value
  Param: {Type: AWS::SSM::Parameter}
`, CloudFormationTemplate, []finding{
			{"Globals.Function.Environment.Variables.SHARED_SECRET", 55, []string{nameReason("a secret"), ReasonDynamicRef}},
			{"Resources.Fn.Properties.Environment.Variables.API_TOKEN", len(pw), []string{nameReason("a token")}},
			{"Resources.Fn.Properties.Environment.Variables.DB_PASSWORD", -1, []string{nameReason("a password"), ReasonNoEchoParameter}},
			{"Resources.Fn.Properties.Environment.Variables.DB_URL", -1, []string{ReasonNoEchoParameter}},
			{"Resources.Fn.Properties.Environment.Variables.SIGNING_KEY", -1, []string{nameReason("a signing key")}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Scan("doc", []byte(tt.doc), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if r.Kind != tt.kind {
				t.Errorf("kind %q, want %q", r.Kind, tt.kind)
			}
			got := summarize(r)
			if !slices.EqualFunc(got, tt.want, func(a, b finding) bool {
				return a.location == b.location && a.length == b.length && slices.Equal(a.reasons, b.reasons)
			}) {
				t.Errorf("findings\n%v\nwant\n%v", got, tt.want)
			}
			assertNoValue(t, r, pw)
		})
	}
}

func TestScanErrors(t *testing.T) {
	secret := "example-password-in-a-broken-file"
	for name, doc := range map[string]string{
		"a policy":      `{"Version": "2012-10-17", "Statement": []}`,
		"a list":        `[1, 2]`,
		"a scalar":      `hello`,
		"broken JSON":   `{"environment": [{"value": "` + secret + `" x]}`,
		"broken YAML":   "a: [" + secret + "\n b: {",
		"bad character": "\t" + secret + ": @",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Scan("doc", []byte(doc), Options{})
			if err == nil {
				t.Fatal("no error")
			}
			if strings.Contains(err.Error(), "example") {
				t.Errorf("the error quotes the document (%d bytes of message)", len(err.Error()))
			}
			if strings.HasPrefix(name, "a ") && !errors.Is(err, ErrUnrecognized) {
				t.Errorf("%v: want ErrUnrecognized", err)
			}
		})
	}
}

// The fix names a secret after what the variable configures, a reference
// to it, an ECS secrets entry for a container, and the roles' statements,
// placed where the document says it is deployed. An AWS access key gets
// one piece of advice: the role instead, and no secret.
func TestScanFix(t *testing.T) {
	doc := `{"family": "orders", "executionRoleArn": "arn:aws:iam::123456789012:role/x", "containerDefinitions": [{"name": "app",
		"logConfiguration": {"options": {"awslogs-region": "eu-west-1"}},
		"environment": [{"name": "DB_PASSWORD", "value": "example-password"}]}]}`
	r, err := Scan("td.json", []byte(doc), Options{})
	if err != nil {
		t.Fatal(err)
	}
	fix := r.Findings[0].Fix
	if fix.SecretName != "orders/db-password" || fix.Variable != "DB_PASSWORD_REF" || fix.Reference != "sm:orders/db-password" || fix.Note != "" {
		t.Errorf("fix %+v", fix)
	}
	const arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders/db-password-??????"
	if e := fix.ECSSecret; e == nil || e.Name != "DB_PASSWORD" || e.ValueFrom != arn ||
		len(e.ExecutionRolePolicy) != 1 || e.ExecutionRolePolicy[0].Resource[0] != arn || len(e.ExecutionRolePolicy[0].Action) != 1 {
		t.Errorf("ECS secret %+v", fix.ECSSecret)
	}
	if len(fix.Policy) != 1 || fix.Policy[0].Resource[0] != arn {
		t.Errorf("policy %+v", fix.Policy)
	}

	for _, v := range []struct{ name, value string }{
		{"AWS_ACCESS_KEY_ID", exampleAccessKeyID},
		{"AWS_SECRET_ACCESS_KEY", exampleSecretKey},
		{"LEGACY_UPLOADER_KEY", exampleAccessKeyID},
		{"AWS_SESSION_TOKEN", fakeRandom},
	} {
		doc := `{"family": "orders", "containerDefinitions": [{"name": "app", "environment": [{"name": "` + v.name + `", "value": "` + v.value + `"}]}]}`
		r, err := Scan("td.json", []byte(doc), Options{})
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Findings) != 1 || !reflect.DeepEqual(r.Findings[0].Fix, Fix{Note: noteAWSKey}) {
			t.Errorf("%s: fix %+v, want the note alone", v.name, r.Findings)
		}
		var text bytes.Buffer
		if err := WriteText(&text, r); err != nil {
			t.Fatal(err)
		}
		if out := text.String(); !strings.Contains(out, "  fix: "+noteAWSKey+"\n") || strings.Contains(out, "Secrets Manager as") || strings.Contains(out, "needs:") {
			t.Errorf("%s: text output gives more than the one piece of advice:\n%s", v.name, out)
		}
	}

	// A template, and a document that does not say where it runs, use
	// CloudFormation's pseudo parameters unless the options say.
	tpl := `{"Resources": {"Fn": {"Type": "AWS::Lambda::Function", "Properties": {"Environment": {"Variables": {"TOKEN": "example"}}}}}}`
	for _, tt := range []struct {
		opts Options
		want string
	}{
		{Options{}, "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:Fn/token-??????"},
		{Options{Region: "us-east-2", Account: "210987654321"}, "arn:aws:secretsmanager:us-east-2:210987654321:secret:Fn/token-??????"},
	} {
		r, err := Scan("t.json", []byte(tpl), tt.opts)
		if err != nil {
			t.Fatal(err)
		}
		if got := r.Findings[0].Fix.Policy[0].Resource[0]; got != tt.want || r.Findings[0].Fix.ECSSecret != nil {
			t.Errorf("%+v: resource %s, want %s", tt.opts, got, tt.want)
		}
	}
}

// The examples' before/ configuration is flagged, and their after/
// configuration is clean.
func TestExamples(t *testing.T) {
	before := map[string][]string{
		"../../examples/ecs/before/task-definition.json": {"PGPASSWORD"},
		"../../examples/lambda/before/template.yaml":     {"PARTNER_API_KEY"},
	}
	for path, want := range before {
		r := scanFile(t, path)
		var got []string
		for _, f := range r.Findings {
			got = append(got, f.Variable)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: flagged %v, want %v", path, got, want)
		}
	}
	after, err := filepath.Glob("../../examples/*/after/*")
	if err != nil {
		t.Fatal(err)
	}
	scanned := 0
	for _, path := range after {
		switch filepath.Ext(path) {
		case ".json", ".yaml":
		default:
			continue
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		r, err := Scan(path, b, Options{})
		if errors.Is(err, ErrUnrecognized) {
			continue // a policy
		}
		if err != nil {
			t.Fatal(err)
		}
		scanned++
		for _, f := range r.Findings {
			t.Errorf("%s: %s flagged: %v", path, f.Variable, f.Reasons)
		}
	}
	if scanned < 3 {
		t.Errorf("scanned %d after/ documents, want the ECS task definitions and the Lambda template", scanned)
	}
}

func scanFile(t *testing.T, path string) *Report {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	r, err := Scan(path, b, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// No output holds a flagged value: for every labelled case, in every kind
// of document, in text and in JSON.
func TestOutputHoldsNoValue(t *testing.T) {
	for _, c := range labelledCases() {
		if c.want == nil || len(c.value) < 4 {
			continue
		}
		for kind, doc := range documents(c.name, c.value) {
			r, err := Scan("doc", doc, Options{})
			if err != nil {
				t.Fatalf("%s in %s: %v", c.label, kind, err)
			}
			if len(r.Findings) != 1 {
				t.Errorf("%s in %s: %d findings", c.label, kind, len(r.Findings))
			}
			assertNoValue(t, r, c.value)
		}
	}
}

// documents returns a document of each kind holding one variable.
func documents(name, value string) map[string][]byte {
	n, v := jsonString(name), jsonString(value)
	return map[string][]byte{
		"ECS":    []byte(`{"family": "app", "containerDefinitions": [{"name": "app", "environment": [{"name": ` + n + `, "value": ` + v + `}]}]}`),
		"Lambda": []byte(`{"FunctionName": "app", "Environment": {"Variables": {` + n + `: ` + v + `}}}`),
		"CloudFormation": []byte("Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n      Environment:\n        Variables:\n          " +
			n + ": " + v + "\n"),
	}
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// assertNoValue fails when the text or JSON output of r holds value, or a
// run of 8 or more of its bytes that the document's structure does not
// explain.
func assertNoValue(t *testing.T, r *Report, value string) {
	t.Helper()
	var text, js bytes.Buffer
	if err := WriteText(&text, r); err != nil {
		t.Fatal(err)
	}
	if err := WriteJSON(&js, r); err != nil {
		t.Fatal(err)
	}
	for format, out := range map[string]string{"text": text.String(), "JSON": js.String()} {
		if strings.Contains(out, value) {
			t.Errorf("the %s output holds the value (%d bytes)", format, len(value))
		}
		if s := jsonString(value); len(s) > 2 && strings.Contains(out, s[1:len(s)-1]) {
			t.Errorf("the %s output holds the value, JSON-escaped (%d bytes)", format, len(value))
		}
	}
}
