package audit

import (
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws/arn"
)

// ecsTarget is what an ECS container's secrets entry makes the agent read.
type ecsTarget struct {
	service                      string // secretsmanager or ssm
	partition, region, account   string // empty for a parameter by name: the task's
	name                         string // the secret's name, or the parameter's
	suffix                       string // a secret's six characters
	key, versionStage, versionID string
}

// ecsValueFrom reads valueFrom as ECS reads a container's secrets entry,
// for a task in region and account, and returns what it names and what
// would stop the task from starting ("" when nothing would). The rules,
// written from the documentation, not from the audit:
//
//   - The ECS API reference for Secret.valueFrom
//     (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Secret.html;
//     the CloudFormation reference of AWS::ECS::TaskDefinition Secret says
//     the same) takes the full ARN of a Secrets Manager secret, or of a
//     Parameter Store parameter; a parameter in the task's region may be
//     given by name instead, one in another region by ARN only. A value
//     that is not an ARN is therefore a parameter's name.
//   - The developer guide's "Specifying sensitive data" shows a secret's
//     full ARN with the six characters Secrets Manager appends to the name
//     (arn:aws:secretsmanager:region:aws_account_id:secret:secret_name-AbCdEf),
//     and says the secret may be in another region than the task but not in
//     another account.
//   - "Pass Secrets Manager secrets through Amazon ECS environment
//     variables" adds, after that ARN, a JSON key, a version stage and a
//     version id, each field possibly empty; the agent
//     (aws/amazon-ecs-agent, agent/taskresource/asmsecret,
//     getASMParametersFromInput) takes a resource of exactly secret:ID or
//     secret:ID:json-key:version-stage:version-id.
//   - Names: CreateSecret takes letters, digits and /_+=.@-; PutParameter
//     letters, digits and _.-, with '/' between levels of a name that
//     starts with '/'.
func ecsValueFrom(valueFrom, region, account string) (ecsTarget, string) {
	if !strings.HasPrefix(valueFrom, "arn:") {
		t := ecsTarget{service: "ssm", name: valueFrom}
		if !regexp.MustCompile(`^(/[A-Za-z0-9_.-]+)+$|^[A-Za-z0-9_.-]+$`).MatchString(valueFrom) {
			return t, "not an ARN, so the name of a Parameter Store parameter in the task's region, and not a valid one"
		}
		return t, ""
	}
	a, err := arn.Parse(valueFrom)
	if err != nil {
		return ecsTarget{}, "a malformed ARN"
	}
	t := ecsTarget{service: a.Service, partition: a.Partition, region: a.Region, account: a.AccountID}
	if a.AccountID != account {
		return t, "an ARN of another account than the task's"
	}
	switch a.Service {
	case "ssm":
		name, ok := strings.CutPrefix(a.Resource, "parameter/")
		if !ok || !regexp.MustCompile(`^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*$`).MatchString(name) {
			return t, "not the ARN of a parameter"
		}
		if strings.Contains(name, "/") {
			name = "/" + name
		}
		t.name = name
		return t, ""
	case "secretsmanager":
		fields := strings.Split(a.Resource, ":")
		switch {
		case fields[0] != "secret":
			return t, "not the ARN of a secret"
		case len(fields) == 5:
			t.key, t.versionStage, t.versionID = fields[2], fields[3], fields[4]
		case len(fields) != 2:
			return t, "a secret's ARN followed by other than :json-key:version-stage:version-id"
		}
		m := regexp.MustCompile(`^([A-Za-z0-9/_+=.@-]{1,512})-([A-Za-z0-9]{6})$`).FindStringSubmatch(fields[1])
		if m == nil {
			return t, "not a secret's full ARN: it needs the six characters Secrets Manager appends to the name"
		}
		t.name, t.suffix = m[1], m[2]
		return t, ""
	}
	return t, "an ARN of neither Secrets Manager nor Parameter Store"
}

// The rules above, on what ECS is documented to take and to refuse: the
// secrets entries of the ECS example, and forms from the documentation.
func TestECSValueFromRules(t *testing.T) {
	const region, account = "eu-west-1", "123456789012"
	b, err := os.ReadFile("../../examples/ecs/after/task-definition-ecs-secrets.json")
	if err != nil {
		t.Fatal(err)
	}
	var td struct {
		ContainerDefinitions []struct{ Secrets []ECSSecret }
	}
	if err := json.Unmarshal(b, &td); err != nil {
		t.Fatal(err)
	}
	good := []string{
		"arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf",
		"arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf:password::",
		"arn:aws:secretsmanager:us-east-2:123456789012:secret:prod/db-AbCdEf::AWSPREVIOUS:",
		"arn:aws:ssm:eu-west-1:123456789012:parameter/prod/db/password",
		"/prod/db/password",
		"db-password",
	}
	for _, s := range td.ContainerDefinitions[0].Secrets {
		good = append(good, s.ValueFrom)
	}
	for _, v := range good {
		if _, problem := ecsValueFrom(v, region, account); problem != "" {
			t.Errorf("%s: %s", v, problem)
		}
	}
	for _, v := range []string{
		"prod/db",    // a secret by name: ECS looks for a parameter, and finds none
		"prod/db#pw", // not a parameter name either
		"arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-??????",          // the six characters not filled in
		"arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf:password", // two fields short
		"arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/db-AbCdEf",          // another account
		"arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
	} {
		if _, problem := ecsValueFrom(v, region, account); problem == "" {
			t.Errorf("%s: taken", v)
		}
	}
	if target, _ := ecsValueFrom("prod/db", region, account); target.service != "ssm" {
		t.Errorf("a bare name is read from %s, want Parameter Store", target.service)
	}
}

// iamMatches reports whether the IAM resource pattern p matches s: '*' any
// run of characters, '?' any one.
func iamMatches(p, s string) bool {
	re := regexp.QuoteMeta(p)
	re = strings.ReplaceAll(re, `\*`, `.*`)
	re = strings.ReplaceAll(re, `\?`, `.`)
	return regexp.MustCompile("^" + re + "$").MatchString(s)
}

// The ECS secrets entry a fix proposes starts the task by the rules ECS
// documents, once its six characters are filled in; it reads the secret
// the fix names, in the region and account the document says; and the
// execution role's statements, and the task role's, grant reading that
// secret and no other.
func TestECSSecretProposal(t *testing.T) {
	const pw = "example-password"
	docs := []struct {
		name, doc, region, account string
		opts                       Options
	}{
		{"task definition with ARNs", `{"family": "orders", "taskRoleArn": "arn:aws:iam::123456789012:role/x",
			"containerDefinitions": [{"name": "app", "logConfiguration": {"options": {"awslogs-region": "eu-west-1"}},
			"environment": [{"name": "DB_PASSWORD", "value": "` + pw + `"}]}]}`, "eu-west-1", "123456789012", Options{}},
		{"describe-task-definition output", `{"taskDefinition": {"taskDefinitionArn": "arn:aws:ecs:us-west-2:210987654321:task-definition/orders:3",
			"family": "orders", "containerDefinitions": [{"name": "app", "environment": [{"name": "API_TOKEN", "value": "` + pw + `"}]}]}}`,
			"us-west-2", "210987654321", Options{}},
		{"ECR image in another partition", `{"family": "orders", "containerDefinitions": [{"name": "app",
			"image": "210987654321.dkr.ecr.cn-north-1.amazonaws.com/orders:1",
			"environment": [{"name": "DB_PASSWORD", "value": "` + pw + `"}]}]}`, "cn-north-1", "210987654321", Options{}},
		{"place from the options", `{"family": "orders", "containerDefinitions": [{"name": "app",
			"environment": [{"name": "SMTP_PASS", "value": "` + pw + `"}]}]}`, "ap-southeast-2", "210987654321",
			Options{Region: "ap-southeast-2", Account: "210987654321"}},
		{"a password argument", `{"family": "orders", "taskRoleArn": "arn:aws:iam::123456789012:role/x",
			"containerDefinitions": [{"name": "app", "image": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/orders:1",
			"command": ["--db-password=` + pw + `"]}]}`, "eu-west-1", "123456789012", Options{}},
		{"template", `{"Resources": {"Task": {"Type": "AWS::ECS::TaskDefinition", "Properties": {
			"ContainerDefinitions": [{"Name": "app", "Environment": [{"Name": "DB_PASSWORD", "Value": "` + pw + `"}]}]}}}}`,
			"us-east-2", "210987654321", Options{}},
		{"the ECS example", mustRead(t, "../../examples/ecs/before/task-definition.json"), "eu-west-1", "123456789012", Options{}},
	}
	checked := 0
	for _, d := range docs {
		r, err := Scan("doc", []byte(d.doc), d.opts)
		if err != nil {
			t.Fatalf("%s: %v", d.name, err)
		}
		if len(r.Findings) == 0 {
			t.Errorf("%s: no finding", d.name)
		}
		for _, f := range r.Findings {
			checked++
			checkECSProposal(t, d.name, f.Fix, d.region, d.account)
		}
	}
	t.Logf("%d proposed ECS secrets entries checked against the ECS rules", checked)
}

func checkECSProposal(t *testing.T, doc string, fix Fix, region, account string) {
	t.Helper()
	e := fix.ECSSecret
	if e == nil {
		t.Errorf("%s: no ECS secrets entry", doc)
		return
	}
	// A template's: CloudFormation substitutes its pseudo parameters.
	partition := "aws"
	if strings.HasPrefix(region, "cn-") {
		partition = "aws-cn"
	}
	valueFrom := strings.NewReplacer("${AWS::Partition}", partition, "${AWS::Region}", region, "${AWS::AccountId}", account).Replace(e.ValueFrom)
	if strings.Count(valueFrom, SuffixPlaceholder) != 1 || !strings.HasSuffix(valueFrom, "-"+SuffixPlaceholder) {
		t.Errorf("%s: valueFrom %s does not end in -%s for the secret's six characters", doc, valueFrom, SuffixPlaceholder)
		return
	}
	// As the user does, with the ARN create-secret returns.
	for _, suffix := range []string{"AbC123", ":password::"} {
		arn := strings.Replace(valueFrom, SuffixPlaceholder, "AbC123", 1)
		if suffix != "AbC123" {
			arn += suffix // a JSON key, as the ECS documentation appends one
		}
		target, problem := ecsValueFrom(arn, region, account)
		switch {
		case problem != "":
			t.Errorf("%s: ECS would not start the task with valueFrom %s: %s", doc, arn, problem)
		case target.service != "secretsmanager" || target.name != fix.SecretName:
			t.Errorf("%s: valueFrom %s reads %s %q, want the secret %q", doc, arn, target.service, target.name, fix.SecretName)
		case target.partition != partition || target.region != region || target.account != account:
			t.Errorf("%s: valueFrom %s is in %s/%s/%s, want the document's %s/%s/%s", doc, arn,
				target.partition, target.region, target.account, partition, region, account)
		}
	}
	full := strings.Replace(valueFrom, SuffixPlaceholder, "AbC123", 1)
	other := strings.Replace(valueFrom, "-"+SuffixPlaceholder, "-admin-AbC123", 1) // a secret whose name starts the same
	for role, statements := range map[string][]struct{ Action, Resource []string }{
		"execution role": statementsOf(t, e.ExecutionRolePolicy),
		"task role":      statementsOf(t, fix.Policy),
	} {
		granted := false
		for _, s := range statements {
			for _, res := range s.Resource {
				res = strings.NewReplacer("${AWS::Partition}", partition, "${AWS::Region}", region, "${AWS::AccountId}", account).Replace(res)
				if iamMatches(res, other) {
					t.Errorf("%s: the %s's statement on %s grants another secret, %s", doc, role, res, other)
				}
				if iamMatches(res, full) && slices.Contains(s.Action, "secretsmanager:GetSecretValue") {
					granted = true
				}
			}
		}
		if !granted {
			t.Errorf("%s: the %s gets no secretsmanager:GetSecretValue on %s", doc, role, full)
		}
	}
}

func statementsOf(t *testing.T, v any) []struct{ Action, Resource []string } {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	// Action and Resource marshal as a string when they hold one.
	var raw []map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	var out []struct{ Action, Resource []string }
	for _, s := range raw {
		out = append(out, struct{ Action, Resource []string }{list(t, s["Action"]), list(t, s["Resource"])})
	}
	return out
}

func list(t *testing.T, m json.RawMessage) []string {
	var one string
	if json.Unmarshal(m, &one) == nil {
		return []string{one}
	}
	var many []string
	if err := json.Unmarshal(m, &many); err != nil {
		t.Fatalf("%s: %v", m, err)
	}
	return many
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
