package secrets_test

import (
	"context"
	"errors"
	"hash/fnv"
	"net"
	"net/http"
	"net/url"
	"reflect"
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
	"github.com/secretref/secretref/internal/testing/poll"
	"github.com/secretref/secretref/providers"
	"github.com/secretref/secretref/secrets"
)

// faultClass is the error each fault must give a caller with nothing
// cached.
var faultClass = map[faultproxy.Fault]error{
	faultproxy.InternalError: secrets.ErrUnavailable,
	faultproxy.Unavailable:   secrets.ErrUnavailable,
	faultproxy.Throttle:      secrets.ErrThrottled,
	faultproxy.AccessDenied:  secrets.ErrAccessDenied,
	faultproxy.MalformedBody: secrets.ErrUnavailable,
	faultproxy.EmptyBody:     secrets.ErrUnavailable,
	faultproxy.TruncatedBody: secrets.ErrUnavailable,
	faultproxy.SlowBody:      secrets.ErrUnavailable, // the load times out
	faultproxy.Reset:         secrets.ErrUnavailable,
	faultproxy.Hang:          secrets.ErrUnavailable, // the load times out
}

const (
	// faultLoadTimeout bounds each fetch: a stalled response fails after it.
	faultLoadTimeout = time.Second
	// faultDeadline is the deadline of each read, well past faultLoadTimeout.
	faultDeadline = 10 * time.Second
	// hangSlack is how far past its deadline a read may return before it
	// counts as a hang: generous, for a busy machine.
	hangSlack = 5 * time.Second
)

// faultBackend is kumo behind a fault-injecting proxy.
type faultBackend struct {
	srv   *kumotest.Server
	proxy *faultproxy.Proxy
	cfg   aws.Config // through the proxy, without SDK retries
}

func newFaultBackend(t *testing.T) *faultBackend {
	t.Helper()
	srv := kumotest.Start(t)
	p := faultproxy.New(t, srv.URL)
	cfg := srv.ConfigWithEndpoint(t, p.URL, awsconfig.WithRetryMaxAttempts(1), awsconfig.WithLogger(logging.Nop{}))
	return &faultBackend{srv: srv, proxy: p, cfg: cfg}
}

// faultTarget is a kind of secret a fault is injected into the reads of.
type faultTarget struct {
	name      string
	operation string // the call the proxy fails
	// put stores value under a name made from id, and returns the
	// reference that reads it back.
	put func(t *testing.T, b *faultBackend, id, value string) (ref string)
}

var faultTargets = []faultTarget{
	{"secret", "GetSecretValue", func(t *testing.T, b *faultBackend, id, value string) string {
		name := "faults/" + id
		sm := b.srv.SecretsManager(t)
		body := `{"username":"app","password":"` + value + `"}`
		_, err := sm.PutSecretValue(context.Background(), &secretsmanager.PutSecretValueInput{SecretId: aws.String(name), SecretString: aws.String(body)})
		if err != nil {
			_, err = sm.CreateSecret(context.Background(), &secretsmanager.CreateSecretInput{Name: aws.String(name), SecretString: aws.String(body)})
		}
		if err != nil {
			t.Fatal(err)
		}
		return "sm:" + name + "#password"
	}},
	{"parameter", "GetParameter", func(t *testing.T, b *faultBackend, id, value string) string {
		name := "/faults/" + id
		if _, err := b.srv.SSM(t).PutParameter(context.Background(), &ssm.PutParameterInput{
			Name: aws.String(name), Value: aws.String(value), Type: ssmtypes.ParameterTypeSecureString, Overwrite: aws.Bool(true),
		}); err != nil {
			t.Fatal(err)
		}
		return name
	}},
}

// faultSecret returns a distinctive value for version of the secret id.
func faultSecret(id, version string) string {
	h := fnv.New64a()
	h.Write([]byte(id + "\x00" + version))
	return "pw-" + randomText(24, h.Sum64())
}

// readWithin calls c.Get with a deadline and fails t if it returns
// hangSlack or more after the deadline.
func readWithin(t *testing.T, c *secrets.Client, ref string, timeout time.Duration) (secrets.Value, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	deadline, _ := ctx.Deadline()
	v, err := c.Get(ctx, ref)
	if late := time.Since(deadline); late > hangSlack {
		t.Errorf("Get(%q) returned %v after its deadline", ref, late.Round(time.Millisecond))
	}
	return v, err
}

// checkFaultError checks that err is classified as want and that neither
// its text nor the fields of any error it wraps show a secret.
func checkFaultError(t *testing.T, err, want error, secretTexts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one wrapping %v", want)
	}
	for _, text := range errorTexts(err) {
		if found := leaks(text, secretTexts...); len(found) > 0 {
			t.Fatalf("the error shows %s", strings.Join(found, "; "))
		}
	}
	if !errors.Is(err, want) {
		t.Fatalf("error %v, want one wrapping %v", err, want)
	}
}

// errorTexts returns the message of err and of each error it wraps, with
// the string and byte-slice fields of each: what an error reporter that
// walks the chain could print.
func errorTexts(err error) []string {
	var out []string
	var walk func(error, int)
	walk = func(e error, depth int) {
		if e == nil || depth > 32 {
			return
		}
		out = append(out, e.Error())
		rv := reflect.ValueOf(e)
		for (rv.Kind() == reflect.Pointer || rv.Kind() == reflect.Interface) && !rv.IsNil() {
			rv = rv.Elem()
		}
		if rv.Kind() == reflect.Struct {
			for _, f := range rv.Fields() {
				switch {
				case f.Kind() == reflect.String:
					out = append(out, f.String())
				case f.Kind() == reflect.Slice && f.Type().Elem().Kind() == reflect.Uint8:
					out = append(out, string(f.Bytes()))
				}
			}
		}
		switch u := e.(type) {
		case interface{ Unwrap() error }:
			walk(u.Unwrap(), depth+1)
		case interface{ Unwrap() []error }:
			for _, w := range u.Unwrap() {
				walk(w, depth+1)
			}
		}
	}
	walk(err, 0)
	return out
}

// With nothing cached, every fault gives the caller a classified error
// before its deadline, and once the fault is gone the next read gets the
// whole value: nothing partial was cached.
func TestFaultsWithNothingCached(t *testing.T) {
	b := newFaultBackend(t)
	for _, f := range faultproxy.Faults {
		for _, target := range faultTargets {
			t.Run(f.String()+"/"+target.name, func(t *testing.T) {
				id := "empty-cache-" + f.String() + "-" + target.name
				secret := faultSecret(id, "v1")
				ref := target.put(t, b, id, secret)
				c := newAWSClient(t, b.cfg, func(o *secrets.Options) { o.LoadTimeout = faultLoadTimeout })

				injected := b.proxy.Injected()
				b.proxy.FailOperation(target.operation, f, 1)
				v, err := readWithin(t, c, ref, faultDeadline)
				if n := b.proxy.Injected() - injected; n != 1 {
					t.Fatalf("%d faults injected, want 1", n)
				}
				if err == nil {
					t.Fatalf("a %d-byte value (binary %v) through the fault, want an error wrapping %v", v.Len(), v.IsBinary(), faultClass[f])
				}
				checkFaultError(t, err, faultClass[f], secret)
				if v != (secrets.Value{}) {
					t.Errorf("a %d-byte value with the error", v.Len())
				}

				got, err := readWithin(t, c, ref, faultDeadline)
				if err != nil {
					t.Fatalf("after the fault: %v", err)
				}
				if got.Reveal() != secret {
					t.Fatalf("after the fault: a %d-byte value, want the whole %d-byte one", got.Len(), len(secret))
				}
			})
		}
	}
}

// With a good value cached and past its expiry, a transient fault on the
// refresh serves the last good value, with no error; a refusal (access
// denied) is not hidden behind it. Once the fault is gone, the next version
// is read whole.
func TestFaultsServeLastGoodValue(t *testing.T) {
	b := newFaultBackend(t)
	for _, f := range faultproxy.Faults {
		for _, target := range faultTargets {
			t.Run(f.String()+"/"+target.name, func(t *testing.T) {
				id := "stale-" + f.String() + "-" + target.name
				v1, v2 := faultSecret(id, "v1"), faultSecret(id, "v2")
				ref := target.put(t, b, id, v1)
				clock := newClock()
				c := newAWSClient(t, b.cfg, func(o *secrets.Options) {
					o.Clock = clock
					o.TTL = time.Minute
					o.Jitter = secrets.Disabled
					o.MaxStale = time.Hour
					o.LoadTimeout = faultLoadTimeout
				})
				if got, err := readWithin(t, c, ref, faultDeadline); err != nil || got.Reveal() != v1 {
					t.Fatalf("first read: a %d-byte value, %v", got.Len(), err)
				}
				target.put(t, b, id, v2)
				clock.Advance(2 * time.Minute) // past the TTL, within MaxStale

				b.proxy.FailOperation(target.operation, f, 1)
				got, err := readWithin(t, c, ref, faultDeadline)
				class := faultClass[f]
				switch {
				case !providers.IsTransient(class):
					checkFaultError(t, err, class, v1, v2)
				case err != nil:
					t.Fatalf("a transient fault on the refresh: %v, want the last good value", err)
				case got.Reveal() != v1:
					t.Fatalf("a transient fault on the refresh: a %d-byte value (binary %v), want the last good %d-byte one", got.Len(), got.IsBinary(), len(v1))
				case c.Stats().StaleServes == 0:
					t.Errorf("the last good value was served, but not counted as stale")
				}

				// The fault is gone; a retry, due within a few seconds of
				// the failure (which a stalled load records only when it
				// times out, after the read was served), reads the new
				// version.
				poll.Until(t, "the new version", func() bool {
					clock.Advance(time.Second)
					got, err := readWithin(t, c, ref, faultDeadline)
					return err == nil && got.Reveal() == v2
				})
			})
		}
	}
}

// A caller whose deadline comes before the load's timeout is not held past
// it by a stalled response, and Close ends the stalled load at once.
func TestStalledResponseHonoursTheCallersDeadline(t *testing.T) {
	b := newFaultBackend(t)
	for _, target := range faultTargets {
		t.Run(target.name, func(t *testing.T) {
			ref := target.put(t, b, "stalled-"+target.name, faultSecret("stalled", target.name))
			c := newAWSClient(t, b.cfg) // the default load timeout: 30 s
			b.proxy.FailOperation(target.operation, faultproxy.SlowBody, 1)
			// readWithin fails the test if the read outlives its deadline.
			_, err := readWithin(t, c, ref, 200*time.Millisecond)
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("error %v, want the deadline's", err)
			}
			start := time.Now()
			if err := c.Close(); err != nil {
				t.Fatal(err)
			}
			if d := time.Since(start); d > hangSlack {
				t.Errorf("Close took %v with a stalled load in flight", d.Round(time.Millisecond))
			}
		})
	}
}

// An endpoint whose host name does not resolve gives ErrUnavailable before
// the caller's deadline. A host name is only resolved for a new connection,
// so this is tested with nothing cached.
func TestEndpointThatDoesNotResolve(t *testing.T) {
	b := newFaultBackend(t)
	u, err := url.Parse(b.proxy.URL)
	if err != nil {
		t.Fatal(err)
	}
	cfg := b.srv.ConfigWithEndpoint(t, "http://secrets.faults.invalid:"+u.Port(), awsconfig.WithRetryMaxAttempts(1), awsconfig.WithLogger(logging.Nop{}))
	// The loopback resolver answers "no such host" without a query leaving
	// the machine, whatever the machine's resolver makes of .invalid.
	// No proxy from the environment either: it would resolve the name.
	cfg.HTTPClient = awshttp.NewBuildableClient().
		WithTransportOptions(func(tr *http.Transport) { tr.Proxy = nil }).
		WithDialerOptions(func(d *net.Dialer) { d.Resolver = faultproxy.Resolver(t) })
	c := newAWSClient(t, cfg, func(o *secrets.Options) { o.LoadTimeout = faultLoadTimeout })
	for _, target := range faultTargets {
		secret := faultSecret("dns", target.name)
		ref := target.put(t, b, "dns-"+target.name, secret)
		_, err := readWithin(t, c, ref, faultDeadline)
		checkFaultError(t, err, secrets.ErrUnavailable, secret)
		var dnsErr *net.DNSError
		if !errors.As(err, &dnsErr) || !dnsErr.IsNotFound {
			t.Errorf("Get(%q): %v, want a DNS \"no such host\" error", ref, err)
		}
	}
	if n := b.proxy.Requests(); n != 0 {
		t.Errorf("%d requests reached the proxy through a name that does not resolve", n)
	}
}
