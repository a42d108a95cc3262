package audit

import (
	"encoding/base64"
	"math"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

var (
	uuidPattern  = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	entropyChars = regexp.MustCompile(`^[A-Za-z0-9+/=_-]{20,}$`)
	hexKey       = regexp.MustCompile(`^[0-9a-fA-F]{64,}$`)
	// emailPattern and queryPattern are values with punctuation that are
	// addresses and settings, not random.
	emailPattern = regexp.MustCompile(`^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$`)
	queryPattern = regexp.MustCompile(`^[^=&;]+=[^=&;]*([&;][^=&;]+=[^=&;]*)+$`)
	wordPattern  = regexp.MustCompile(`[a-z]{4,}`)
)

// digestWords are words of a name that say its hexadecimal value is a
// digest or an identifier, not a key.
var digestWords = map[string]bool{
	"SHA": true, "SHA1": true, "SHA256": true, "SHA384": true, "SHA512": true, "MD5": true, "HASH": true, "DIGEST": true,
	"CHECKSUM": true, "COMMIT": true, "REVISION": true, "REV": true, "ETAG": true, "ID": true, "FINGERPRINT": true,
	"INTEGRITY": true, "VERSION": true, "BUILD": true,
}

// entropyReasons returns the reason a value under name is flagged for
// looking random, when it does.
func entropyReasons(name, value string) []string {
	switch {
	case highEntropy(value) || punctuatedRandom(value):
		return []string{ReasonHighEntropy}
	case hexKey.MatchString(value) && !namesDigest(name):
		return []string{ReasonHexKey}
	}
	return nil
}

func namesDigest(name string) bool {
	for _, t := range nameTokens(name) {
		if digestWords[t] {
			return true
		}
	}
	return false
}

// punctuatedRandom reports whether value looks like a generated password:
// at least 20 printable characters without a space, of all four kinds
// (upper and lower case, digits, symbols) with a symbol base64 has not,
// close to as many distinct characters as its length allows, and at most
// one run of four lower-case letters (words are not random). Addresses,
// URLs, placeholders and query strings are left out.
func punctuatedRandom(value string) bool {
	if len(value) < 20 || len(value) > 256 || charClasses(value) < 4 {
		return false
	}
	for i := 0; i < len(value); i++ {
		if value[i] <= ' ' || value[i] > '~' {
			return false
		}
	}
	if !strings.ContainsFunc(value, func(r rune) bool { return !isBase64Char(r) }) ||
		strings.Contains(value, "://") || strings.Contains(value, "${") || strings.Contains(value, "{{") || strings.Contains(value, "$(") ||
		emailPattern.MatchString(value) || queryPattern.MatchString(value) || len(wordPattern.FindAllString(value, 2)) > 1 {
		return false
	}
	n := min(len(value), 64)
	return entropy(value) >= 0.85*math.Log2(float64(n))
}

func isBase64Char(r rune) bool {
	return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || strings.ContainsRune("+/=_-", r)
}

// highEntropy reports whether value looks randomly generated: one run of
// at least 20 letters, digits and base64 symbols, of at least three kinds of
// characters, with close to as many distinct characters as its length
// allows. Lower-case hex (commit ids, digests) and UUIDs are left out, and
// so is base64 that decodes to text (encoded configuration).
func highEntropy(value string) bool {
	if !entropyChars.MatchString(value) || uuidPattern.MatchString(value) || hexOnly.MatchString(value) {
		return false
	}
	if charClasses(value) < 3 || base64Text(value) {
		return false
	}
	n := min(len(value), 64)
	return entropy(value) >= 0.85*math.Log2(float64(n))
}

func charClasses(s string) int {
	var upper, lower, digit, symbol int
	for _, r := range s {
		switch {
		case 'A' <= r && r <= 'Z':
			upper = 1
		case 'a' <= r && r <= 'z':
			lower = 1
		case '0' <= r && r <= '9':
			digit = 1
		default:
			symbol = 1
		}
	}
	return upper + lower + digit + symbol
}

// entropy is the Shannon entropy of s's characters, in bits per character.
func entropy(s string) float64 {
	counts := map[rune]int{}
	for _, r := range s {
		counts[r]++
	}
	n := float64(utf8.RuneCountInString(s))
	var h float64
	for _, c := range counts {
		p := float64(c) / n
		h -= p * math.Log2(p)
	}
	return h
}

// base64Text reports whether s is base64 of printable text.
func base64Text(s string) bool {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		b, err := enc.DecodeString(s)
		if err != nil || !utf8.Valid(b) {
			continue
		}
		printable := 0
		for _, r := range string(b) {
			if unicode.IsPrint(r) || unicode.IsSpace(r) {
				printable++
			}
		}
		if printable == utf8.RuneCount(b) {
			return true
		}
	}
	return false
}
