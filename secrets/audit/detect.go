package audit

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"unicode"

	"github.com/aws/aws-sdk-go-v2/aws/arn"

	"github.com/secretref/secretref/secrets"
)

// Reasons a finding gives. None quotes the value or any part of it.
const (
	ReasonAWSAccessKeyID  = "an AWS access key id"
	ReasonAWSSecretKey    = "shaped like an AWS secret access key (40 base64 characters)"
	ReasonPrivateKey      = "a PEM private key"
	ReasonJWT             = "a JSON Web Token"
	ReasonGitHubToken     = "a GitHub token"
	ReasonSlackToken      = "a Slack token"
	ReasonSlackWebhook    = "a Slack webhook URL, which is its own credential"
	ReasonStripeKey       = "a Stripe secret key"
	ReasonURLPassword     = "a URL with a password in it"
	ReasonURLSecretQuery  = "a URL with a secret in its query"
	ReasonDSNPassword     = "a connection string with a password in it"
	ReasonHighEntropy     = "random-looking: a long string of mixed letters, digits and symbols"
	ReasonHexKey          = "random-looking: 64 or more hexadecimal digits, as a 256-bit key is written, under a name that does not say it is a digest or an id"
	ReasonBasicAuth       = "an HTTP Basic Authorization value: a user name and password, base64-encoded"
	ReasonBearerToken     = "an HTTP Bearer Authorization value: a token"
	ReasonDynamicRef      = "a CloudFormation dynamic reference to a secret: CloudFormation resolves it at deployment and the configuration then holds the value in plain text"
	ReasonNoEchoParameter = "set from a NoEcho template parameter: the deployed configuration holds its value in plain text"
)

// nameReason is the reason given when a variable's name says it holds a
// secret of the given kind ("a password").
func nameReason(kind string) string { return "the name says it holds " + kind }

// classify returns the reasons a variable named name, holding value, looks
// like a plaintext secret; none when it does not.
func classify(name, value string) []string {
	return classifyAt(name, value, maxJSONDepth, true)
}

// classifyArgument is classify for a command-line argument: by its option's
// name and its format, not by entropy, which arguments have plenty of
// without being secrets (digests, ids, encoded options).
func classifyArgument(name, value string) []string {
	return classifyAt(name, value, maxJSONDepth, false)
}

// classifyAt is classify, looking depth levels into a JSON value, and by
// entropy when byEntropy is set.
func classifyAt(name, value string, depth int, byEntropy bool) []string {
	if value == "" || isReference(name, value) {
		return nil
	}
	var reasons []string
	if fields, ok := jsonReasons(value, depth); ok {
		reasons = fields
	} else {
		reasons = formatReasons(value)
	}
	if kind := secretName(name); kind != "" && !inert(value) {
		reasons = append(reasons, nameReason(kind))
	}
	if len(reasons) == 0 && byEntropy {
		reasons = entropyReasons(name, value)
	}
	return reasons
}

func hasReason(reasons []string, r string) bool { return slices.Contains(reasons, r) }

// isReference reports whether value is already the fix, or names
// something rather than holding it: an ARN, a Parameter Store path, a
// secretref reference, or a bare secret name in a variable whose name says
// it holds a reference.
func isReference(name, value string) bool {
	if strings.HasPrefix(value, "arn:") {
		_, err := arn.Parse(value)
		return err == nil
	}
	if _, err := secrets.ParseRef(value); err != nil {
		return false
	}
	if strings.HasPrefix(value, "/") || strings.Contains(value, ":") {
		return true // a path, or a scheme the parser knows: sm:, ssm:, env:, file:
	}
	return namesReference(nameTokens(name))
}

// namesReference reports whether a variable's name says it holds a
// reference: it ends in REF or ARN, or in SECRET or PARAMETER followed by
// NAME, ID or PATH.
func namesReference(tokens []string) bool {
	n := len(tokens)
	if n == 0 {
		return false
	}
	switch tokens[n-1] {
	case "REF", "REFERENCE", "ARN":
		return true
	case "NAME", "ID", "PATH":
		return n >= 2 && (tokens[n-2] == "SECRET" || tokens[n-2] == "PARAMETER" || tokens[n-2] == "PARAM")
	}
	return false
}

// nameTokens splits a variable name into upper-case words at '_', '-', '.'
// and lower-to-upper case changes: "dbPassword" and "DB_PASSWORD" both give
// DB, PASSWORD.
func nameTokens(name string) []string {
	var tokens []string
	var cur []rune
	prev := rune(0)
	flush := func() {
		if len(cur) > 0 {
			tokens = append(tokens, strings.ToUpper(string(cur)))
			cur = cur[:0]
		}
	}
	for _, r := range name {
		switch {
		case !unicode.IsLetter(r) && !unicode.IsDigit(r):
			flush()
		case unicode.IsUpper(r) && unicode.IsLower(prev):
			flush()
			cur = append(cur, r)
		default:
			cur = append(cur, r)
		}
		prev = r
	}
	flush()
	return tokens
}

// secretWords are last words of a name that say it holds a secret, and
// what kind.
var secretWords = map[string]string{
	"PASSWORD": "a password", "PASSWD": "a password", "PWD": "a password", "PASS": "a password", "PASSPHRASE": "a password",
	"SECRET": "a secret", "TOKEN": "a token", "APIKEY": "an API key", "PRIVATEKEY": "a private key", "SECRETKEY": "a secret key",
	"ACCESSKEY": "an access key", "CREDENTIAL": "a credential", "CREDENTIALS": "credentials", "CREDS": "credentials",
}

// joinedSecretWords are the secret words that count at the end of a longer
// word.
var joinedSecretWords = []string{"PASSWORD", "PASSWD", "PASSPHRASE", "SECRET", "TOKEN", "APIKEY", "PRIVATEKEY"}

// keyWords are words that, followed by KEY at the end of a name, say it
// holds a key.
var keyWords = map[string]string{
	"API": "an API key", "PRIVATE": "a private key", "SECRET": "a secret key", "ACCESS": "an access key", "SIGNING": "a signing key",
	"ENCRYPTION": "an encryption key", "MASTER": "a master key", "HMAC": "an HMAC key", "AUTH": "an authentication key", "LICENSE": "a license key",
}

// secretName returns the kind of secret name says it holds, or "". Only
// the last word counts: DB_PASSWORD holds a password, SECRET_TTL and
// PASSWORD_MIN_LENGTH are settings, DB_SECRET_REF a reference.
func secretName(name string) string {
	tokens := nameTokens(name)
	n := len(tokens)
	if n == 0 {
		return ""
	}
	last := tokens[n-1]
	if kind, ok := secretWords[last]; ok {
		return kind
	}
	// A well-known name written as one word, PGPASSWORD or GITHUBTOKEN,
	// ends with a secret word; only the long ones count, as BYPASS ends
	// with PASS.
	for _, w := range joinedSecretWords {
		if strings.HasSuffix(last, w) {
			return secretWords[w]
		}
	}
	if n >= 2 && tokens[n-1] == "KEY" {
		return keyWords[tokens[n-2]]
	}
	return ""
}

// inert reports whether a value under a secret-sounding name is plainly
// not a secret: a switch, or a placeholder filled in elsewhere.
func inert(value string) bool {
	switch strings.ToLower(value) {
	case "true", "false", "yes", "no", "on", "off", "enabled", "disabled", "none", "null", "-":
		return true
	}
	// A dynamic reference to a String parameter is resolved into the
	// configuration: not a placeholder.
	return placeholderPattern.MatchString(value) && !strings.HasPrefix(value, "{{resolve:")
}

// placeholderPattern matches a value that is only a placeholder: ${X},
// $(X), $X, {{X}} (not a dynamic reference: those are looked at before).
var placeholderPattern = regexp.MustCompile(`^(\$\{[^}]*\}|\$\([^)]*\)|\$[A-Za-z_][A-Za-z0-9_]*|\{\{[^}]*\}\}|<[^>]*>)$`)

var (
	awsAccessKeyID = regexp.MustCompile(`(^|[^A-Z0-9])(AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}($|[^A-Z0-9])`)
	awsSecretKey   = regexp.MustCompile(`^[A-Za-z0-9/+]{40}$`)
	pemPrivateKey  = regexp.MustCompile(`-----BEGIN ([A-Z0-9]+ )*PRIVATE KEY( BLOCK)?-----`)
	jwtPattern     = regexp.MustCompile(`^(eyJ[A-Za-z0-9_-]{5,})\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*$`)
	githubToken    = regexp.MustCompile(`(^|[^A-Za-z0-9_])(gh[pousr]_[A-Za-z0-9]{36,251}|github_pat_[A-Za-z0-9_]{22,244})($|[^A-Za-z0-9_])`)
	slackToken     = regexp.MustCompile(`(^|[^A-Za-z0-9])(xox[abposr]-[A-Za-z0-9-]{10,}|xapp-[0-9]-[A-Za-z0-9-]{10,})`)
	slackWebhook   = regexp.MustCompile(`https://hooks\.slack\.com/(services|workflows|triggers)/[A-Za-z0-9/_-]{10,}`)
	stripeKey      = regexp.MustCompile(`(^|[^A-Za-z0-9])((sk|rk)_(live|test)_[A-Za-z0-9]{10,}|whsec_[A-Za-z0-9]{20,})`)
	urlPattern     = regexp.MustCompile(`[A-Za-z][A-Za-z0-9+.-]*://[^\s"'<>]+`)
	kvPassword     = regexp.MustCompile(`(?i)(^|[\s;,])(password|pwd|passwd)\s*=\s*([^;\s,]*)`)
	goDSNPassword  = regexp.MustCompile(`^[^:/@\s]+:([^@\s]+)@(tcp|unix|udp)(\(|$)`)
	hexOnly        = regexp.MustCompile(`^[0-9a-fA-F]+$`)
)

// secretQueryKeys are URL query parameters that carry credentials.
var secretQueryKeys = map[string]bool{
	"password": true, "pwd": true, "pass": true, "passwd": true, "secret": true, "token": true, "api_key": true, "apikey": true,
	"access_token": true, "client_secret": true, "x-amz-security-token": true, "x-amz-signature": true, "sig": true, "signature": true,
}

// formatReasons returns the recognised secret formats value holds.
func formatReasons(value string) []string {
	var out []string
	if awsAccessKeyID.MatchString(value) {
		out = append(out, ReasonAWSAccessKeyID)
	}
	if awsSecretKey.MatchString(value) && !hexOnly.MatchString(value) && mixedCase(value) {
		out = append(out, ReasonAWSSecretKey)
	}
	if pemPrivateKey.MatchString(value) {
		out = append(out, ReasonPrivateKey)
	}
	if isJWT(value) {
		out = append(out, ReasonJWT)
	}
	if githubToken.MatchString(value) {
		out = append(out, ReasonGitHubToken)
	}
	if slackToken.MatchString(value) {
		out = append(out, ReasonSlackToken)
	}
	if slackWebhook.MatchString(value) {
		out = append(out, ReasonSlackWebhook)
	}
	if stripeKey.MatchString(value) {
		out = append(out, ReasonStripeKey)
	}
	out = append(out, authorizationReasons(value)...)
	out = append(out, urlReasons(value)...)
	if m := kvPassword.FindStringSubmatch(value); m != nil && m[3] != "" && !inert(m[3]) {
		out = append(out, ReasonDSNPassword)
	} else if m := goDSNPassword.FindStringSubmatch(value); m != nil && !inert(m[1]) {
		out = append(out, ReasonDSNPassword)
	}
	return out
}

func mixedCase(s string) bool {
	return strings.ContainsAny(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") && strings.ContainsAny(s, "abcdefghijklmnopqrstuvwxyz")
}

// isJWT reports whether value is a JWT: three base64url parts, the first a
// JSON header naming an algorithm.
func isJWT(value string) bool {
	m := jwtPattern.FindStringSubmatch(value)
	if m == nil {
		return false
	}
	header, err := base64.RawURLEncoding.DecodeString(m[1])
	if err != nil {
		return false
	}
	var h struct {
		Alg string `json:"alg"`
	}
	return json.Unmarshal(header, &h) == nil && h.Alg != ""
}

// urlReasons looks at each URL in value for a password or a credential in
// its query. A password that is a placeholder (${DB_PASSWORD}) is filled in
// elsewhere and is not flagged.
func urlReasons(value string) []string {
	var out []string
	for _, raw := range urlPattern.FindAllString(value, 8) {
		u, err := url.Parse(raw)
		if err != nil {
			continue
		}
		if pw, ok := u.User.Password(); ok && pw != "" && !inert(pw) && !hasReason(out, ReasonURLPassword) {
			out = append(out, ReasonURLPassword)
		}
		for k, vs := range u.Query() {
			if secretQueryKeys[strings.ToLower(k)] && len(vs) > 0 && vs[0] != "" && !inert(vs[0]) && !hasReason(out, ReasonURLSecretQuery) {
				out = append(out, ReasonURLSecretQuery)
			}
		}
	}
	return out
}
