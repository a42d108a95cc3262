package dbauth_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	rdsauth "github.com/aws/aws-sdk-go-v2/feature/rds/auth"

	"github.com/secretref/secretref/internal/testing/fakeclock"
	"github.com/secretref/secretref/secrets"
	"github.com/secretref/secretref/secrets/dbauth"
)

// Fake keys in the form of AWS's documentation's; no real credentials.
const (
	fakeKeyID  = "AKIAIOSFODNN7EXAMPLE"
	fakeSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	iamHost    = "orders.cluster-c1a2b3c4d5e6.eu-west-1.rds.amazonaws.com"
)

// countingCreds is a credentials provider that counts its calls: each
// would be a call to STS or IMDS. Each call gives credentials with a new
// key id (its number), expiring after lifetime (never when zero).
type countingCreds struct {
	calls    atomic.Int64
	lifetime time.Duration
	now      func() time.Time
}

func (p *countingCreds) Retrieve(context.Context) (aws.Credentials, error) {
	n := p.calls.Add(1)
	c := aws.Credentials{AccessKeyID: fakeKeyID[:len(fakeKeyID)-1] + string(rune('0'+n%10)), SecretAccessKey: fakeSecret, Source: "test"}
	if p.lifetime > 0 {
		c.CanExpire, c.Expires = true, p.now().Add(p.lifetime)
	}
	return c, nil
}

func newIAMAuth(t *testing.T, iam dbauth.IAM) *dbauth.Auth {
	t.Helper()
	if iam.Region == "" {
		iam.Region = "eu-west-1"
	}
	if iam.Host == "" {
		iam.Host, iam.Port, iam.User = iamHost, 5432, "orders_iam"
	}
	a, err := dbauth.New(nil, dbauth.Source{IAM: &iam})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close() })
	return a
}

// A token is BuildAuthToken's for the endpoint, region and user, signed
// with the role's credentials: the same query parameters in the same
// order, and a signature that the SigV4 signer gives for its X-Amz-Date
// (a fixed clock) with the same static credentials. A session token is
// signed in.
func TestIAMTokenIsBuildAuthTokens(t *testing.T) {
	ctx := context.Background()
	for _, session := range []string{"", "fake-session-token"} {
		creds := credentials.NewStaticCredentialsProvider(fakeKeyID, fakeSecret, session)
		a := newIAMAuth(t, dbauth.IAM{Credentials: creds})
		c, err := a.Credentials(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if c.Host != iamHost || c.Port != 5432 || c.Username != "orders_iam" {
			t.Errorf("credentials for %s@%s:%d, want the IAM fields", c.Username, c.Host, c.Port)
		}
		got := parseToken(t, c.Password)

		ref, err := rdsauth.BuildAuthToken(ctx, iamHost+":5432", "eu-west-1", "orders_iam", creds)
		if err != nil {
			t.Fatal(err)
		}
		want := parseToken(t, ref)
		if got.prefix != want.prefix || strings.Join(got.keys, "&") != strings.Join(want.keys, "&") {
			t.Errorf("token %s?%v, BuildAuthToken's %s?%v", got.prefix, got.keys, want.prefix, want.keys)
		}
		for _, k := range []string{"Action", "DBUser", "X-Amz-Algorithm", "X-Amz-Expires", "X-Amz-SignedHeaders", "X-Amz-Security-Token"} {
			if got.q.Get(k) != want.q.Get(k) {
				t.Errorf("%s = %q, BuildAuthToken's %q", k, got.q.Get(k), want.q.Get(k))
			}
		}
		date := got.q.Get("X-Amz-Date")
		signedAt, err := time.Parse("20060102T150405Z", date)
		if err != nil {
			t.Fatalf("X-Amz-Date %q: %v", date, err)
		}
		if cred := got.q.Get("X-Amz-Credential"); cred != fakeKeyID+"/"+date[:8]+"/eu-west-1/rds-db/aws4_request" {
			t.Errorf("X-Amz-Credential %q", cred)
		}
		if sig := signature(t, creds, signedAt); got.q.Get("X-Amz-Signature") != sig {
			t.Errorf("X-Amz-Signature %q, the signer gives %q at %s", got.q.Get("X-Amz-Signature"), sig, date)
		}
	}
}

type parsedToken struct {
	prefix string
	keys   []string // the query's keys, in order
	q      url.Values
}

func parseToken(t *testing.T, tok string) parsedToken {
	t.Helper()
	prefix, query, ok := strings.Cut(tok, "?")
	if !ok {
		t.Fatalf("a token without a query (%d bytes)", len(tok))
	}
	q, err := url.ParseQuery(query)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, kv := range strings.Split(query, "&") {
		k, _, _ := strings.Cut(kv, "=")
		keys = append(keys, k)
	}
	return parsedToken{prefix: prefix, keys: keys, q: q}
}

// signature is what SigV4 gives for an rds-db connect request signed at
// signedAt, as BuildAuthToken makes it.
func signature(t *testing.T, creds aws.CredentialsProvider, signedAt time.Time) string {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, "https://"+iamHost+":5432", nil)
	if err != nil {
		t.Fatal(err)
	}
	q := url.Values{"Action": {"connect"}, "DBUser": {"orders_iam"}}
	req.URL.RawQuery = q.Encode()
	q = req.URL.Query()
	q.Set("X-Amz-Expires", "900")
	req.URL.RawQuery = q.Encode()
	c, err := creds.Retrieve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	const emptyPayload = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	signed, _, err := v4.NewSigner().PresignHTTP(context.Background(), c, req, emptyPayload, "rds-db", "eu-west-1", signedAt)
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(signed)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get("X-Amz-Signature")
}

// One token serves every connection until a third of its lifetime is
// left; the credentials are retrieved once through the cache, whatever the
// number of connections: no call to STS or IMDS per connection.
func TestIAMTokenIsSharedAndRenewedAhead(t *testing.T) {
	ctx := context.Background()
	clock := fakeclock.New(time.Now())
	creds := &countingCreds{now: clock.Now}
	a := newIAMAuth(t, dbauth.IAM{Credentials: creds})
	dbauth.SetTokenClock(a, clock.Now)

	first, err := a.Credentials(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 1000 {
				c, err := a.Credentials(ctx)
				if err != nil || c.Password != first.Password {
					t.Errorf("another token, or %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
	clock.Advance(10*time.Minute - time.Second)
	if _, err := a.Credentials(ctx); err != nil || dbauth.TokensBuilt(a) != 1 {
		t.Errorf("a new token with more than a third of the lifetime left (%v)", err)
	}
	clock.Advance(2 * time.Second)
	if _, err := a.Credentials(ctx); err != nil || dbauth.TokensBuilt(a) != 2 {
		t.Errorf("no new token with less than a third of the lifetime left (%v)", err)
	}
	if n := dbauth.TokensBuilt(a); n != 2 {
		t.Errorf("%d tokens built for 8,002 connections over 10 minutes, want 2", n)
	}
	if n := creds.calls.Load(); n != 1 {
		t.Errorf("%d credential retrievals, want 1 (cached)", n)
	}
}

// A token never outlives the credentials that signed it: built with
// credentials that expire in 12 minutes, it is renewed 7 minutes on, with
// credentials the cache is made to fetch again because the ones it holds
// expire within two thirds of a token's lifetime.
func TestIAMTokenRenewedBeforeItsCredentialsExpire(t *testing.T) {
	ctx := context.Background()
	clock := fakeclock.New(time.Now())
	creds := &countingCreds{now: clock.Now, lifetime: 12 * time.Minute}
	a := newIAMAuth(t, dbauth.IAM{Credentials: creds})
	dbauth.SetTokenClock(a, clock.Now)
	first, err := a.Credentials(ctx)
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(7*time.Minute - time.Second)
	if c, _ := a.Credentials(ctx); c.Password != first.Password {
		t.Fatal("renewed with more than 5 minutes of its credentials left")
	}
	clock.Advance(2 * time.Second)
	next, err := a.Credentials(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if next.Password == first.Password {
		t.Fatal("not renewed with less than 5 minutes of its credentials left")
	}
	if n := creds.calls.Load(); n != 2 {
		t.Errorf("%d credential retrievals, want 2 (the cache fetched new ones)", n)
	}
	if k1, k2 := parseToken(t, first.Password).q.Get("X-Amz-Credential"), parseToken(t, next.Password).q.Get("X-Amz-Credential"); k1[:20] == k2[:20] {
		t.Errorf("the new token is signed with the old credentials (%s)", k2[:20])
	}
}

// A token change retires no connection: the database checks a token at
// connect only, so every connection opened with an older one goes on, in
// one pool.
func TestIAMTokenChangeRetiresNothing(t *testing.T) {
	ctx := context.Background()
	clock := fakeclock.New(time.Now())
	var built atomic.Int64
	a := newIAMAuth(t, dbauth.IAM{Credentials: &countingCreds{now: clock.Now},
		Build: func(context.Context, dbauth.TokenRequest) (string, error) {
			return fmt.Sprintf("token-%d", built.Add(1)), nil // tokens built in one second differ
		}})
	dbauth.SetTokenClock(a, clock.Now)
	db := newFakeDB()
	db.acceptAll.Store(true)
	sqlDB := openDB(t, a, db)
	sqlDB.SetMaxIdleConns(4)
	for range 3 {
		if err := queryOne(ctx, sqlDB); err != nil {
			t.Fatal(err)
		}
		old, _ := a.Credentials(ctx)
		clock.Advance(11 * time.Minute)
		c, err := a.Credentials(ctx)
		if err != nil || c.Password == old.Password {
			t.Fatalf("no new token: %v", err)
		}
		if a.Retired(old) {
			t.Error("Retired reports a connection opened with the previous token")
		}
	}
	if n := closedCount(db); n != 0 {
		t.Errorf("%d connections closed after token changes, want none", n)
	}
	if n := len(db.open()); n != 1 {
		t.Errorf("%d connections opened, want 1", n)
	}
}

// A rejected token that is not the current one is followed by the current
// one; a rejected current token by one new token, signed with credentials
// fetched again; when that is rejected too, the attempt fails at once with
// ErrAccessDenied, naming the user and endpoint and holding no token.
func TestIAMTokenRejected(t *testing.T) {
	ctx := context.Background()
	creds := &countingCreds{now: time.Now}
	a := newIAMAuth(t, dbauth.IAM{Credentials: creds})
	db := newFakeDB()
	c, err := a.Credentials(ctx)
	if err != nil {
		t.Fatal(err)
	}
	db.accept(c.Password)
	if _, err := dbauth.Connect(ctx, a, db.connect); err != nil {
		t.Fatalf("with the current token: %v", err)
	}

	db.accept("a token the database expects instead")
	deadline, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	_, err = dbauth.Connect(deadline, a, db.connect)
	switch {
	case !errors.Is(err, secrets.ErrAccessDenied) || errors.Is(err, context.DeadlineExceeded):
		t.Fatalf("every token rejected: %v, want ErrAccessDenied before the deadline", err)
	case !strings.Contains(err.Error(), "iam:rds-db:orders_iam@"+iamHost+":5432"):
		t.Errorf("error %v does not name the user and endpoint", err)
	case strings.Contains(err.Error(), "X-Amz-Signature"):
		t.Errorf("error holds a token: %.200s", err)
	}
	if n := dbauth.TokensBuilt(a); n != 2 {
		t.Errorf("%d tokens built, want 2 (one more after the rejection)", n)
	}
	if n := creds.calls.Load(); n != 2 {
		t.Errorf("%d credential retrievals, want 2 (fetched again after the rejection)", n)
	}
	if n := db.dials.Load(); n != 3 {
		t.Errorf("%d connection attempts, want 3", n)
	}
}

// A Source that IAM authentication cannot use is refused at New, saying
// why.
func TestIAMSourceRefused(t *testing.T) {
	creds := credentials.NewStaticCredentialsProvider(fakeKeyID, fakeSecret, "")
	iam := func(f func(*dbauth.IAM)) *dbauth.IAM {
		i := &dbauth.IAM{Region: "eu-west-1", Host: iamHost, Port: 5432, User: "orders_iam", Credentials: creds}
		f(i)
		return i
	}
	for _, tc := range []struct {
		name string
		src  dbauth.Source
		want string
	}{
		{"a password too", dbauth.Source{Secret: secretRef, IAM: iam(func(*dbauth.IAM) {})}, "no Secret or Password"},
		{"no region", dbauth.Source{IAM: iam(func(i *dbauth.IAM) { i.Region = "" })}, "no Region"},
		{"no credentials", dbauth.Source{IAM: iam(func(i *dbauth.IAM) { i.Credentials = nil })}, "no Credentials"},
		{"DSQL without a token function", dbauth.Source{IAM: iam(func(i *dbauth.IAM) { i.DSQL = true })}, "need Build"},
		{"a lifetime RDS does not give", dbauth.Source{IAM: iam(func(i *dbauth.IAM) { i.Lifetime = time.Hour })}, "15m0s at most"},
		{"references without a Client", dbauth.Source{Host: "/orders/db/host", IAM: iam(func(*dbauth.IAM) {})}, "nil Client"},
	} {
		_, err := dbauth.New(nil, tc.src)
		if !errors.Is(err, secrets.ErrInvalidArgument) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want ErrInvalidArgument saying %q", tc.name, err, tc.want)
		}
	}
	a, err := dbauth.New(nil, dbauth.Source{IAM: iam(func(i *dbauth.IAM) { i.Port = 0 })})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if _, err := a.Credentials(context.Background()); !errors.Is(err, secrets.ErrInvalidArgument) || !strings.Contains(err.Error(), "a host, a port and a user") {
		t.Errorf("no port: %v", err)
	}
}
