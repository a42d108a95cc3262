package secrets

import (
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"
)

// Schemes of the references the built-in providers serve.
const (
	SchemeSecretsManager = "sm"
	SchemeParameterStore = "ssm"
	SchemeEnv            = "env"
	SchemeFile           = "file"
)

// Ref is a parsed reference: which provider to ask, for what, and what to
// take from the answer. Two references that name the same thing parse to
// equal Refs, and String gives a canonical text that parses back to the same
// Ref.
//
// The reference grammar, in full:
//
//	arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME             a secret by ARN; fetched from REGION
//	arn:...:secret:NAME:JSON-KEY:VERSION-STAGE:VERSION-ID         ECS valueFrom form; empty fields kept
//	sm:NAME  sm:ARN                                               a secret by name or ARN
//	NAME                                                          a secret by name (no ':', no leading '/')
//	/PATH/TO/NAME                                                 a Parameter Store parameter
//	ssm:NAME  ssm:ARN  arn:aws:ssm:REGION:ACCOUNT:parameter/PATH  a parameter by name or ARN
//	/aws/reference/secretsmanager/NAME                            a secret through Parameter Store
//	env:VARIABLE                                                  an environment variable
//	file:PATH                                                     a file's contents
//
// ARNs of every partition are taken (arn:aws-cn:..., arn:aws-us-gov:...,
// arn:aws-iso-b:..., arn:aws-eusc:...), and a full ARN's NAME ends in the
// -XXXXXX that Secrets Manager appends, which does not count towards the
// 512 characters a name may have.
//
// A Secrets Manager reference may end in ?stage=LABEL or ?version-id=ID; a
// Parameter Store one in :VERSION or :LABEL and ?decrypt=false. Any
// reference may end in #KEY, which takes one field of a JSON object.
type Ref struct {
	// Scheme names the provider: SchemeSecretsManager, SchemeParameterStore,
	// SchemeEnv, SchemeFile or a scheme of Options.Providers.
	Scheme string
	// Name is what the provider is asked for: a secret name or ARN, a
	// parameter name or ARN (without a selector), a variable, a path.
	Name string
	// Region is the region of an ARN; empty means the Client's region.
	Region string
	// Key is the JSON field to take from the value; empty takes it whole.
	Key string
	// Stage is a Secrets Manager staging label or a Parameter Store label.
	Stage string
	// VersionID is a Secrets Manager version id or a Parameter Store version.
	VersionID string
	// SkipDecryption reads a SecureString parameter without decrypting it.
	SkipDecryption bool
}

// maxRefLen bounds a whole reference; each service's own limits are tighter.
const maxRefLen = 4096

// ParseRef parses a reference in any of the forms described at [Ref]. A
// malformed reference gives a *RefError wrapping ErrInvalidReference that
// names the reference and what is wrong with it.
func ParseRef(s string) (Ref, error) {
	return parseRef(s, nil)
}

// parseRef is ParseRef that also accepts the schemes for which custom
// reports true, in the generic form SCHEME:NAME[?stage=|?version-id=][#KEY].
func parseRef(s string, custom func(scheme string) bool) (Ref, error) {
	p := parser{raw: s}
	return p.parse(custom)
}

// parser parses one reference; its methods return the error for raw.
type parser struct{ raw string }

func (p *parser) errorf(format string, args ...any) error {
	return invalidRef(p.raw, format, args...)
}

func (p *parser) parse(custom func(string) bool) (Ref, error) {
	if err := p.checkText(); err != nil {
		return Ref{}, err
	}
	rest, key, hasKey := strings.Cut(p.raw, "#")
	if hasKey && key == "" {
		return Ref{}, p.errorf("'#' must be followed by a JSON key")
	}
	r, err := p.dispatch(rest, custom)
	if err != nil {
		return Ref{}, err
	}
	if hasKey {
		if r.Key != "" {
			return Ref{}, p.errorf("JSON key given twice (in the ARN and after '#')")
		}
		r.Key = key
	}
	// The canonical form may be longer than the input (a scheme added,
	// characters escaped); it must parse too, so it is held to the same bound.
	if n := len(r.String()); n > maxRefLen {
		return Ref{}, p.errorf("canonical form %d bytes, longer than %d", n, maxRefLen)
	}
	return r, nil
}

// checkText refuses what no reference may hold, whatever its form.
func (p *parser) checkText() error {
	s := p.raw
	switch {
	case s == "":
		return p.errorf("empty reference")
	case len(s) > maxRefLen:
		return p.errorf("longer than %d bytes", maxRefLen)
	case strings.TrimSpace(s) != s:
		return p.errorf("leading or trailing white space")
	case !utf8.ValidString(s):
		return p.errorf("not valid UTF-8")
	}
	for i, r := range s {
		if r < 0x20 || r == 0x7f {
			return p.errorf("control character at byte %d", i)
		}
	}
	return nil
}

// dispatch parses rest, a reference without its #key, by its form: an ARN,
// a parameter path, SCHEME:NAME, or a bare secret name.
func (p *parser) dispatch(rest string, custom func(string) bool) (Ref, error) {
	switch {
	case strings.HasPrefix(rest, "arn:"):
		return p.arnRef(rest, "")
	case strings.HasPrefix(rest, "/"):
		return p.ssmRef(rest)
	}
	scheme, name, ok := strings.Cut(rest, ":")
	switch {
	case !ok:
		return p.smRef(rest)
	case scheme == SchemeSecretsManager:
		return p.smRef(name)
	case scheme == SchemeParameterStore:
		return p.ssmRef(name)
	case scheme == SchemeEnv:
		return p.envRef(name)
	case scheme == SchemeFile:
		return p.fileRef(name)
	case custom != nil && custom(scheme):
		return p.customRef(scheme, name)
	case looksLikeValueFrom(rest, scheme):
		return Ref{}, p.errorf("a secret name has no ':'%s", valueFromHint(rest))
	}
	return Ref{}, p.errorf("unknown scheme %q (want sm:, ssm:, env:, file:, a registered scheme, an ARN or a /parameter/path)", scheme)
}

// query splits NAME?QUERY and returns QUERY's parameters, each at most once,
// each one of allowed.
func (p *parser) query(s string, allowed ...string) (string, map[string]string, error) {
	name, q, ok := strings.Cut(s, "?")
	if !ok {
		return name, nil, nil
	}
	values, err := url.ParseQuery(q)
	if err != nil {
		return "", nil, p.errorf("malformed query %q", q)
	}
	params := make(map[string]string, len(values))
	for k, vs := range values {
		if !slices.Contains(allowed, k) {
			return "", nil, p.errorf("unknown parameter %q (want %s)", k, strings.Join(allowed, " or "))
		}
		if len(vs) != 1 {
			return "", nil, p.errorf("parameter %q given %d times", k, len(vs))
		}
		if vs[0] == "" {
			return "", nil, p.errorf("parameter %q is empty", k)
		}
		params[k] = vs[0]
	}
	return name, params, nil
}

// selectVersion sets r's Stage and VersionID, refusing both at once.
func (p *parser) selectVersion(r *Ref, stage, versionID string) error {
	if stage != "" && versionID != "" {
		return p.errorf("both a version stage and a version id given; give one")
	}
	if stage != "" {
		if len(stage) > 256 {
			return p.errorf("version stage longer than 256 characters")
		}
		r.Stage = stage
	}
	if versionID != "" {
		if len(versionID) > 64 || !allOf(versionID, isVersionIDChar) {
			return p.errorf("version id %q is not 1 to 64 letters, digits, '.', '_' or '-'", versionID)
		}
		r.VersionID = versionID
	}
	return nil
}

func (p *parser) smRef(s string) (Ref, error) {
	if strings.HasPrefix(s, "arn:") {
		return p.arnRef(s, "secretsmanager")
	}
	name, params, err := p.query(s, "stage", "version-id")
	if err != nil {
		return Ref{}, err
	}
	if hint := valueFromHint(name); hint != "" {
		return Ref{}, p.errorf("a secret name has no ':'%s", hint)
	}
	if err := p.checkSecretName(name); err != nil {
		return Ref{}, err
	}
	r := Ref{Scheme: SchemeSecretsManager, Name: name}
	return r, p.selectVersion(&r, params["stage"], params["version-id"])
}

func (p *parser) ssmRef(s string) (Ref, error) {
	if strings.HasPrefix(s, "arn:") {
		return p.arnRef(s, "ssm")
	}
	name, params, err := p.query(s, "decrypt")
	if err != nil {
		return Ref{}, err
	}
	name, selector, hasSelector := strings.Cut(name, ":")
	if err := p.checkParameterName(name); err != nil {
		return Ref{}, err
	}
	r := Ref{Scheme: SchemeParameterStore, Name: name}
	if hasSelector {
		if err := p.parameterSelector(&r, selector); err != nil {
			return Ref{}, err
		}
	}
	return r, p.decrypt(&r, params["decrypt"])
}

func (p *parser) decrypt(r *Ref, v string) error {
	switch v {
	case "", "true":
	case "false":
		if strings.HasPrefix(r.parameterPath(), secretsManagerPassthrough) {
			return p.errorf("Parameter Store always decrypts %s references; drop decrypt=false", secretsManagerPassthrough)
		}
		r.SkipDecryption = true
	default:
		return p.errorf("decrypt must be true or false, not %q", v)
	}
	return nil
}

func (p *parser) envRef(name string) (Ref, error) {
	if name == "" {
		return Ref{}, p.errorf("env: needs a variable name")
	}
	if !isEnvName(name) {
		return Ref{}, p.errorf("%q is not an environment variable name (letters, digits and '_', not starting with a digit)", name)
	}
	return Ref{Scheme: SchemeEnv, Name: name}, nil
}

func (p *parser) fileRef(path string) (Ref, error) {
	if path == "" {
		return Ref{}, p.errorf("file: needs a path")
	}
	return Ref{Scheme: SchemeFile, Name: path}, nil
}

func (p *parser) customRef(scheme, s string) (Ref, error) {
	name, params, err := p.query(s, "stage", "version-id")
	if err != nil {
		return Ref{}, err
	}
	if name == "" {
		return Ref{}, p.errorf("%s: needs a name", scheme)
	}
	r := Ref{Scheme: scheme, Name: name}
	return r, p.selectVersion(&r, params["stage"], params["version-id"])
}

// looksLikeValueFrom reports whether rest, whose text before its first ':'
// is not a known scheme, is a secret name with the suffix ECS's valueFrom
// puts after a secret's ARN: all three suffix fields, or fewer after a
// text that is no scheme in any case (prod/db:password).
func looksLikeValueFrom(rest, scheme string) bool {
	if valueFromHint(rest) == "" {
		return false
	}
	return strings.Count(rest, ":") == 3 || !schemePattern.MatchString(strings.ToLower(scheme))
}

// valueFromHint returns, for NAME:JSON-KEY[:VERSION-STAGE[:VERSION-ID]]
// written without the ARN that ECS's valueFrom puts in front, the ARN form
// that takes this suffix and the same reference by name; "" for anything
// else.
func valueFromHint(s string) string {
	fields := strings.Split(s, ":")
	// A hint quotes s twice: only a short one, as RefError quotes it.
	if len(s) > maxRefInMessage || len(fields) < 2 || len(fields) > 4 || fields[0] == "" {
		return ""
	}
	fields = append(fields, "", "")[:4]
	if fields[2] != "" && fields[3] != "" {
		return ""
	}
	byName := Ref{Scheme: SchemeSecretsManager, Name: fields[0], Key: fields[1], Stage: fields[2], VersionID: fields[3]}
	return "; the :JSON-KEY:VERSION-STAGE:VERSION-ID suffix follows a secret's full ARN, as in arn:aws:secretsmanager:REGION:ACCOUNT:secret:" +
		strings.Join(fields, ":") + ", or by name write " + byName.String()
}

// String returns the reference's canonical text.
func (r Ref) String() string {
	var b strings.Builder
	b.WriteString(r.Scheme)
	b.WriteByte(':')
	b.WriteString(r.Name)
	switch r.Scheme {
	case SchemeParameterStore:
		switch {
		case r.VersionID != "":
			b.WriteString(":" + r.VersionID)
		case r.Stage != "":
			b.WriteString(":" + r.Stage)
		}
		if r.SkipDecryption {
			b.WriteString("?decrypt=false")
		}
	case SchemeEnv, SchemeFile:
	default:
		switch {
		case r.Stage != "":
			b.WriteString("?stage=" + url.QueryEscape(r.Stage))
		case r.VersionID != "":
			b.WriteString("?version-id=" + url.QueryEscape(r.VersionID))
		}
	}
	if r.Key != "" {
		b.WriteString("#" + r.Key)
	}
	return b.String()
}

// LogValue makes log/slog log the reference's canonical text.
func (r Ref) LogValue() slog.Value { return slog.StringValue(r.String()) }
