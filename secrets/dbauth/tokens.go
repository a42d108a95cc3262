package dbauth

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/secretref/secretref/secrets"
)

// tokens builds the IAM tokens of an Auth and keeps the last one.
type tokens struct {
	iam   IAM
	creds *aws.CredentialsCache
	now   func() time.Time
	// margin is a third of the lifetime: a token is renewed when that
	// much is left, and handed out while half that is left and another
	// caller is renewing it.
	margin time.Duration

	cur  atomic.Pointer[token]
	sem  chan struct{} // held while building; a lock a context can give up on
	memo atomic.Pointer[tokenCred]
	// refreshedFor is the credentials the cache was last made to fetch
	// again, because they were about to expire: it is not asked again for
	// the same ones.
	refreshedFor aws.Credentials
	builds       atomic.Int64
}

// token is one IAM token and its times.
type token struct {
	value   string
	key     tokenKey
	built   time.Time
	expires time.Time // the database refuses it from then on
	renewAt time.Time // a new one is built from then on
	useBy   time.Time // handed out no later, even while another is built
}

// tokenKey is what a token is signed for.
type tokenKey struct {
	host string
	port int
	user string
}

// tokenCred is the credentials a connection uses: base, with the token.
type tokenCred struct {
	base *cred
	tok  *token
	k    *cred
}

func newTokens(iam IAM) *tokens {
	cache, ok := iam.Credentials.(*aws.CredentialsCache)
	if !ok {
		cache = aws.NewCredentialsCache(iam.Credentials)
	}
	return &tokens{iam: iam, creds: cache, now: time.Now, margin: iam.Lifetime / 3, sem: make(chan struct{}, 1)}
}

// attach returns base with a token that is valid: the last one, or a new
// one if that is near its end or is stale (the database rejected it), and
// whether this call built it. With the last token it makes no call and
// does not allocate.
func (ts *tokens) attach(ctx context.Context, base *cred, stale *token) (*cred, bool, error) {
	t, built, err := ts.get(ctx, tokenKey{base.Host, base.Port, base.Username}, stale)
	if err != nil {
		return nil, false, err
	}
	if m := ts.memo.Load(); m != nil && m.base == base && m.tok == t {
		return m.k, built, nil
	}
	k := &cred{Credentials: base.Credentials, token: t}
	k.Password = t.value
	ts.memo.Store(&tokenCred{base: base, tok: t, k: k})
	return k, built, nil
}

// get returns a token for key other than stale, and whether it built it.
func (ts *tokens) get(ctx context.Context, key tokenKey, stale *token) (*token, bool, error) {
	t := ts.cur.Load()
	usable := t != nil && t != stale && t.key == key
	if usable && ts.now().Before(t.renewAt) {
		return t, false, nil
	}
	select {
	case ts.sem <- struct{}{}:
	default:
		if usable && ts.now().Before(t.useBy) {
			return t, false, nil // another caller is building its successor
		}
		select {
		case ts.sem <- struct{}{}:
		case <-ctx.Done():
			return nil, false, ctx.Err()
		}
	}
	defer func() { <-ts.sem }()
	cur := ts.cur.Load()
	if cur != nil && cur != stale && cur.key == key && (cur != t || ts.now().Before(cur.renewAt)) {
		return cur, false, nil // built meanwhile
	}
	if stale != nil && cur == stale {
		// The database rejected the current token: the credentials that
		// signed it may have been replaced.
		ts.creds.Invalidate()
	}
	nt, err := ts.build(ctx, key)
	if err != nil {
		if usable && ts.now().Before(t.useBy) {
			return t, false, nil
		}
		return nil, false, err
	}
	ts.cur.Store(nt)
	return nt, true, nil
}

// build signs a new token for key. ts.sem is held.
func (ts *tokens) build(ctx context.Context, key tokenKey) (*token, error) {
	creds, err := ts.retrieve(ctx)
	if err != nil {
		return nil, err
	}
	now := ts.now()
	value, err := ts.iam.Build(ctx, TokenRequest{
		Host: key.host, Port: key.port, Region: ts.iam.Region, User: key.user, Lifetime: ts.iam.Lifetime,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return creds, nil }),
	})
	if err != nil {
		return nil, fmt.Errorf("dbauth: %w: building an IAM token: %w", secrets.ErrMisconfigured, err)
	}
	ts.builds.Add(1)
	expires := now.Add(ts.iam.Lifetime)
	if creds.CanExpire && creds.Expires.Before(expires) {
		expires = creds.Expires // the token is no good once its signer's session ends
	}
	return &token{value: value, key: key, built: now, expires: expires,
		renewAt: expires.Add(-ts.margin), useBy: expires.Add(-ts.margin / 2)}, nil
}

// retrieve returns the credentials to sign with, from the cache; when they
// expire within two margins, a token signed with them would soon be
// refused, so the cache is made to fetch new ones (once for those).
func (ts *tokens) retrieve(ctx context.Context) (aws.Credentials, error) {
	creds, err := ts.creds.Retrieve(ctx)
	if err == nil && creds.CanExpire && creds.Expires.Sub(ts.now()) < 2*ts.margin && creds != ts.refreshedFor {
		ts.refreshedFor = creds
		ts.creds.Invalidate()
		creds, err = ts.creds.Retrieve(ctx)
	}
	if err != nil {
		kind := secrets.ErrMisconfigured
		var netErr net.Error
		if errors.As(err, &netErr) || ctx.Err() != nil {
			kind = secrets.ErrUnavailable
		}
		return aws.Credentials{}, fmt.Errorf("dbauth: %w: retrieving the AWS credentials that sign IAM tokens: %w", kind, err)
	}
	return creds, nil
}
