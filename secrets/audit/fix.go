package audit

import (
	"strings"

	"github.com/secretref/secretref/secrets/iampolicy"
)

// noteAWSKey is the note of a fix for an AWS access key, which belongs in
// no configuration and no secret store: the role is the credential.
const noteAWSKey = "an AWS access key: give the task or function role the permissions the key grants instead, then deactivate the key"

// proposeFix proposes where v's value goes instead: a Secrets Manager
// secret named after what v configures and after v, a variable holding its
// reference, and the statements the role needs to read it.
func proposeFix(v variable, reasons []string, at place) Fix {
	name := secretNamePart(v.resource) + "/" + strings.Join(lower(nameTokens(v.name)), "-")
	f := Fix{SecretName: name, Variable: v.name + "_REF", Reference: "sm:" + name}
	if v.ecs {
		f.ECSSecret = &ECSSecret{Name: v.name, ValueFrom: name}
	}
	if p, err := iampolicy.Derive(iampolicy.Input{Refs: []string{f.Reference}, Partition: at.partition, Region: at.region, Account: at.account}); err == nil {
		f.Policy = p.Role.Statement
	}
	if hasReason(reasons, ReasonAWSAccessKeyID) || hasReason(reasons, ReasonAWSSecretKey) {
		f.Note = noteAWSKey
	}
	return f
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
