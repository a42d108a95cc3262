package audit

import (
	"encoding/base64"
	"regexp"
	"strings"
	"unicode"
)

// authorizationValue matches an HTTP Authorization header's value, or the
// whole header: its scheme and its credentials, in the token68 syntax of
// RFC 9110.
var authorizationValue = regexp.MustCompile(`^(?i:(?:proxy-)?authorization:[ \t]*)?(?i:(basic|bearer))[ \t]+([A-Za-z0-9._~+/-]+=*)$`)

// authorizationReasons returns the reason value is an Authorization value
// with credentials: Basic with a user name and a password, or Bearer with
// a token. A scheme alone, a challenge (Basic realm="..."), and a
// placeholder (Bearer ${TOKEN}) are not.
func authorizationReasons(value string) []string {
	m := authorizationValue.FindStringSubmatch(strings.TrimSpace(value))
	if m == nil {
		return nil
	}
	if strings.EqualFold(m[1], "basic") {
		if basicCredentials(m[2]) {
			return []string{ReasonBasicAuth}
		}
		return nil
	}
	if len(m[2]) >= 8 && charClasses(m[2]) >= 2 {
		return []string{ReasonBearerToken}
	}
	return nil
}

// basicCredentials reports whether s is base64 of user:password, with a
// password that is not a placeholder.
func basicCredentials(s string) bool {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding} {
		b, err := enc.DecodeString(s)
		if err != nil {
			continue
		}
		text := string(b)
		if strings.ContainsFunc(text, func(r rune) bool { return !unicode.IsPrint(r) }) {
			return false
		}
		_, pw, ok := strings.Cut(text, ":")
		return ok && pw != "" && !inert(pw)
	}
	return false
}
