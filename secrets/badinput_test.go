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

// Service limits the table tests at.
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

// Secret values the bad-input table stores. Each is distinctive, so that an
// error text holding one is seen.
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

// badInputCase is one row of TestBadInput.
type badInputCase struct {
	name string
	c    *secrets.Client
	// ctx gives the context to call with; nil: one with a deadline.
	ctx func() context.Context
	// call is what is called; nil: Get.
	call func(c *secrets.Client, ctx context.Context, ref string) (secrets.Value, error)
	ref  string
	want error // the class of the error; nil: the call succeeds
	// refless is set when the error names no one reference: GetMany
	// without a context.
	refless bool
	// value and binary are what a successful call returns.
	value  []byte
	binary bool
}

// badInputLoadTimeout bounds every backend fetch of the table's clients.
const badInputLoadTimeout = 5 * time.Second

func TestBadInput(t *testing.T) {
	ctx := context.Background()
	srv := kumotest.Start(t)
	bigSecret := randomText(maxSecretSize, 1)
	bigField := randomText(maxSecretSize-len(`{"blob":""}`), 2)
	bigJSON := `{"blob":"` + bigField + `"}`
	bigParam := randomText(maxAdvancedParamLen, 3)

	sm := srv.SecretsManager(t)
	for name, value := range map[string]any{
		"bad/json":      badJSON,
		"bad/text":      badText,
		"bad/array":     `["` + badPassword + `"]`,
		"bad/null":      `null`,
		"bad/string":    `"` + badPassword + `"`,
		"bad/binary":    badBinary,
		"bad/big":       bigSecret,
		"bad/bigjson":   bigJSON,
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
	for name, p := range map[string]struct {
		value string
		tier  ssmtypes.ParameterTier
	}{
		"/bad/text":    {badText, ssmtypes.ParameterTierStandard},
		"/bad/big":     {bigParam, ssmtypes.ParameterTierAdvanced},
		everyParamChar: {"every-param-char", ssmtypes.ParameterTierStandard},
		everyFlatParam: {"every-flat-param-char", ssmtypes.ParameterTierStandard},
	} {
		if _, err := srv.SSM(t).PutParameter(ctx, &ssm.PutParameterInput{
			Name: aws.String(name), Value: aws.String(p.value), Type: ssmtypes.ParameterTypeSecureString, Tier: p.tier,
		}); err != nil {
			t.Fatalf("putting parameter %q: %v", name, err)
		}
	}

	quiet := awsconfig.WithLogger(logging.Nop{})
	newClient := func(cfg aws.Config) *secrets.Client {
		c, err := secrets.New(ctx, func(o *secrets.Options) { o.AWSConfig = &cfg; o.LoadTimeout = badInputLoadTimeout })
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.Close() })
		return c
	}
	kc := newClient(srv.Config(t, awsconfig.WithRetryMaxAttempts(1), quiet))
	// kumo now and then closes the connection in the middle of a response
	// of tens of KiB (about 1 in 100 here, with the SDK alone too); the
	// SDK's standard retryer, which users have on, sends the call again.
	bc := newClient(srv.Config(t, quiet))
	if _, err := kc.Get(ctx, "sm:bad/json#username"); err != nil {
		t.Fatal(err) // cached: read below with a cancelled context
	}

	// kumo refuses an empty SecretString (it answers "not found" when
	// asked for it), and Parameter Store refuses an empty value: an empty
	// secret is served by the memory provider.
	mc, store := newMemoryClient(t)
	store.Put("empty", "")

	// No endpoint override: the SDK resolves secretsmanager.xx-nowhere-9.amazonaws.com,
	// through a resolver that answers "no such host" on a loopback port,
	// so that the test sends nothing off the machine. No proxy either, for
	// the same reason.
	nowhereCfg := srv.Config(t, awsconfig.WithRetryMaxAttempts(1), quiet)
	nowhereCfg.BaseEndpoint = nil
	nowhereCfg.HTTPClient = awshttp.NewBuildableClient().
		WithTransportOptions(func(tr *http.Transport) { tr.Proxy = nil }).
		WithDialerOptions(func(d *net.Dialer) { d.Resolver = faultproxy.Resolver(t) })
	nowhere := newClient(nowhereCfg)

	closed := newClient(srv.Config(t, quiet))
	if _, err := closed.Get(ctx, "sm:bad/json#username"); err != nil {
		t.Fatal(err)
	}
	if err := closed.Close(); err != nil {
		t.Fatal(err)
	}

	cancelled := func() context.Context {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		return ctx
	}
	expired := func() context.Context {
		ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
		t.Cleanup(cancel)
		return ctx
	}
	noContext := func() context.Context { return nil }
	refresh := func(c *secrets.Client, ctx context.Context, ref string) (secrets.Value, error) {
		return c.Refresh(ctx, ref)
	}
	getMany := func(c *secrets.Client, ctx context.Context, ref string) (secrets.Value, error) {
		vals, err := c.GetMany(ctx, ref)
		return vals[ref], err
	}
	watch := func(c *secrets.Client, _ context.Context, ref string) (secrets.Value, error) {
		stop, err := c.Watch(ref, func(secrets.Value) {})
		if err == nil {
			stop()
		}
		return secrets.Value{}, err
	}
	candidates := func(c *secrets.Client, ctx context.Context, ref string) (secrets.Value, error) {
		vals, err := c.Candidates(ctx, ref)
		if len(vals) == 0 {
			return secrets.Value{}, err
		}
		return vals[0], err
	}
	nowhereARN := "arn:aws:secretsmanager:xx-nowhere-9:" + kumotest.Account + ":secret:bad/json"
	smARN := kumotest.SecretARN("bad/json")

	for _, tc := range []badInputCase{
		// Malformed references.
		{name: "empty reference", c: kc, ref: "", want: secrets.ErrInvalidReference},
		{name: "leading space", c: kc, ref: " sm:bad/json", want: secrets.ErrInvalidReference},
		{name: "trailing newline", c: kc, ref: "sm:bad/json\n", want: secrets.ErrInvalidReference},
		{name: "NUL inside", c: kc, ref: "sm:bad\x00json", want: secrets.ErrInvalidReference},
		{name: "invalid UTF-8", c: kc, ref: "sm:bad/\xff\xfe", want: secrets.ErrInvalidReference},
		{name: "unknown scheme", c: kc, ref: "vault:bad/json", want: secrets.ErrInvalidReference},
		{name: "empty secret name", c: kc, ref: "sm:", want: secrets.ErrInvalidReference},
		{name: "empty key", c: kc, ref: "sm:bad/json#", want: secrets.ErrInvalidReference},
		{name: "space in a secret name", c: kc, ref: "sm:bad json", want: secrets.ErrInvalidReference},
		{name: "secret name too long", c: kc, ref: "sm:" + strings.Repeat("n", 513), want: secrets.ErrInvalidReference},
		{name: "reference too long", c: kc, ref: "file:/" + strings.Repeat("f", 5000), want: secrets.ErrInvalidReference},
		{name: "stage and version id", c: kc, ref: "sm:bad/json?stage=AWSCURRENT&version-id=v1", want: secrets.ErrInvalidReference},
		{name: "parameter given twice", c: kc, ref: "sm:bad/json?stage=A&stage=B", want: secrets.ErrInvalidReference},
		{name: "decrypt on a secret", c: kc, ref: "sm:bad/json?decrypt=false", want: secrets.ErrInvalidReference},
		{name: "stage on a parameter", c: kc, ref: "ssm:/bad/text?stage=AWSCURRENT", want: secrets.ErrInvalidReference},
		{name: "bad version id", c: kc, ref: "sm:bad/json?version-id=has/slash", want: secrets.ErrInvalidReference},
		{name: "ARN with a short account", c: kc, ref: "arn:aws:secretsmanager:us-east-1:12345:secret:bad/json", want: secrets.ErrInvalidReference},
		{name: "ARN with a malformed region", c: kc, ref: "arn:aws:secretsmanager:moon:" + kumotest.Account + ":secret:bad/json", want: secrets.ErrInvalidReference},
		{name: "ARN of another service", c: kc, ref: "arn:aws:s3:::bucket/key", want: secrets.ErrInvalidReference},
		{name: "ARN with two valueFrom fields", c: kc, ref: smARN + ":password:AWSCURRENT", want: secrets.ErrInvalidReference},
		{name: "key in the ARN and after #", c: kc, ref: smARN + ":password::#username", want: secrets.ErrInvalidReference},
		{name: "parameter path with an empty level", c: kc, ref: "/bad//text", want: secrets.ErrInvalidReference},
		{name: "parameter path ending in /", c: kc, ref: "/bad/text/", want: secrets.ErrInvalidReference},
		{name: "parameter path too deep", c: kc, ref: strings.Repeat("/d", 16), want: secrets.ErrInvalidReference},
		{name: "parameter name with a secret's character", c: kc, ref: "/bad/te+xt", want: secrets.ErrInvalidReference},
		{name: "parameter version zero", c: kc, ref: "/bad/text:0", want: secrets.ErrInvalidReference},
		{name: "parameter label starting with a digit", c: kc, ref: "/bad/text:1abc", want: secrets.ErrInvalidReference},
		{name: "decrypt=false on a passthrough", c: kc, ref: "/aws/reference/secretsmanager/bad/json?decrypt=false", want: secrets.ErrInvalidReference},
		{name: "environment variable name", c: kc, ref: "env:1BAD", want: secrets.ErrInvalidReference},

		// #key on what has no such key.
		{name: "#key on a binary secret", c: kc, ref: "sm:bad/binary#password", want: secrets.ErrInvalidValue},
		{name: "#key on a text secret", c: kc, ref: "sm:bad/text#password", want: secrets.ErrInvalidValue},
		{name: "#key on a text parameter", c: kc, ref: "/bad/text#password", want: secrets.ErrInvalidValue},
		{name: "#key on a JSON array", c: kc, ref: "sm:bad/array#0", want: secrets.ErrInvalidValue},
		{name: "#key on a JSON string", c: kc, ref: "sm:bad/string#password", want: secrets.ErrInvalidValue},
		{name: "#key on JSON null", c: kc, ref: "sm:bad/null#password", want: secrets.ErrInvalidValue},
		{name: "#key missing", c: kc, ref: "sm:bad/json#passwd", want: secrets.ErrKeyNotFound},
		{name: "#key differing in case", c: kc, ref: "sm:bad/json#Password", want: secrets.ErrKeyNotFound},
		{name: "#key in an ARN's valueFrom, missing", c: kc, ref: smARN + ":passwd::", want: secrets.ErrKeyNotFound},
		{name: "#key of a null field", c: kc, ref: "sm:bad/json#nullfield", value: []byte("null")},
		{name: "#key of an empty field", c: kc, ref: "sm:bad/json#empty", value: []byte{}},
		{name: "#key of an object field", c: kc, ref: "sm:bad/json#nested", value: []byte(`{"a":[1,2]}`)},
		{name: "#key that is not ASCII", c: kc, ref: "sm:bad/json#pässwörd", value: []byte("ünïcode-Xx7")},
		{name: "#key with '#' and '?' in it", c: kc, ref: "sm:bad/json#pass#word?", want: secrets.ErrKeyNotFound},

		// Values at the edges.
		{name: "empty secret", c: mc, ref: "sm:empty", value: []byte{}},
		{name: "#key on an empty secret", c: mc, ref: "sm:empty#password", want: secrets.ErrInvalidValue},
		{name: "64 KiB secret", c: bc, ref: "sm:bad/big", value: []byte(bigSecret)},
		{name: "field of a 64 KiB JSON secret", c: bc, ref: "sm:bad/bigjson#blob", value: []byte(bigField)},
		{name: "8 KiB advanced-tier parameter", c: bc, ref: "/bad/big", value: []byte(bigParam)},
		{name: "non-UTF-8 binary secret", c: kc, ref: "sm:bad/binary", value: badBinary, binary: true},
		{name: "secret name with every character", c: kc, ref: "sm:" + everySecretChar, value: []byte("every-secret-char")},
		{name: "bare secret name with every character", c: kc, ref: everySecretChar, value: []byte("every-secret-char")},
		{name: "ARN of a name with every character", c: kc, ref: kumotest.SecretARN(everySecretChar), value: []byte("every-secret-char")},
		{name: "parameter path with every character", c: kc, ref: everyParamChar, value: []byte("every-param-char")},
		{name: "flat parameter name with every character", c: kc, ref: "ssm:" + everyFlatParam, value: []byte("every-flat-param-char")},

		// What the backend does not have.
		{name: "secret that does not exist", c: kc, ref: "sm:bad/none", want: secrets.ErrNotFound},
		{name: "parameter that does not exist", c: kc, ref: "/bad/none", want: secrets.ErrNotFound},
		{name: "version that does not exist", c: kc, ref: "sm:bad/json?version-id=00000000-0000-0000-0000-000000000000", want: secrets.ErrNotFound},
		{name: "region that does not exist", c: nowhere, ref: nowhereARN, want: secrets.ErrUnavailable},
		{name: "region that does not exist, #key", c: nowhere, ref: nowhereARN + ":password::", want: secrets.ErrUnavailable},

		// Contexts.
		// A read that must wait for a fetch ends with the context, and a
		// cached value needs no waiting. References no other row reads,
		// so that nothing is cached for them.
		{name: "cancelled context", c: kc, ctx: cancelled, ref: kumotest.SecretARN("bad/text"), want: context.Canceled},
		{name: "cancelled context, cached value", c: kc, ctx: cancelled, ref: "sm:bad/json#username", value: []byte("app")},
		{name: "deadline passed", c: kc, ctx: expired, ref: kumotest.SecretARN("bad/null"), want: context.DeadlineExceeded},
		{name: "nil context", c: kc, ctx: noContext, ref: "sm:bad/json", want: secrets.ErrInvalidArgument},
		{name: "nil context, malformed reference", c: kc, ctx: noContext, ref: "sm:", want: secrets.ErrInvalidArgument},
		{name: "nil context, Refresh", c: kc, ctx: noContext, call: refresh, ref: "sm:bad/json", want: secrets.ErrInvalidArgument},
		{name: "nil context, GetMany", c: kc, ctx: noContext, call: getMany, ref: "sm:bad/json", want: secrets.ErrInvalidArgument, refless: true},
		{name: "nil context, Candidates", c: kc, ctx: noContext, call: candidates, ref: "sm:bad/json", want: secrets.ErrInvalidArgument},

		// A closed Client.
		{name: "closed, value it had cached", c: closed, ref: "sm:bad/json#username", want: secrets.ErrClosed},
		{name: "closed, new reference", c: closed, ref: "sm:bad/text", want: secrets.ErrClosed},
		{name: "closed, Refresh", c: closed, call: refresh, ref: "sm:bad/json", want: secrets.ErrClosed},
		{name: "closed, GetMany", c: closed, call: getMany, ref: "/bad/text", want: secrets.ErrClosed},
		{name: "closed, Watch", c: closed, call: watch, ref: "sm:bad/json", want: secrets.ErrClosed},
		{name: "closed, Candidates", c: closed, call: candidates, ref: "sm:bad/json", want: secrets.ErrClosed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkBadInput(t, tc, badJSON, badPassword, badText, string(badBinary),
				bigSecret[:32], bigSecret[maxSecretSize/2:][:32], bigField[:32], bigParam[:32], bigParam[maxAdvancedParamLen-32:])
		})
	}
}

// checkBadInput runs one row of TestBadInput. secretTexts are what no error
// text may show.
func checkBadInput(t *testing.T, tc badInputCase, secretTexts ...string) {
	ctx := context.Background()
	if tc.ctx != nil {
		ctx = tc.ctx()
	} else {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 2*badInputLoadTimeout)
		defer cancel()
	}
	call := tc.call
	if call == nil {
		call = func(c *secrets.Client, ctx context.Context, ref string) (secrets.Value, error) {
			return c.Get(ctx, ref)
		}
	}
	start := time.Now()
	v, err := call(tc.c, ctx, tc.ref)
	// A generous bound: the point is that nothing hangs.
	if elapsed := time.Since(start); elapsed > 2*badInputLoadTimeout+5*time.Second {
		t.Errorf("took %v", elapsed.Round(time.Millisecond))
	}
	if tc.want == nil {
		switch {
		case err != nil:
			t.Fatalf("error %v, want a %d-byte value", err, len(tc.value))
		case !bytes.Equal(v.Bytes(), tc.value):
			t.Fatalf("a %d-byte value, want a different %d-byte one", v.Len(), len(tc.value))
		case v.IsBinary() != tc.binary:
			t.Fatalf("binary %v, want %v", v.IsBinary(), tc.binary)
		}
		return
	}
	if err == nil {
		t.Fatalf("a %d-byte value, want an error wrapping %v", v.Len(), tc.want)
	}
	for _, text := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)} {
		if found := leaks(text, secretTexts...); len(found) > 0 {
			t.Fatalf("the error's text shows %s", strings.Join(found, "; "))
		}
	}
	if !errors.Is(err, tc.want) {
		t.Fatalf("error %v, want one wrapping %v", err, tc.want)
	}
	var re *secrets.RefError
	if !errors.As(err, &re) || re.Ref != tc.ref && !tc.refless {
		t.Errorf("error %v is not a *secrets.RefError naming the reference", err)
	}
	if v != (secrets.Value{}) {
		t.Errorf("a %d-byte value with the error, want none", v.Len())
	}
}
