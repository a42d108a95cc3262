package audit

import (
	"encoding/base64"
	"math/rand/v2"
	"strings"
)

// The credential-shaped values of these tests are assembled at run time
// from parts, and spelled with EXAMPLE, so that no string in the source
// looks like a credential and none can be mistaken for a real one. The two
// AWS keys are the examples of AWS's own documentation.
const (
	exampleAccessKeyID = "AKIAIOSFODNN7EXAMPLE"
	exampleSecretKey   = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
)

func fake(parts ...string) string { return strings.Join(parts, "") }

func exampleFill(n int) string { return strings.Repeat("EXAMPLE0", n/8+1)[:n] }

var (
	fakeGitHubToken  = fake("gh", "p_", exampleFill(36))
	fakeGitHubPAT    = fake("github", "_pat_", exampleFill(60))
	fakeSlackToken   = fake("xo", "xb-", "000000000000-", exampleFill(24))
	fakeSlackWebhook = fake("https://hooks.", "slack.com/services/", "T00000000/B00000000/", exampleFill(24))
	fakeStripeKey    = fake("sk", "_live_", exampleFill(24))
	fakeStripeHook   = fake("wh", "sec_", exampleFill(32))
	fakeStripePublic = fake("pk", "_live_", exampleFill(24))
	fakePrivateKey   = fake("-----BEGIN ", "RSA PRIVATE KEY-----\n", "EXAMPLE\n", "-----END ", "RSA PRIVATE KEY-----\n")
	fakeJWT          = fake(b64(`{"alg":"HS256","typ":"JWT"}`), ".", b64(`{"sub":"example"}`), ".", "EXAMPLE-signature")
	// fakeRandom, fakePunctuated and fakeHexKey are random-looking, drawn
	// at run time from fixed seeds: a base64-like string, a password of the
	// kind generators make (GetRandomPassword's alphabet), a 256-bit key in
	// hex.
	fakeRandom     = randomString(32, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", 1)
	fakePunctuated = randomString(32, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", 2)
	fakeHexKey     = randomString(64, "0123456789abcdef", 3)
)

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func randomString(n int, alphabet string, seed uint64) string {
	r := rand.New(rand.NewPCG(seed, 2))
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return string(b)
}
