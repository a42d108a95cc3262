// Package secrets resolves secret references — a Secrets Manager ARN or
// name, a Parameter Store path, an environment variable, a file — through a
// cache, so that AWS Lambda functions and ECS services read credentials at
// run time instead of carrying them in plain text in their configuration.
//
//	c, err := secrets.New(ctx)
//	pw, err := c.GetString(ctx, "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf:password::")
//	key, err := c.Get(ctx, "/prod/payments/api-key")
//	fmt.Println(key) // [REDACTED]
//
// See [Ref] for the reference forms and [Client] for what the cache does.
//
// A Lambda handler or a small program that needs no options beyond the
// environment's can skip New: the package-level [Get] and [GetString] read
// through a default Client, made on first use ([Default]; [SetDefault]
// replaces it, for tests). go doc lists Get with [Value], the type it
// returns, and GetString with the functions.
//
//	pw, err := secrets.GetString(ctx, os.Getenv("DB_PASSWORD_REF"))
package secrets

import (
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/secretref/secretref/cache"
	"github.com/secretref/secretref/internal/readmap"
	"github.com/secretref/secretref/providers"
	"github.com/secretref/secretref/providers/env"
	"github.com/secretref/secretref/providers/file"
)

// Client resolves references through a cache. Concurrent reads of a
// reference that is not cached make one backend call; a read of a cached
// reference takes no lock, allocates nothing and does not parse the
// reference; references that differ only in #key share one fetch and one
// cache entry. Values are refreshed in the background shortly before they
// expire, and the last good value is served for up to Options.MaxStale when
// the backend fails for a transient reason (throttling, 5xx, timeout,
// network) or stalls, but not when it answers "not found" or "access
// denied".
//
// A Client is safe for concurrent use by multiple goroutines.
type Client struct {
	providers map[string]providers.Provider
	cache     *cache.Cache[cacheKey, *payload] // keyed by Refs without Key
	ttls      map[Ref]time.Duration            // Options.TTLByRef
	// bindings maps reference texts as callers wrote them to their parsed
	// form and cache handle, so that a hit never parses; recent finds the
	// binding of a string read before without hashing it.
	recent      recentRefs
	bindings    readmap.Map[string, *binding]
	maxBindings int
	closed      atomic.Bool
	rotation    rotationSchedule
	root        context.Context // cancelled by Close
	cancelRoot  context.CancelFunc
	calls       calls
	regions     regions
	noBatching  bool               // Options.DisableBatching
	listings    singleflight.Group // GetPath listings in progress, by path
}

var schemePattern = regexp.MustCompile(`^[a-z][a-z0-9+.-]*$`)

// New returns a Client configured by optFns (see [Options]).
//
// New loads the default AWS configuration (region, credentials,
// AWS_ENDPOINT_URL from the environment) unless Options.AWSConfig is set or
// Options.Providers replaces both "sm" and "ssm": replacing one of them is
// not enough, as the other is still built on it. It fails with an error
// wrapping ErrMisconfigured when that configuration has no region, and with
// ErrInvalidArgument, naming the field or the environment variable, when
// an option is out of range.
//
// Before applying optFns' zero fields' defaults, New reads EnvTTL,
// EnvMaxStale, EnvFailoverRegions and EnvLogLevel from the environment for
// the fields optFns left zero. When Options.Prefetch lists references, New
// fetches them and fails if any cannot be read.
func New(ctx context.Context, optFns ...func(*Options)) (*Client, error) {
	var o Options
	for _, fn := range optFns {
		fn(&o)
	}
	origins, envErr := o.applyEnvironment(os.Getenv)
	if err := errors.Join(envErr, o.validate(origins)); err != nil {
		return nil, err
	}
	o.adjustForLambda()
	provs, region, err := allProviders(ctx, &o)
	if err != nil {
		return nil, err
	}
	c := &Client{providers: provs, noBatching: o.DisableBatching}
	c.root, c.cancelRoot = context.WithCancel(context.Background())
	c.calls.observe = observeCalls(o.Observer, o.Logger)
	if c.ttls, err = o.ttlsByKey(c.isCustomScheme); err != nil {
		return nil, err
	}
	if err := c.newCache(&o); err != nil {
		return nil, err
	}
	// Nothing is fetched before Prefetch: the rotation schedule, which a
	// fetch consults, can take the cache's settings, defaults filled in.
	settings := c.cache.Settings()
	c.maxBindings = 4 * max(settings.MaxEntries, cache.DefaultMaxEntries)
	c.rotation.init(settings, o.DisableRotationSchedule, c.maxBindings, &c.calls)
	c.regions.init(&o, region, c.rotation.replicas)
	if len(o.Prefetch) > 0 {
		if _, err := c.GetMany(ctx, o.Prefetch...); err != nil {
			_ = c.Close()
			return nil, err
		}
	}
	return c, nil
}

// allProviders returns the providers of every scheme, built in and o's,
// and the region of the AWS configuration the built-in ones use ("" when
// o replaces them and gives none).
func allProviders(ctx context.Context, o *Options) (map[string]providers.Provider, string, error) {
	provs := map[string]providers.Provider{
		SchemeEnv:  env.New(),
		SchemeFile: file.New(),
	}
	aws, region, err := awsProviders(ctx, o)
	if err != nil {
		return nil, "", err
	}
	for scheme, p := range aws {
		provs[scheme] = p
	}
	for scheme, p := range o.Providers {
		provs[scheme] = p
	}
	return provs, region, nil
}

// newCache makes the Client's cache from o.
func (c *Client) newCache(o *Options) error {
	var err error
	c.cache, err = cache.New(c.loadKey, func(co *cache.Options[cacheKey, *payload]) {
		co.Settings = o.Settings
		co.IsTransient = providers.IsTransient
		co.IsThrottled = isThrottled
		co.SameVersion = func(a, b *payload) bool { return sameVersion(Value{a}, Value{b}) }
		co.Newer = func(a, b *payload) bool { return newer(Value{a}, Value{b}) }
		co.Batch = func(k cacheKey) (string, int) { return c.batchGroup(k.ref()) }
		co.BatchLoad = func(ctx context.Context, keys []cacheKey) []cache.Loaded[*payload] {
			return c.loadBatch(ctx, keyRefs(keys))
		}
		if o.Observer != nil {
			co.Observer = keyObserver{o.Observer}
		}
	})
	if err != nil {
		return fmt.Errorf("secrets: %w: %w", ErrInvalidArgument, err)
	}
	return nil
}

// sameVersion tells whether two values of one secret are one version: by
// version id when the backend has them, else by contents.
func sameVersion(a, b Value) bool {
	if a.Version() != "" || b.Version() != "" {
		return a.Version() == b.Version()
	}
	return a.Equal(b)
}

// newer tells whether a is known to be a later version of a secret than
// b: made later, or, for Parameter Store's numbered versions when a date
// is missing, a higher number. It orders values read from replicas.
func newer(a, b Value) bool {
	if ca, cb := a.Created(), b.Created(); !ca.IsZero() && !cb.IsZero() {
		return ca.After(cb)
	}
	va, errA := strconv.ParseUint(a.Version(), 10, 64)
	vb, errB := strconv.ParseUint(b.Version(), 10, 64)
	return errA == nil && errB == nil && va > vb
}

// Get returns the value ref names. See [Ref] for the reference forms.
// Errors are *RefError values wrapping a classified cause (ErrNotFound,
// ErrAccessDenied, ErrInvalidReference, ErrKeyNotFound, ...).
func (c *Client) Get(ctx context.Context, ref string) (Value, error) {
	if ctx == nil {
		return Value{}, nilContext(ref)
	}
	if b := c.recent.load(ref); b != nil {
		return b.get(ctx)
	}
	b, ok := c.bindings.Load(ref)
	if !ok {
		var err error
		if b, err = c.bind(ref); err != nil {
			return Value{}, err
		}
	}
	c.recent.store(ref, b)
	return b.get(ctx)
}

// GetString is Get returning the value as a string.
func (c *Client) GetString(ctx context.Context, ref string) (string, error) {
	v, err := c.Get(ctx, ref)
	return v.Reveal(), err
}

// Refresh fetches ref's value now instead of serving the cached one, and
// returns it: call it when a credential from the cache was rejected (it may
// have been rotated). It always fetches, unless another Refresh of the same
// secret began a fetch less than Options.MinRefreshInterval ago: then it
// returns that fetch's result, so that many connections failing at once
// make one call. Unlike Get, it reports a failed fetch even when the last
// good value is kept.
func (c *Client) Refresh(ctx context.Context, ref string) (Value, error) {
	if ctx == nil {
		return Value{}, nilContext(ref)
	}
	b, err := c.binding(ref)
	if err != nil {
		return Value{}, err
	}
	p, err := c.cache.Refresh(ctx, b.h.Key())
	if err != nil {
		return Value{}, &RefError{Ref: ref, Err: clientError(err)}
	}
	return b.derive(Value{p})
}

// Invalidate drops ref's cached value (shared by every reference that
// differs from it only in #key); the next read fetches it again.
func (c *Client) Invalidate(ref string) error {
	b, err := c.binding(ref)
	if err != nil {
		return err
	}
	c.cache.Invalidate(b.h.Key())
	return nil
}

// Watch calls fn with each new version of ref's value that the Client
// fetches from now on, once per version, on a goroutine of its own and
// never with a lock held. While ref is watched the Client re-fetches it when
// its TTL runs out, without waiting for a read. A reference with a #key is
// told of the field of each new version. Call stop to end the watch: no
// call of fn begins after stop returns. Like time.Timer's Stop, stop does
// not wait for a call that is running, so fn may call it.
func (c *Client) Watch(ref string, fn func(Value)) (stop func(), err error) {
	b, err := c.binding(ref)
	if err != nil {
		return nil, err
	}
	return c.cache.Watch(b.h.Key(), func(p *payload) {
		if d, err := b.derive(Value{p}); err == nil {
			fn(d)
		}
	}), nil
}

// Close stops background refreshes and watches, cancels fetches in
// progress and drops every cached value. It returns within about a second
// even when a provider ignores its context (a file: reference to a FIFO
// with no writer); the reads waiting for such a fetch fail with ErrClosed.
// A Client used after Close returns errors wrapping ErrClosed.
func (c *Client) Close() error {
	c.closed.Store(true)
	c.cancelRoot()
	c.cache.Close()
	c.rotation.close()
	c.bindings.Clear()
	c.recent.clear()
	return nil
}

// Settings returns the cache settings the Client runs with: those of its
// Options and the environment, with every default filled in and Disabled
// ones zero.
func (c *Client) Settings() cache.Settings { return c.cache.Settings() }

// detached returns a context with ctx's values but not its cancellation,
// bounded by LoadTimeout and cancelled by Close: for a call the Client makes
// on a caller's behalf without the cache (a GetPath listing).
func (c *Client) detached(ctx context.Context) (context.Context, context.CancelFunc) {
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.cache.Settings().LoadTimeout)
	stop := context.AfterFunc(c.root, cancel)
	return dctx, func() {
		stop()
		cancel()
	}
}

// binding returns ref's binding, creating it if needed.
func (c *Client) binding(ref string) (*binding, error) {
	if b, ok := c.bindings.Load(ref); ok {
		return b, nil
	}
	return c.bind(ref)
}

func (c *Client) bind(ref string) (*binding, error) {
	if c.closed.Load() {
		return nil, &RefError{Ref: ref, Err: ErrClosed}
	}
	r, err := parseRef(ref, c.isCustomScheme)
	if err != nil {
		return nil, err
	}
	key := r
	key.Key = ""
	ref = strings.Clone(ref)
	b := &binding{raw: ref, ref: r, h: c.cache.Handle(keyOf(key)), hasKey: r.Key != ""}
	if c.bindings.Len() >= c.maxBindings {
		// Bindings only save parsing; dropping them all bounds their memory
		// when references are generated without end.
		c.bindings.Clear()
	}
	c.bindings.Store(ref, b)
	return b, nil
}

func (c *Client) isCustomScheme(scheme string) bool {
	_, ok := c.providers[scheme]
	return ok
}

func nilContext(ref string) error {
	return &RefError{Ref: ref, Err: fmt.Errorf("%w: nil Context", ErrInvalidArgument)}
}
