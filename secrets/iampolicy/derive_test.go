package iampolicy

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/secretref/secretref/secrets"
)

const (
	testKey  = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	testKey2 = "arn:aws:kms:eu-west-1:123456789012:key/ffffffff-12ab-34cd-56ef-1234567890ab"
	testRole = "arn:aws:iam::123456789012:role/app"
	sm       = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:"
	ssm      = "arn:aws:ssm:eu-west-1:123456789012:parameter"
)

// summary writes each statement on one line: Sid, actions, resources, and
// the condition as compact JSON.
func summary(stmts []Statement) []string {
	var out []string
	for _, s := range stmts {
		line := s.Sid + " " + strings.Join(s.Action, ",") + " " + strings.Join(s.Resource, " ")
		if s.Condition != nil {
			b, _ := json.Marshal(s.Condition)
			line += " " + string(b)
		}
		out = append(out, line)
	}
	return out
}

func TestDerive(t *testing.T) {
	eu := func(in Input) Input {
		if in.Region == "" {
			in.Region, in.Account = "eu-west-1", "123456789012"
		}
		return in
	}
	tests := []struct {
		name string
		in   Input
		want []string
	}{
		{"secret by name: the name and six characters, rotation schedule read",
			eu(Input{Refs: []string{"sm:prod/db#password"}}),
			[]string{"ReadSecretsAndRotationSchedules secretsmanager:GetSecretValue,secretsmanager:DescribeSecret " + sm + "prod/db-??????"}},
		{"bare name",
			eu(Input{Refs: []string{"prod/db"}, DisableRotationSchedule: true}),
			[]string{"ReadSecrets secretsmanager:GetSecretValue " + sm + "prod/db-??????"}},
		{"full ARN in ECS valueFrom form: the ARN without the suffix",
			Input{Refs: []string{sm + "prod/db-AbCdEf:password:AWSCURRENT:"}, DisableRotationSchedule: true},
			[]string{"ReadSecrets secretsmanager:GetSecretValue " + sm + "prod/db-AbCdEf"}},
		{"partial ARN: the six characters added",
			Input{Refs: []string{sm + "prod/db"}, DisableRotationSchedule: true},
			[]string{"ReadSecrets secretsmanager:GetSecretValue " + sm + "prod/db-??????"}},
		{"a pinned version reads no rotation schedule",
			eu(Input{Refs: []string{"sm:prod/db?stage=AWSPENDING", "sm:prod/app"}}),
			[]string{
				"ReadSecrets secretsmanager:GetSecretValue " + sm + "prod/db-??????",
				"ReadSecretsAndRotationSchedules secretsmanager:GetSecretValue,secretsmanager:DescribeSecret " + sm + "prod/app-??????",
			}},
		{"name and full ARN of one secret: the pattern covers the ARN",
			eu(Input{Refs: []string{"sm:prod/db#username", sm + "prod/db-AbCdEf:password::"}, DisableBatching: true}),
			[]string{"ReadSecretsAndRotationSchedules secretsmanager:GetSecretValue,secretsmanager:DescribeSecret " + sm + "prod/db-??????"}},
		{"two secrets of one region can share a BatchGetSecretValue",
			eu(Input{Refs: []string{"sm:prod/a", "sm:prod/b"}, DisableRotationSchedule: true}),
			[]string{
				"ReadSecrets secretsmanager:GetSecretValue " + sm + "prod/a-?????? " + sm + "prod/b-??????",
				"ReadSecretsInBatches secretsmanager:BatchGetSecretValue *",
			}},
		{"without batching, no batch action",
			eu(Input{Refs: []string{"sm:prod/a", "sm:prod/b", "/prod/x", "/prod/y"}, DisableRotationSchedule: true, DisableBatching: true}),
			[]string{
				"ReadSecrets secretsmanager:GetSecretValue " + sm + "prod/a-?????? " + sm + "prod/b-??????",
				"ReadParameters ssm:GetParameter " + ssm + "/prod/x " + ssm + "/prod/y",
			}},
		{"one secret read by two JSON keys is one fetch: no batch",
			eu(Input{Refs: []string{"sm:prod/a#user", "sm:prod/a#password"}, DisableRotationSchedule: true}),
			[]string{"ReadSecrets secretsmanager:GetSecretValue " + sm + "prod/a-??????"}},
		{"secrets of two regions never share a call",
			Input{Refs: []string{sm + "a-AbCdEf", "arn:aws:secretsmanager:us-east-1:123456789012:secret:b-AbCdEf"}, DisableRotationSchedule: true},
			[]string{"ReadSecrets secretsmanager:GetSecretValue " + sm + "a-AbCdEf arn:aws:secretsmanager:us-east-1:123456789012:secret:b-AbCdEf"}},
		{"pinned secrets are not batched",
			eu(Input{Refs: []string{"sm:a?version-id=v1", "sm:b?stage=AWSPREVIOUS"}}),
			[]string{"ReadSecrets secretsmanager:GetSecretValue " + sm + "a-?????? " + sm + "b-??????"}},
		{"parameters: path, name without a slash, ARN with a selector",
			eu(Input{Refs: []string{"/prod/x", "ssm:plain?decrypt=false", "arn:aws:ssm:us-east-1:210987654321:parameter/other/y:3"}}),
			[]string{"ReadParameters ssm:GetParameter " + ssm + "/plain " + ssm + "/prod/x arn:aws:ssm:us-east-1:210987654321:parameter/other/y"}},
		{"two parameters of one region and decryption flag can share a GetParameters",
			eu(Input{Refs: []string{"/prod/x", "/prod/y#k"}}),
			[]string{"ReadParameters ssm:GetParameter,ssm:GetParameters " + ssm + "/prod/x " + ssm + "/prod/y"}},
		{"a decrypted and a plain parameter are two calls",
			eu(Input{Refs: []string{"/prod/x", "/prod/y?decrypt=false"}}),
			[]string{"ReadParameters ssm:GetParameter " + ssm + "/prod/x " + ssm + "/prod/y"}},
		{"Secrets Manager through Parameter Store: the pseudo-parameter and the secret",
			eu(Input{Refs: []string{"/aws/reference/secretsmanager/prod/db#password"}}),
			[]string{
				"ReadSecrets secretsmanager:GetSecretValue " + sm + "prod/db-??????",
				"ReadParameters ssm:GetParameter " + ssm + "/aws/reference/secretsmanager/prod/db",
			}},
		{"GetPath: the path itself, and the values cached under it",
			eu(Input{Paths: []string{"/prod/app"}}),
			[]string{
				"ReadParameters ssm:GetParameter,ssm:GetParameters " + ssm + "/prod/app/*",
				"ReadParametersByPath ssm:GetParametersByPath " + ssm + "/prod/app",
			}},
		{"GetPath with a trailing slash, and a parameter under it",
			eu(Input{Paths: []string{"/prod/app/"}, Refs: []string{"/prod/app/db"}, DisableBatching: true}),
			[]string{
				"ReadParameters ssm:GetParameter " + ssm + "/prod/app/*",
				"ReadParametersByPath ssm:GetParametersByPath " + ssm + "/prod/app/",
			}},
		{"GetPath of the root",
			eu(Input{Paths: []string{"/"}, DisableBatching: true}),
			[]string{
				"ReadParameters ssm:GetParameter " + ssm + "/*",
				"ReadParametersByPath ssm:GetParametersByPath " + ssm + "/",
			}},
		{"env: and file: need nothing",
			eu(Input{Refs: []string{"env:DEBUG", "file:/run/x", "/prod/x"}}),
			[]string{"ReadParameters ssm:GetParameter " + ssm + "/prod/x"}},
		{"partition from the region",
			Input{Refs: []string{"sm:db", "/x"}, Region: "cn-north-1", Account: "123456789012", DisableRotationSchedule: true, DisableBatching: true},
			[]string{
				"ReadSecrets secretsmanager:GetSecretValue arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:db-??????",
				"ReadParameters ssm:GetParameter arn:aws-cn:ssm:cn-north-1:123456789012:parameter/x",
			}},
		{"partition from the ARN",
			Input{Refs: []string{"arn:aws-us-gov:ssm:us-gov-west-1:123456789012:parameter/x"}},
			[]string{"ReadParameters ssm:GetParameter arn:aws-us-gov:ssm:us-gov-west-1:123456789012:parameter/x"}},
		{"CloudFormation substitutions",
			Input{Refs: []string{"/x"}, Region: "${AWS::Region}", Account: "${AWS::AccountId}"},
			[]string{"ReadParameters ssm:GetParameter arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/x"}},
		{"a key: decrypt only through each service, only for its values",
			eu(Input{Refs: []string{"sm:prod/db", sm + "prod/other-AbCdEf", "/prod/x", "/aws/reference/secretsmanager/prod/ref"}, Paths: []string{"/prod/app"},
				Keys: []Key{{ARN: testKey}}, DisableRotationSchedule: true, DisableBatching: true}),
			[]string{
				"ReadSecrets secretsmanager:GetSecretValue " + sm + "prod/db-?????? " + sm + "prod/other-AbCdEf " + sm + "prod/ref-??????",
				"ReadParameters ssm:GetParameter " + ssm + "/aws/reference/secretsmanager/prod/ref " + ssm + "/prod/app/* " + ssm + "/prod/x",
				"ReadParametersByPath ssm:GetParametersByPath " + ssm + "/prod/app",
				`DecryptSecrets kms:Decrypt ` + testKey + ` {"StringEquals":{"kms:ViaService":"secretsmanager.eu-west-1.amazonaws.com"},"StringLike":{"kms:EncryptionContext:SecretARN":["` + sm + `prod/db-??????","` + sm + `prod/other-AbCdEf","` + sm + `prod/ref-??????"]}}`,
				`DecryptParameters kms:Decrypt ` + testKey + ` {"StringEquals":{"kms:ViaService":"ssm.eu-west-1.amazonaws.com"},"StringLike":{"kms:EncryptionContext:PARAMETER_ARN":["` + ssm + `/prod/app/*","` + ssm + `/prod/x"]}}`,
			}},
		{"exact values compare with StringEquals",
			Input{Refs: []string{sm + "prod/db-AbCdEf"}, Keys: []Key{{ARN: testKey}}, DisableRotationSchedule: true},
			[]string{
				"ReadSecrets secretsmanager:GetSecretValue " + sm + "prod/db-AbCdEf",
				`DecryptSecrets kms:Decrypt ` + testKey + ` {"StringEquals":{"kms:EncryptionContext:SecretARN":"` + sm + `prod/db-AbCdEf","kms:ViaService":"secretsmanager.eu-west-1.amazonaws.com"}}`,
			}},
		{"two keys, each with what it encrypts; a plain parameter needs no key",
			eu(Input{Refs: []string{"/a", "/b", "/c?decrypt=false"}, Keys: []Key{{ARN: testKey2, Encrypts: []string{"/b", "/c?decrypt=false"}}, {ARN: testKey, Encrypts: []string{"/a"}}}, DisableBatching: true}),
			[]string{
				"ReadParameters ssm:GetParameter " + ssm + "/a " + ssm + "/b " + ssm + "/c",
				`DecryptParametersWithKey1 kms:Decrypt ` + testKey + ` {"StringEquals":{"kms:EncryptionContext:PARAMETER_ARN":"` + ssm + `/a","kms:ViaService":"ssm.eu-west-1.amazonaws.com"}}`,
				`DecryptParametersWithKey2 kms:Decrypt ` + testKey2 + ` {"StringEquals":{"kms:EncryptionContext:PARAMETER_ARN":"` + ssm + `/b","kms:ViaService":"ssm.eu-west-1.amazonaws.com"}}`,
			}},
		{"a key in China",
			Input{Refs: []string{"arn:aws-cn:ssm:cn-north-1:123456789012:parameter/x"}, Keys: []Key{{ARN: "arn:aws-cn:kms:cn-north-1:123456789012:key/k1"}}},
			[]string{
				"ReadParameters ssm:GetParameter arn:aws-cn:ssm:cn-north-1:123456789012:parameter/x",
				`DecryptParameters kms:Decrypt arn:aws-cn:kms:cn-north-1:123456789012:key/k1 {"StringEquals":{"kms:EncryptionContext:PARAMETER_ARN":"arn:aws-cn:ssm:cn-north-1:123456789012:parameter/x","kms:ViaService":"ssm.cn-north-1.amazonaws.com.cn"}}`,
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Derive(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if p.Role.Version != PolicyVersion {
				t.Errorf("Version %q", p.Role.Version)
			}
			got := summary(p.Role.Statement)
			if !slices.Equal(got, tt.want) {
				t.Errorf("statements:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			if len(p.Keys) != 0 {
				t.Errorf("key policies without a role: %v", p.Keys)
			}
		})
	}
}

// The key policy holds the role's kms:Decrypt statements, on the key itself
// ("*"), granted to the role.
func TestDeriveKeyPolicy(t *testing.T) {
	p, err := Derive(Input{Refs: []string{sm + "prod/db-AbCdEf", ssm + "/prod/x"}, Keys: []Key{{ARN: testKey}}, Role: testRole})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Keys) != 1 || p.Keys[0].KeyARN != testKey || len(p.Keys[0].Statement) != 2 {
		t.Fatalf("key policies: %+v", p.Keys)
	}
	role := p.Role.Statement[len(p.Role.Statement)-2:]
	for i, s := range p.Keys[0].Statement {
		if s.Principal == nil || s.Principal.AWS != testRole || !slices.Equal(s.Resource, List{"*"}) {
			t.Errorf("key policy statement %d: %+v", i, s)
		}
		want := role[i]
		want.Principal, want.Resource = s.Principal, s.Resource
		if a, b := string(indentedJSON(want)), string(indentedJSON(s)); a != b {
			t.Errorf("key policy statement %d differs from the role's:\n%s\n%s", i, b, a)
		}
	}
}

func TestDeriveErrors(t *testing.T) {
	tests := []struct {
		name string
		in   Input
		want error
		msg  string
	}{
		{"malformed reference", Input{Refs: []string{"sm:"}, Region: "eu-west-1", Account: "123456789012"}, secrets.ErrInvalidReference, "empty secret name"},
		{"name without a region", Input{Refs: []string{"sm:db"}, Account: "123456789012"}, secrets.ErrInvalidArgument, "set Input.Region"},
		{"path without an account", Input{Paths: []string{"/p"}, Region: "eu-west-1"}, secrets.ErrInvalidArgument, "set Input.Account"},
		{"name without either", Input{Refs: []string{"/x"}}, secrets.ErrInvalidArgument, "set Input.Region and Input.Account"},
		{"bad region", Input{Refs: []string{"/x"}, Region: "Europe", Account: "123456789012"}, secrets.ErrInvalidArgument, "not a region name"},
		{"bad account", Input{Refs: []string{"/x"}, Region: "eu-west-1", Account: "12345"}, secrets.ErrInvalidArgument, "not 12 digits"},
		{"bad partition", Input{Refs: []string{"/x"}, Region: "eu-west-1", Account: "123456789012", Partition: "azure"}, secrets.ErrInvalidArgument, "not a partition"},
		{"path without a slash", Input{Paths: []string{"prod"}, Region: "eu-west-1", Account: "123456789012"}, secrets.ErrInvalidReference, "does not start with '/'"},
		{"path with a selector", Input{Paths: []string{"/prod:1"}, Region: "eu-west-1", Account: "123456789012"}, secrets.ErrInvalidReference, "takes no"},
		{"path of Secrets Manager secrets", Input{Paths: []string{"/aws/reference/secretsmanager"}, Region: "eu-west-1", Account: "123456789012"}, secrets.ErrInvalidReference, "lists no secrets"},
		{"nothing to read", Input{Refs: []string{"env:X"}}, secrets.ErrInvalidArgument, "needs no permission"},
		{"key alias", Input{Refs: []string{ssm + "/x"}, Keys: []Key{{ARN: "arn:aws:kms:eu-west-1:123456789012:alias/app"}}}, secrets.ErrInvalidArgument, "alias"},
		{"key not an ARN", Input{Refs: []string{ssm + "/x"}, Keys: []Key{{ARN: "1234abcd"}}}, secrets.ErrInvalidArgument, "not an ARN"},
		{"key twice", Input{Refs: []string{ssm + "/x"}, Keys: []Key{{ARN: testKey}, {ARN: testKey}}}, secrets.ErrInvalidArgument, "given twice"},
		{"key in another region", Input{Refs: []string{"arn:aws:ssm:us-east-1:123456789012:parameter/x"}, Keys: []Key{{ARN: testKey}}}, secrets.ErrInvalidArgument, "cannot encrypt"},
		{"key of an unknown reference", Input{Refs: []string{ssm + "/x"}, Keys: []Key{{ARN: testKey, Encrypts: []string{"/y"}}}}, secrets.ErrInvalidArgument, "neither in Refs nor in Paths"},
		{"key of nothing decrypted", Input{Refs: []string{ssm + "/x?decrypt=false"}, Keys: []Key{{ARN: testKey}}}, secrets.ErrInvalidArgument, "encrypts no"},
		{"role not a role", Input{Refs: []string{ssm + "/x"}, Role: "arn:aws:iam::123456789012:user/bob"}, secrets.ErrInvalidArgument, "not an IAM role ARN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Derive(tt.in)
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("got %v; want %v containing %q", err, tt.want, tt.msg)
			}
		})
	}
}

// The same input gives the same bytes, whatever the order of the inputs.
func TestDeriveDeterministic(t *testing.T) {
	in := Input{Refs: []string{"sm:b", "sm:a", "/z", "/y", "/aws/reference/secretsmanager/c"}, Paths: []string{"/q", "/p"},
		Region: "eu-west-1", Account: "123456789012", Keys: []Key{{ARN: testKey2}, {ARN: testKey}}, Role: testRole}
	first, err := Derive(in)
	if err != nil {
		t.Fatal(err)
	}
	for range 20 {
		slices.Reverse(in.Refs)
		slices.Reverse(in.Paths)
		slices.Reverse(in.Keys)
		p, err := Derive(in)
		if err != nil {
			t.Fatal(err)
		}
		if string(p.Role.JSON()) != string(first.Role.JSON()) || string(p.Keys[1].JSON()) != string(first.Keys[1].JSON()) {
			t.Fatalf("output changed:\n%s\n%s", p.Role.JSON(), first.Role.JSON())
		}
	}
}

func TestListJSON(t *testing.T) {
	for _, tt := range []struct {
		l    List
		want string
	}{{List{"a"}, `"a"`}, {List{"a", "b"}, `["a","b"]`}} {
		b, err := json.Marshal(tt.l)
		if err != nil || string(b) != tt.want {
			t.Errorf("%v: %s %v", tt.l, b, err)
		}
		var back List
		if err := json.Unmarshal(b, &back); err != nil || !slices.Equal(back, tt.l) {
			t.Errorf("%s: %v %v", b, back, err)
		}
	}
	var l List
	if err := json.Unmarshal([]byte(`3`), &l); err == nil {
		t.Error("a number read as a list")
	}
}

func TestMatches(t *testing.T) {
	for _, tt := range []struct {
		p, s string
		want bool
	}{
		{"a*", "a/b/c", true}, {"a/*", "a", false}, {"db-??????", "db-AbCdEf", true}, {"db-??????", "db-AbCdEfG", false},
		{"*", "", true}, {"a*b*c", "axxbyyc", true}, {"a*b*c", "axxbyy", false}, {"", "", true}, {"?", "", false},
	} {
		if got := matches(tt.p, tt.s); got != tt.want {
			t.Errorf("matches(%q, %q) = %v", tt.p, tt.s, got)
		}
	}
}

// ForClient carries over the Options that change what the role needs.
func TestForClient(t *testing.T) {
	in := ForClient(secrets.Options{DisableBatching: true, DisableRotationSchedule: true}, "sm:a")
	if !in.DisableBatching || !in.DisableRotationSchedule || len(in.Refs) != 1 {
		t.Errorf("ForClient: %+v", in)
	}
}
