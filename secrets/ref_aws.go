package secrets

import (
	"regexp"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws/arn"
)

// Service limits on names, from the Secrets Manager and Parameter Store API
// references.
const (
	maxSecretNameLen    = 512
	maxSecretIDLen      = 2048 // a SecretId may be a full ARN
	maxParameterNameLen = 1011 // includes the ARN when one is given
	maxParameterDepth   = 15
	maxLabelLen         = 100
)

// secretsManagerPassthrough is the Parameter Store path prefix under which
// Secrets Manager secrets can be read.
const secretsManagerPassthrough = "/aws/reference/secretsmanager/"

var (
	// partitionPattern takes every AWS partition: aws, aws-cn,
	// aws-us-gov, aws-iso, aws-iso-b, aws-iso-e, aws-iso-f, aws-eusc, and
	// ones yet to come, named the same way.
	partitionPattern = regexp.MustCompile(`^aws(-[a-z]+)*$`)
	// regionPattern takes the regions of every partition: eu-west-1,
	// cn-north-1, us-gov-west-1, us-isob-east-1, eusc-de-east-1.
	regionPattern  = regexp.MustCompile(`^[a-z]{2,4}(-[a-z]+)+-[0-9]{1,2}$`)
	accountPattern = regexp.MustCompile(`^[0-9]{12}$`)
	// randomSuffix is what Secrets Manager appends to a secret's name in
	// its full ARN: a '-' and six random letters and digits.
	randomSuffix = regexp.MustCompile(`-[A-Za-z0-9]{6}$`)
)

// arnRef parses an ARN reference. want, when not empty, is the service the
// scheme in front of the ARN demands.
func (p *parser) arnRef(s, want string) (Ref, error) {
	body, params, err := p.query(s, "stage", "version-id", "decrypt")
	if err != nil {
		return Ref{}, err
	}
	a, err := arn.Parse(body)
	if err != nil {
		return Ref{}, p.errorf("malformed ARN (%v)", err)
	}
	switch {
	case want != "" && a.Service != want:
		return Ref{}, p.errorf("an ARN of service %q where %q is needed", a.Service, want)
	case a.Service != "secretsmanager" && a.Service != "ssm":
		return Ref{}, p.errorf("an ARN of service %q (want secretsmanager or ssm)", a.Service)
	case a.Partition == "":
		return Ref{}, p.errorf("ARN has no partition")
	case !partitionPattern.MatchString(a.Partition):
		return Ref{}, p.errorf("ARN partition %q is not an AWS partition (aws, aws-cn, aws-us-gov, ...)", a.Partition)
	case !regionPattern.MatchString(a.Region):
		return Ref{}, p.errorf("ARN region %q is not a region name", a.Region)
	case !accountPattern.MatchString(a.AccountID):
		return Ref{}, p.errorf("ARN account %q is not 12 digits", a.AccountID)
	}
	if a.Service == "secretsmanager" {
		if _, ok := params["decrypt"]; ok {
			return Ref{}, p.errorf("decrypt applies to Parameter Store, not Secrets Manager")
		}
		return p.secretARN(a, params)
	}
	for _, k := range []string{"stage", "version-id"} {
		if _, ok := params[k]; ok {
			return Ref{}, p.errorf("%s applies to Secrets Manager; select a parameter version with :VERSION or :LABEL", k)
		}
	}
	return p.parameterARN(a, params["decrypt"])
}

// secretARN parses arn:...:secret:NAME, optionally followed by ECS's
// valueFrom suffix :JSON-KEY:VERSION-STAGE:VERSION-ID.
func (p *parser) secretARN(a arn.ARN, params map[string]string) (Ref, error) {
	resource, ok := strings.CutPrefix(a.Resource, "secret:")
	if !ok {
		return Ref{}, p.errorf("Secrets Manager ARN resource must start with \"secret:\"")
	}
	fields := strings.Split(resource, ":")
	var key, stage, versionID string
	switch len(fields) {
	case 1:
	case 4:
		key, stage, versionID = fields[1], fields[2], fields[3]
	default:
		return Ref{}, p.errorf("after the secret name an ARN takes exactly :JSON-KEY:VERSION-STAGE:VERSION-ID (empty fields kept), not %d fields", len(fields)-1)
	}
	if err := p.checkSecretName(withoutRandomSuffix(fields[0])); err != nil {
		return Ref{}, err
	}
	a.Resource = "secret:" + fields[0]
	r := Ref{Scheme: SchemeSecretsManager, Name: a.String(), Region: a.Region, Key: key}
	if len(r.Name) > maxSecretIDLen {
		return Ref{}, p.errorf("secret ARN longer than %d characters", maxSecretIDLen)
	}
	if stage != "" && params["stage"] != "" || versionID != "" && params["version-id"] != "" {
		return Ref{}, p.errorf("version given both in the ARN and as a parameter")
	}
	return r, p.selectVersion(&r, stage+params["stage"], versionID+params["version-id"])
}

// withoutRandomSuffix returns the secret name of an ARN's resource when it
// is too long to be a name and so must be a full ARN's: the limit on names
// does not count the -XXXXXX that Secrets Manager appends. A shorter name is
// returned whole, since a partial ARN can end the same way.
func withoutRandomSuffix(name string) string {
	if len(name) > maxSecretNameLen && randomSuffix.MatchString(name) {
		return name[:len(name)-len("-XXXXXX")]
	}
	return name
}

// parameterARN parses arn:...:parameter/PATH[:SELECTOR].
func (p *parser) parameterARN(a arn.ARN, decrypt string) (Ref, error) {
	path, ok := strings.CutPrefix(a.Resource, "parameter/")
	if !ok {
		return Ref{}, p.errorf("Parameter Store ARN resource must start with \"parameter/\"")
	}
	path, selector, hasSelector := strings.Cut("/"+path, ":")
	if err := p.checkParameterName(path); err != nil {
		return Ref{}, err
	}
	a.Resource = "parameter" + path
	r := Ref{Scheme: SchemeParameterStore, Name: a.String(), Region: a.Region}
	if len(r.Name) > maxParameterNameLen {
		return Ref{}, p.errorf("parameter ARN longer than %d characters", maxParameterNameLen)
	}
	if hasSelector {
		if err := p.parameterSelector(&r, selector); err != nil {
			return Ref{}, err
		}
	}
	return r, p.decrypt(&r, decrypt)
}

// parameterPath returns the parameter's name without the ARN around it.
func (r Ref) parameterPath() string {
	if a, err := arn.Parse(r.Name); err == nil {
		return strings.TrimPrefix(a.Resource, "parameter")
	}
	return r.Name
}

func (p *parser) checkSecretName(name string) error {
	switch {
	case name == "":
		return p.errorf("empty secret name")
	case len(name) > maxSecretNameLen:
		return p.errorf("secret name longer than %d characters", maxSecretNameLen)
	}
	// A secret another service manages is named after that service, as
	// RDS's master user secrets are: rds!db-..., rds!cluster-....
	rest := name
	if service, after, ok := strings.Cut(name, "!"); ok && isManagingService(service) {
		rest = after
	}
	if i := strings.IndexFunc(rest, func(r rune) bool { return !isSecretNameChar(r) }); i >= 0 {
		i += len(name) - len(rest)
		return p.errorf("secret name has %q at byte %d; Secrets Manager allows letters, digits and /_+=.@-"+
			" (and a managing service's prefix such as rds!)", name[i:i+1], i)
	}
	return nil
}

// isManagingService reports whether s can be the prefix, before '!', of a
// secret another AWS service manages: a service id such as rds or events.
func isManagingService(s string) bool {
	return s != "" && strings.IndexFunc(s, func(r rune) bool { return !('a' <= r && r <= 'z' || isDigit(r) || r == '-') }) < 0
}

func (p *parser) checkParameterName(name string) error {
	switch {
	case name == "":
		return p.errorf("empty parameter name")
	case len(name) > maxParameterNameLen:
		return p.errorf("parameter name longer than %d characters", maxParameterNameLen)
	}
	if rest, ok := strings.CutPrefix(name, secretsManagerPassthrough); ok {
		return p.checkSecretName(rest)
	}
	if i := strings.IndexFunc(name, func(r rune) bool { return !isParameterNameChar(r) }); i >= 0 {
		return p.errorf("parameter name has %q at byte %d; Parameter Store allows letters, digits and /_.-", name[i:i+1], i)
	}
	if !strings.HasPrefix(name, "/") {
		if strings.Contains(name, "/") {
			return p.errorf("a parameter name with '/' must start with '/'")
		}
		return nil
	}
	segments := strings.Split(name[1:], "/")
	if len(segments) > maxParameterDepth {
		return p.errorf("parameter path deeper than %d levels", maxParameterDepth)
	}
	for _, seg := range segments {
		if seg == "" {
			return p.errorf("parameter path has an empty level (\"//\" or a trailing '/')")
		}
	}
	return nil
}

// parameterSelector sets a Parameter Store :VERSION or :LABEL selector.
func (p *parser) parameterSelector(r *Ref, sel string) error {
	switch {
	case sel == "":
		return p.errorf("':' must be followed by a parameter version or label")
	case allOf(sel, isDigit):
		if len(sel) > 19 || sel[0] == '0' {
			return p.errorf("parameter version %q is not a positive number", sel)
		}
		r.VersionID = sel
	case len(sel) > maxLabelLen:
		return p.errorf("parameter label longer than %d characters", maxLabelLen)
	case isDigit(rune(sel[0])):
		return p.errorf("parameter label %q starts with a digit", sel)
	case !allOf(sel, isLabelChar):
		return p.errorf("parameter label %q has a character other than letters, digits, '.', '_' and '-'", sel)
	default:
		r.Stage = sel
	}
	return nil
}

func allOf(s string, ok func(rune) bool) bool {
	for _, r := range s {
		if !ok(r) {
			return false
		}
	}
	return true
}

func isDigit(r rune) bool  { return '0' <= r && r <= '9' }
func isLetter(r rune) bool { return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' }

func isSecretNameChar(r rune) bool {
	return isLetter(r) || isDigit(r) || strings.ContainsRune("/_+=.@-", r)
}

func isParameterNameChar(r rune) bool {
	return isLetter(r) || isDigit(r) || strings.ContainsRune("/_.-", r)
}

func isLabelChar(r rune) bool {
	return isLetter(r) || isDigit(r) || strings.ContainsRune("_.-", r)
}

func isVersionIDChar(r rune) bool {
	return isLetter(r) || isDigit(r) || strings.ContainsRune("._-", r)
}

func isEnvName(s string) bool {
	if s == "" || isDigit(rune(s[0])) {
		return false
	}
	return allOf(s, func(r rune) bool { return isLetter(r) || isDigit(r) || r == '_' })
}
