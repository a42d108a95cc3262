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
package secrets

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/secretref/secretref/cache"
	"github.com/secretref/secretref/internal/readmap"
	"github.com/secretref/secretref/providers"
	"github.com/secretref/secretref/providers/env"
	"github.com/secretref/secretref/providers/file"
	smprovider "github.com/secretref/secretref/providers/secretsmanager"
	ssmprovider "github.com/secretref/secretref/providers/ssm"
)

// Client resolves references through a cache. Concurrent reads of a
// reference that is not cached make one backend call; a read of a cached
// reference takes no lock, allocates nothing and does not parse the
// reference; references that differ only in #key share one fetch and one
// cache entry. Values are refreshed in the background shortly before they
// expire, and the last good value is served for up to Options.MaxStale when
// the backend fails for a transient reason (throttling, 5xx, timeout,
// network) but not when it answers "not found" or "access denied".
//
// A Client is safe for concurrent use by multiple goroutines.
type Client struct {
	providers map[string]providers.Provider
	cache     *cache.Cache[Ref, Value] // keyed by Ref without Key
	// bindings maps reference texts as callers wrote them to their parsed
	// form and cache handle, so that a hit never parses.
	bindings    readmap.Map[string, *binding]
	maxBindings int
	closed      atomic.Bool
	rotation    rotationSchedule
}

// Stats counts what a Client's cache has done.
type Stats = cache.Stats

var schemePattern = regexp.MustCompile(`^[a-z][a-z0-9+.-]*$`)

// New returns a Client. Unless Options.AWSConfig is set, or providers for
// both "sm" and "ssm" are given, it loads the default AWS configuration
// with ctx. When Options.Prefetch lists references, New fetches them and
// fails if any cannot be read.
func New(ctx context.Context, optFns ...func(*Options)) (*Client, error) {
	var o Options
	for _, fn := range optFns {
		fn(&o)
	}
	provs := map[string]providers.Provider{
		SchemeEnv:  env.New(),
		SchemeFile: file.New(),
	}
	_, haveSM := o.Providers[SchemeSecretsManager]
	_, haveSSM := o.Providers[SchemeParameterStore]
	if !haveSM || !haveSSM {
		cfg := o.AWSConfig
		if cfg == nil {
			loaded, err := config.LoadDefaultConfig(ctx)
			if err != nil {
				return nil, fmt.Errorf("secrets: loading the AWS configuration: %w", err)
			}
			cfg = &loaded
		}
		provs[SchemeSecretsManager] = smprovider.NewFromConfig(*cfg)
		provs[SchemeParameterStore] = ssmprovider.NewFromConfig(*cfg)
	}
	for scheme, p := range o.Providers {
		if !schemePattern.MatchString(scheme) || scheme == "arn" {
			return nil, fmt.Errorf("secrets: %w: provider scheme %q is not a lower-case word", ErrInvalidArgument, scheme)
		}
		if p == nil {
			return nil, fmt.Errorf("secrets: %w: nil provider for scheme %q", ErrInvalidArgument, scheme)
		}
		provs[scheme] = p
	}
	c := &Client{providers: provs}
	c.rotation.init(o)
	c.cache = cache.New(c.load, func(co *cache.Options[Ref, Value]) {
		co.TTL = o.TTL
		co.Jitter = o.Jitter
		co.RefreshAhead = o.RefreshAhead
		co.MaxStale = o.MaxStale
		co.MaxEntries = o.MaxEntries
		co.NegativeTTL = o.NegativeTTL
		co.LoadTimeout = o.LoadTimeout
		co.MinRefreshInterval = o.MinRefreshInterval
		co.CountHits = o.CountHits
		co.Logger = o.Logger
		co.Clock = o.Clock
		co.ClockGranularity = clockGranularity(o)
		co.IsTransient = providers.IsTransient
		co.SameVersion = sameVersion
		co.Stored = c.checkRotation
	})
	c.maxBindings = 4 * max(o.MaxEntries, cache.DefaultMaxEntries)
	if len(o.Prefetch) > 0 {
		if _, err := c.GetMany(ctx, o.Prefetch...); err != nil {
			_ = c.Close()
			return nil, err
		}
	}
	return c, nil
}

// clockGranularity is o.ClockGranularity, or 0 in AWS Lambda, whose
// runtime API address the Lambda service sets in every function's
// environment.
func clockGranularity(o Options) time.Duration {
	if o.ClockGranularity <= 0 || os.Getenv("AWS_LAMBDA_RUNTIME_API") == "" {
		return o.ClockGranularity
	}
	if o.Logger != nil {
		o.Logger.Info("secrets: ClockGranularity ignored in AWS Lambda; the system clock is read on every access")
	}
	return 0
}

// load fetches the value a reference without #key names.
func (c *Client) load(ctx context.Context, r Ref) (Value, error) {
	res, err := c.providers[r.Scheme].Fetch(ctx, request(r))
	return value(r.Scheme, res, err)
}

// request is what a provider is asked for a reference without #key.
func request(r Ref) providers.Request {
	return providers.Request{
		Name:           r.Name,
		Region:         r.Region,
		Stage:          r.Stage,
		VersionID:      r.VersionID,
		SkipDecryption: r.SkipDecryption,
	}
}

// value converts what a provider answered.
func value(scheme string, res *providers.Result, err error) (Value, error) {
	if err != nil {
		return Value{}, err
	}
	if res == nil {
		return Value{}, fmt.Errorf("%w: provider %q returned no result", ErrUnavailable, scheme)
	}
	return newValue(res.Value, res.Version, res.Binary), nil
}

// sameVersion tells whether two values of one secret are one version: by
// version id when the backend has them, else by contents.
func sameVersion(a, b Value) bool {
	if a.Version() != "" || b.Version() != "" {
		return a.Version() == b.Version()
	}
	return a.Equal(b)
}

// Get returns the value ref names. See [Ref] for the reference forms.
// Errors are *RefError values wrapping a classified cause (ErrNotFound,
// ErrAccessDenied, ErrInvalidReference, ErrKeyNotFound, ...).
func (c *Client) Get(ctx context.Context, ref string) (Value, error) {
	if ctx == nil {
		return Value{}, nilContext(ref)
	}
	b, ok := c.bindings.Load(ref)
	if !ok {
		var err error
		if b, err = c.bind(ref); err != nil {
			return Value{}, err
		}
	}
	return b.get(ctx)
}

// GetString is Get returning the value as a string.
func (c *Client) GetString(ctx context.Context, ref string) (string, error) {
	v, err := c.Get(ctx, ref)
	return v.Reveal(), err
}

// Refresh fetches ref's value now instead of serving the cached one: call it
// when a credential from the cache was rejected (it may have been rotated).
// Concurrent calls for one secret share one fetch, and a call within
// Options.MinRefreshInterval of the last fetch returns that fetch's value
// without calling the backend again.
func (c *Client) Refresh(ctx context.Context, ref string) (Value, error) {
	if ctx == nil {
		return Value{}, nilContext(ref)
	}
	b, err := c.binding(ref)
	if err != nil {
		return Value{}, err
	}
	v, err := c.cache.Refresh(ctx, b.h.Key())
	if err != nil {
		return Value{}, &RefError{Ref: ref, Err: err}
	}
	return b.derive(v)
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
// its TTL runs out, without waiting for a read. Call stop to end the watch.
// A reference with a #key is told of the field of each new version.
func (c *Client) Watch(ref string, fn func(Value)) (stop func(), err error) {
	b, err := c.binding(ref)
	if err != nil {
		return nil, err
	}
	return c.cache.Watch(b.h.Key(), func(v Value) {
		if d, err := b.derive(v); err == nil {
			fn(d)
		}
	}), nil
}

// Stats returns the counters of the Client's cache.
func (c *Client) Stats() Stats { return c.cache.Stats() }

// Close stops background refreshes and watches and drops every cached
// value. A Client used after Close returns errors wrapping ErrClosed.
func (c *Client) Close() error {
	c.closed.Store(true)
	c.rotation.close()
	c.cache.Close()
	c.bindings.Clear()
	return nil
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
	b := &binding{raw: ref, ref: r, h: c.cache.Handle(key)}
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
