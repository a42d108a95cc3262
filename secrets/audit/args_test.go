package audit

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// argFinding is what a finding in a command says: where, under what name,
// and why.
type argFinding struct {
	location, variable string
	reasons            []string
}

// labelledArgumentCases are container commands and the findings they must
// give: none for a trap.
func labelledArgumentCases() []struct {
	label       string
	key         string // command or entryPoint
	args        []string
	want        []argFinding
	secretValue string // the value that must appear in no output
} {
	pw := nameReason("a password")
	const secret = "before-example-password"
	type c = struct {
		label       string
		key         string
		args        []string
		want        []argFinding
		secretValue string
	}
	return []c{
		// Secrets.
		{"--name=value", "command", []string{"--port=8080", "--db-password=" + secret},
			[]argFinding{{"command[1]", "--db-password", []string{pw}}}, secret},
		{"--name value", "command", []string{"--db-password", secret, "--port", "8080"},
			[]argFinding{{"command[1]", "--db-password", []string{pw}}}, secret},
		{"-name=value", "entryPoint", []string{"/app", "-api-key=" + secret},
			[]argFinding{{"entryPoint[1]", "-api-key", []string{nameReason("an API key")}}}, secret},
		{"shell assignment", "command", []string{"sh", "-c", "PGPASSWORD=" + secret + " exec psql -h db orders"},
			[]argFinding{{"command[2]", "PGPASSWORD", []string{pw}}}, secret},
		{"quoted in a shell command", "command", []string{"sh", "-c", `exec /app --token='` + secret + `' --verbose`},
			[]argFinding{{"command[2]", "--token", []string{nameReason("a token")}}}, secret},
		{"URL with a password after an option", "command", []string{"--database-url", "postgres://app:" + secret + "@db/orders"},
			[]argFinding{{"command[1]", "--database-url", []string{ReasonURLPassword}}}, secret},
		{"connection string alone", "command", []string{"migrate", "host=db user=app password=" + secret},
			[]argFinding{{"command[1]", "password", []string{pw}}}, secret}, // split at its spaces: password= is one word
		{"Go MySQL DSN alone", "command", []string{"migrate", "app:" + secret + "@tcp(db:3306)/orders"},
			[]argFinding{{"command[1]", "argument", []string{ReasonDSNPassword}}}, secret},
		{"JSON option", "command", []string{`--config={"db":{"password":"` + secret + `"}}`},
			[]argFinding{{"command[0]", "--config", []string{jsonFieldPrefix + pw}}}, secret},
		{"AWS key in an argument", "entryPoint", []string{"/upload", "--access-key", exampleAccessKeyID},
			[]argFinding{{"entryPoint[2]", "--access-key", []string{ReasonAWSAccessKeyID, nameReason("an access key")}}}, exampleAccessKeyID},

		// Traps.
		{"password from a file", "command", []string{"--password-file", "/run/secrets/db"}, nil, ""},
		{"password from a command substitution", "command", []string{"sh", "-c", `exec /app --db-password="$(cat /run/secrets/db)"`}, nil, ""},
		{"password from the environment", "command", []string{"--db-password=${DB_PASSWORD}", "--token", "$(API_TOKEN)"}, nil, ""},
		{"shell assignment of a variable", "command", []string{"sh", "-c", "PGPASSWORD=$DB_PASSWORD psql -h db orders"}, nil, ""},
		{"reference", "command", []string{"--db-password-ref=sm:prod/db#password", "--api-key", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:k-AbCdEf"}, nil, ""},
		{"settings named after secrets", "command", []string{"--token-ttl", "5m", "--password-min-length=12", "--secret-rotation", "on"}, nil, ""},
		{"ordinary options", "command", []string{"serve", "--listen", ":8080", "--log-level=debug", "--config", "/etc/app.yaml"}, nil, ""},
		{"a digest and an id", "command", []string{"--image", "sha256:" + fakeHexKey, "--request-id", "0f997b45-4cf6-4f38-9f0b-0c4c2b2a5d1e", fakeRandom}, nil, ""},
		{"flags only", "entryPoint", []string{"/app", "--verbose", "--no-color"}, nil, ""},
		{"URL without credentials", "command", []string{"--upstream", "https://api.partner.example/v1"}, nil, ""},
		{"a switch after a password option", "command", []string{"--password", "--interactive"}, nil, ""},
	}
}

func TestArguments(t *testing.T) {
	var secrets, detected, traps, falsePositives int
	for _, c := range labelledArgumentCases() {
		args, _ := json.Marshal(c.args)
		doc := `{"family": "orders", "containerDefinitions": [{"name": "app", "` + c.key + `": ` + string(args) + `}]}`
		r, err := Scan("td.json", []byte(doc), Options{})
		if err != nil {
			t.Fatal(err)
		}
		var got []argFinding
		for _, f := range r.Findings {
			got = append(got, argFinding{strings.TrimPrefix(f.Location, "containerDefinitions[0]."), f.Variable, f.Reasons})
		}
		if c.want == nil {
			traps++
			falsePositives += min(len(got), 1)
		} else {
			secrets++
			detected += min(len(got), 1)
		}
		t.Run(c.label, func(t *testing.T) {
			if !slices.EqualFunc(got, c.want, func(a, b argFinding) bool {
				return a.location == b.location && a.variable == b.variable && slices.Equal(a.reasons, b.reasons)
			}) {
				t.Errorf("findings %v, want %v", got, c.want)
			}
			if c.secretValue != "" {
				assertNoValue(t, r, c.secretValue)
			}
			for _, f := range r.Findings {
				if f.Length == nil || *f.Length < len(c.secretValue) {
					t.Errorf("%s: no length, or shorter than the secret's, %d", f.Variable, len(c.secretValue))
				}
				if f.Fix.SecretName != "" && f.Fix.Note != noteArgument {
					t.Errorf("%s: note %q", f.Variable, f.Fix.Note)
				}
			}
		})
	}
	t.Logf("%d labelled commands: %d with a secret, %d detected; %d traps, %d false positives", secrets+traps, secrets, detected, traps, falsePositives)
}

// The fix for an argument names the secret and the variable after the
// option, as the program would read them.
func TestArgumentFix(t *testing.T) {
	doc := `{"family": "orders", "taskRoleArn": "arn:aws:iam::123456789012:role/x", "containerDefinitions": [{"name": "app",
		"logConfiguration": {"options": {"awslogs-region": "eu-west-1"}}, "command": ["--db-password", "example-password"]}]}`
	r, err := Scan("td.json", []byte(doc), Options{})
	if err != nil {
		t.Fatal(err)
	}
	fix := r.Findings[0].Fix
	if fix.SecretName != "orders/db-password" || fix.Variable != "DB_PASSWORD_REF" || fix.ECSSecret == nil || fix.ECSSecret.Name != "DB_PASSWORD" || fix.Note != noteArgument {
		t.Errorf("fix %+v", fix)
	}
}

// In a template, an argument set from a NoEcho parameter or a dynamic
// reference holds the value once deployed.
func TestTemplateArguments(t *testing.T) {
	doc := `
Parameters:
  DbPassword: {Type: String, NoEcho: true}
Resources:
  Task:
    Type: AWS::ECS::TaskDefinition
    Properties:
      Family: orders
      ContainerDefinitions:
        - Name: app
          Command: ["--db-password", !Ref DbPassword, "--token={{resolve:secretsmanager:prod/token}}", !Sub "--url=postgres://app:${DbPassword}@db/orders", "--port=8080"]
`
	r, err := Scan("t.yaml", []byte(doc), Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := summarize(r)
	want := []finding{
		{"Resources.Task.Properties.ContainerDefinitions[0].Command[1]", -1, []string{ReasonNoEchoParameter}},
		{"Resources.Task.Properties.ContainerDefinitions[0].Command[2]", len("--token={{resolve:secretsmanager:prod/token}}"), []string{ReasonDynamicRef}},
		{"Resources.Task.Properties.ContainerDefinitions[0].Command[3]", -1, []string{ReasonNoEchoParameter}},
	}
	if !slices.EqualFunc(got, want, func(a, b finding) bool {
		return a.location == b.location && a.length == b.length && slices.Equal(a.reasons, b.reasons)
	}) {
		t.Errorf("findings\n%v\nwant\n%v", got, want)
	}
}

func TestShellFields(t *testing.T) {
	for in, want := range map[string][]string{
		`exec /app --a=1  --b='x y' "c d"`: {"exec", "/app", "--a=1", "--b=x y", "c d"},
		`a\ b 'it''s' "q\"q"`:              {"a b", "its", `q"q`},
		`--p="$(cat /f)"`:                  {"--p=$(cat /f)"},
		`unclosed 'quote`:                  {"unclosed", "quote"},
		"":                                 nil,
	} {
		if got := shellFields(in); !slices.Equal(got, want) {
			t.Errorf("shellFields(%q) = %q, want %q", in, got, want)
		}
	}
}
