package audit

import (
	"slices"
	"strings"

	"github.com/secretref/secretref/secrets/iampolicy"
)

// noteAWSKey is the whole fix for an AWS access key, which belongs in no
// configuration and no secret store: the role is the credential.
const noteAWSKey = "an AWS access key: do not store it anywhere; give the task or function role the permissions the key grants, remove the variable (the SDK then uses the role's credentials), and deactivate the key"

// noteArgument is the note of a fix for a value in a command-line argument.
const noteArgument = "a command-line argument, which the task definition shows as it shows the environment, and any process on the host can list: have the program read the value by reference, or from the variable ECS injects, instead of from its arguments"

// SuffixPlaceholder stands, in a proposed ECSSecret.ValueFrom, for the six
// characters Secrets Manager appends to a secret's name in its ARN when it
// creates the secret, which no one can know before: replace it with those
// of the ARN create-secret returns. The role's statements name the secret
// with the same six characters as IAM wildcards, which match those.
const SuffixPlaceholder = "??????"

// awsCredentialNames are the variables the AWS SDKs read credentials from.
var awsCredentialNames = []string{"AWS ACCESS KEY ID", "AWS SECRET ACCESS KEY", "AWS SESSION TOKEN"}

// isAWSCredential reports whether a finding is an AWS credential: an access
// key id, or a value in a variable the SDKs read credentials from or named
// after AWS and shaped like a secret access key.
func isAWSCredential(v variable, reasons []string) bool {
	tokens := nameTokens(v.name)
	if hasReason(reasons, ReasonAWSAccessKeyID) || slices.Contains(awsCredentialNames, strings.Join(tokens, " ")) {
		return true
	}
	return hasReason(reasons, ReasonAWSSecretKey) && slices.Contains(tokens, "AWS")
}

// proposeFix proposes where v's value goes instead: a Secrets Manager
// secret named after what v configures and after v, a variable holding its
// reference, and the statements the role needs to read it; for an ECS
// container, the secrets entry that has ECS inject it instead, and the
// statements the execution role then needs. An AWS credential gets a note
// only: the role replaces it.
func proposeFix(v variable, reasons []string, at place) Fix {
	if isAWSCredential(v, reasons) {
		return Fix{Note: noteAWSKey}
	}
	tokens := nameTokens(v.name)
	variable := v.name
	if v.argument {
		variable = strings.Join(tokens, "_")
	}
	name := secretNamePart(v.resource) + "/" + strings.Join(lower(tokens), "-")
	f := Fix{SecretName: name, Variable: variable + "_REF", Reference: "sm:" + name}
	in := iampolicy.Input{Refs: []string{f.Reference}, Partition: at.partition, Region: at.region, Account: at.account}
	if p, err := iampolicy.Derive(in); err == nil {
		f.Policy = p.Role.Statement
	}
	if v.ecs {
		f.ECSSecret = ecsSecret(variable, in)
	}
	if v.argument {
		f.Note = noteArgument
	}
	return f
}

// ecsSecret returns the secrets entry of an ECS container that injects
// the secret in.Refs[0] names as variable, and the execution role's
// statements. ECS takes a Secrets Manager secret by full ARN only (a bare
// name is a Parameter Store parameter's), so the entry names it by the ARN
// of the statement that grants reading it, with SuffixPlaceholder where the
// statement has IAM wildcards. The execution role reads the value once, at
// the task's start: it needs secretsmanager:GetSecretValue only.
func ecsSecret(variable string, in iampolicy.Input) *ECSSecret {
	in.DisableRotationSchedule, in.DisableBatching = true, true
	p, err := iampolicy.Derive(in)
	if err != nil || len(p.Role.Statement) != 1 || len(p.Role.Statement[0].Resource) != 1 {
		return nil
	}
	resource := p.Role.Statement[0].Resource[0]
	if !strings.HasSuffix(resource, "-"+SuffixPlaceholder) {
		return nil
	}
	return &ECSSecret{Name: variable, ValueFrom: resource, ExecutionRolePolicy: p.Role.Statement}
}

// secretNamePart makes s usable in a secret name, which takes letters,
// digits and /_+=.@- only.
func secretNamePart(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("/_+=.@-", c) >= 0) {
			b[i] = '-'
		}
	}
	out := strings.Trim(string(b), "/")
	if out == "" {
		return "app"
	}
	return out
}

func lower(tokens []string) []string {
	out := make([]string, len(tokens))
	for i, t := range tokens {
		out[i] = strings.ToLower(t)
	}
	if len(out) == 0 {
		return []string{"value"}
	}
	return out
}
