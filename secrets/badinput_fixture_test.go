package secrets_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/aws/smithy-go/logging"

	"github.com/secretref/secretref/internal/testing/faultproxy"
	"github.com/secretref/secretref/internal/testing/kumotest"
	"github.com/secretref/secretref/secrets"
)

// Service limits the bad-input tests read values at.
const (
	maxSecretSize       = 64 << 10 // Secrets Manager SecretString and SecretBinary
	maxAdvancedParamLen = 8 << 10  // Parameter Store, advanced tier
)

// Names with every character each service allows in a name.
const (
	lettersAndDigits = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	everySecretChar  = "all/" + lettersAndDigits + "/_+=.@-"
	everyParamChar   = "/all/" + lettersAndDigits + "/_.-"
	everyFlatParam   = "flat_" + lettersAndDigits + ".-"
)

// Secret values the bad-input backend stores. Each is distinctive, so that
// an error text holding one is seen.
const (
	badPassword = "pw-Hq2Ld8Zr-bad-input-table"
	badJSON     = `{"username":"app","password":"` + badPassword + `","nested":{"a":[1,2]},"empty":"","pässwörd":"ünïcode-Xx7","nullfield":null}`
	badText     = "not JSON: plain-Tv5Mw1Ks-bad-input"
)

// badBinary is a binary secret that is not UTF-8.
var badBinary = []byte("\xff\xfe\xfd\x00bin-Rc4Gy6Pn\x80\x81\xc3\x28")

// randomText returns n pseudo-random letters and digits: a big value with
// no repeats, so that any part of it in an error text stands out.
func randomText(n int, seed uint64) string {
	r := rand.New(rand.NewPCG(seed, seed))
	b := make([]byte, n)
	for i := range b {
		b[i] = lettersAndDigits[r.IntN(len(lettersAndDigits))]
	}
	return string(b)
}

// badInputLoadTimeout bounds every backend fetch of the bad-input clients.
const badInputLoadTimeout = 5 * time.Second

// badInputBackend is a kumo server holding the secrets and parameters the
// bad-input tests read.
type badInputBackend struct {
	srv *kumotest.Server
	// Values at the services' size limits.
	bigSecret string // a 64 KiB SecretString
	bigField  string // the one field of a 64 KiB JSON secret
	bigParam  string // an 8 KiB advanced-tier parameter
}

// startBadInputBackend starts kumo and stores the bad-input secrets and
// parameters in it.
func startBadInputBackend(t *testing.T) *badInputBackend {
	t.Helper()
	ctx := context.Background()
	b := &badInputBackend{
		srv:       kumotest.Start(t),
		bigSecret: randomText(maxSecretSize, 1),
		bigField:  randomText(maxSecretSize-len(`{"blob":""}`), 2),
		bigParam:  randomText(maxAdvancedParamLen, 3),
	}
	sm := b.srv.SecretsManager(t)
	for name, value := range map[string]any{
		"bad/json":      badJSON,
		"bad/text":      badText,
		"bad/array":     `["` + badPassword + `"]`,
		"bad/null":      `null`,
		"bad/string":    `"` + badPassword + `"`,
		"bad/binary":    badBinary,
		"bad/big":       b.bigSecret,
		"bad/bigjson":   `{"blob":"` + b.bigField + `"}`,
		everySecretChar: "every-secret-char",
	} {
		in := &secretsmanager.CreateSecretInput{Name: aws.String(name)}
		switch v := value.(type) {
		case string:
			in.SecretString = aws.String(v)
		case []byte:
			in.SecretBinary = v
		}
		// kumo checks no size: the 64 KiB secrets are at the service's
		// limit, which the real service accepts too.
		if _, err := sm.CreateSecret(ctx, in); err != nil {
			t.Fatalf("creating secret %q: %v", name, err)
		}
	}
	params := b.srv.SSM(t)
	for name, p := range map[string]struct {
		value string
		tier  ssmtypes.ParameterTier
	}{
		"/bad/text":    {badText, ssmtypes.ParameterTierStandard},
		"/bad/big":     {b.bigParam, ssmtypes.ParameterTierAdvanced},
		everyParamChar: {"every-param-char", ssmtypes.ParameterTierStandard},
		everyFlatParam: {"every-flat-param-char", ssmtypes.ParameterTierStandard},
	} {
		if _, err := params.PutParameter(ctx, &ssm.PutParameterInput{
			Name: aws.String(name), Value: aws.String(p.value), Type: ssmtypes.ParameterTypeSecureString, Tier: p.tier,
		}); err != nil {
			t.Fatalf("putting parameter %q: %v", name, err)
		}
	}
	return b
}

// secretTexts are what no error text may show: every stored value, and
// pieces of the big ones.
func (b *badInputBackend) secretTexts() []string {
	return []string{badJSON, badPassword, badText, string(badBinary),
		b.bigSecret[:32], b.bigSecret[maxSecretSize/2:][:32], b.bigField[:32],
		b.bigParam[:32], b.bigParam[maxAdvancedParamLen-32:]}
}

// quietLogger keeps the SDK's retry warnings out of the test output.
var quietLogger = awsconfig.WithLogger(logging.Nop{})

// client returns a Client on b that makes one attempt per backend call, so
// that a refusal is not retried.
func (b *badInputBackend) client(t *testing.T) *secrets.Client {
	return newBadInputClient(t, b.srv.Config(t, awsconfig.WithRetryMaxAttempts(1), quietLogger))
}

// retryingClient returns a Client on b with the SDK's standard retryer,
// which users have on: kumo now and then closes the connection in the
// middle of a response of tens of KiB (about 1 in 100 here, with the SDK
// alone too), and the retryer sends the call again.
func (b *badInputBackend) retryingClient(t *testing.T) *secrets.Client {
	return newBadInputClient(t, b.srv.Config(t, quietLogger))
}

// closedClient returns a Client on b that read sm:bad/json#username, so
// that it had a value cached, and was then closed.
func (b *badInputBackend) closedClient(t *testing.T) *secrets.Client {
	c := newBadInputClient(t, b.srv.Config(t, quietLogger))
	if _, err := c.Get(context.Background(), "sm:bad/json#username"); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	return c
}

// nowhereClient returns a Client whose configuration has no endpoint
// override: the SDK resolves secretsmanager.xx-nowhere-9.amazonaws.com,
// through a resolver that answers "no such host" on a loopback port, so
// that the test sends nothing off the machine. No proxy either, for the
// same reason.
func (b *badInputBackend) nowhereClient(t *testing.T) *secrets.Client {
	cfg := b.srv.Config(t, awsconfig.WithRetryMaxAttempts(1), quietLogger)
	cfg.BaseEndpoint = nil
	cfg.HTTPClient = awshttp.NewBuildableClient().
		WithTransportOptions(func(tr *http.Transport) { tr.Proxy = nil }).
		WithDialerOptions(func(d *net.Dialer) { d.Resolver = faultproxy.Resolver(t) })
	return newBadInputClient(t, cfg)
}

// emptySecretClient returns a Client on the memory provider holding the
// secret "empty" with an empty value: kumo refuses an empty SecretString
// (it answers "not found" when asked for it), and Parameter Store refuses
// an empty value.
func emptySecretClient(t *testing.T) *secrets.Client {
	c, store := newMemoryClient(t)
	store.Put("empty", "")
	return c
}

func newBadInputClient(t *testing.T, cfg aws.Config) *secrets.Client {
	t.Helper()
	return newAWSClient(t, cfg, func(o *secrets.Options) { o.LoadTimeout = badInputLoadTimeout })
}

// clientOp is a Client method under test, brought to one reference and one
// value.
type clientOp func(c *secrets.Client, ctx context.Context, ref string) (secrets.Value, error)

func opGet(c *secrets.Client, ctx context.Context, ref string) (secrets.Value, error) {
	return c.Get(ctx, ref)
}

func opRefresh(c *secrets.Client, ctx context.Context, ref string) (secrets.Value, error) {
	return c.Refresh(ctx, ref)
}

func opGetMany(c *secrets.Client, ctx context.Context, ref string) (secrets.Value, error) {
	vals, err := c.GetMany(ctx, ref)
	return vals[ref], err
}

func opWatch(c *secrets.Client, _ context.Context, ref string) (secrets.Value, error) {
	stop, err := c.Watch(ref, func(secrets.Value) {})
	if err == nil {
		stop()
	}
	return secrets.Value{}, err
}

func opCandidates(c *secrets.Client, ctx context.Context, ref string) (secrets.Value, error) {
	vals, err := c.Candidates(ctx, ref)
	if len(vals) == 0 {
		return secrets.Value{}, err
	}
	return vals[0], err
}

// outcome is what one call gave.
type outcome struct {
	v   secrets.Value
	err error
}

// get reads ref from c with a deadline of twice the load timeout.
func get(t *testing.T, c *secrets.Client, ref string) outcome {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*badInputLoadTimeout)
	defer cancel()
	return callOpWith(t, ctx, c, opGet, ref)
}

// callOpWith runs op on ref with ctx and fails t if it did not return in
// good time.
func callOpWith(t *testing.T, ctx context.Context, c *secrets.Client, op clientOp, ref string) outcome {
	t.Helper()
	start := time.Now()
	v, err := op(c, ctx, ref)
	// A generous bound: the point is that nothing hangs.
	if elapsed := time.Since(start); elapsed > 2*badInputLoadTimeout+5*time.Second {
		t.Errorf("took %v", elapsed.Round(time.Millisecond))
	}
	return outcome{v, err}
}

// checkValue fails t unless got is a value of the bytes want, binary or
// not as binary says.
func checkValue(t *testing.T, got outcome, want []byte, binary bool) {
	t.Helper()
	switch {
	case got.err != nil:
		t.Fatalf("error %v, want a %d-byte value", got.err, len(want))
	case !bytes.Equal(got.v.Bytes(), want):
		t.Fatalf("a %d-byte value, want a different %d-byte one", got.v.Len(), len(want))
	case got.v.IsBinary() != binary:
		t.Fatalf("binary %v, want %v", got.v.IsBinary(), binary)
	}
}

// refusal is the error a call must fail with.
type refusal struct {
	class error  // what the error wraps
	ref   string // what the error's *secrets.RefError names
	// anyRef is set when the error names no one reference: GetMany
	// without a context.
	anyRef bool
}

// checkRefused fails t unless got is an error as want says, with no value,
// whose text shows none of b's secrets.
func (b *badInputBackend) checkRefused(t *testing.T, got outcome, want refusal) {
	t.Helper()
	if got.err == nil {
		t.Fatalf("a %d-byte value, want an error wrapping %v", got.v.Len(), want.class)
	}
	for _, text := range []string{got.err.Error(), fmt.Sprintf("%+v", got.err), fmt.Sprintf("%#v", got.err)} {
		if found := leaks(text, b.secretTexts()...); len(found) > 0 {
			t.Fatalf("the error's text shows %s", strings.Join(found, "; "))
		}
	}
	if !errors.Is(got.err, want.class) {
		t.Fatalf("error %v, want one wrapping %v", got.err, want.class)
	}
	var re *secrets.RefError
	if !errors.As(got.err, &re) || re.Ref != want.ref && !want.anyRef {
		t.Errorf("error %v is not a *secrets.RefError naming the reference", got.err)
	}
	if got.v != (secrets.Value{}) {
		t.Errorf("a %d-byte value with the error, want none", got.v.Len())
	}
}

// namedRef is a reference with the name of its subtest.
type namedRef struct{ name, ref string }

// checkEachRefused reads each of refs from c in a subtest of its name, and
// checks that the read fails with an error of class naming the reference.
func (b *badInputBackend) checkEachRefused(t *testing.T, c *secrets.Client, class error, refs []namedRef) {
	t.Helper()
	for _, r := range refs {
		t.Run(r.name, func(t *testing.T) {
			b.checkRefused(t, get(t, c, r.ref), refusal{class: class, ref: r.ref})
		})
	}
}

// opCase is a call of one Client method on one reference.
type opCase struct {
	name string
	op   clientOp
	ref  string
	// anyRef is set when the error names no one reference.
	anyRef bool
}

// checkEachOpRefused makes each call of cases on c with ctx in a subtest of
// its name, and checks that it fails with an error of class.
func (b *badInputBackend) checkEachOpRefused(t *testing.T, c *secrets.Client, ctx context.Context, class error, cases []opCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b.checkRefused(t, callOpWith(t, ctx, c, tc.op, tc.ref), refusal{class: class, ref: tc.ref, anyRef: tc.anyRef})
		})
	}
}
