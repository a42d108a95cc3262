package main

import (
	"context"
	"errors"
	"log/slog"

	"github.com/secretref/secretref/examples/lambda/internal/partner"
	"github.com/secretref/secretref/secrets"
)

// config is what the function's configuration gives it: references, not
// credentials.
type config struct {
	apiKeyRef     string // a Secrets Manager ARN
	signingKeyRef string // a Parameter Store SecureString path
	partner       *partner.Client
}

// function holds what the handler keeps across invocations of one
// execution environment.
type function struct {
	secrets    *secrets.Client
	apiKey     *secrets.Var
	signingKey *secrets.Var
	partner    *partner.Client
	log        *slog.Logger
}

// newFunction reads the credentials during the init phase: a bad reference
// or a missing permission fails the init, where Lambda reports it, and with
// provisioned concurrency no request waits for the fetch.
func newFunction(ctx context.Context, log *slog.Logger, cfg config) (*function, error) {
	if cfg.apiKeyRef == "" || cfg.signingKeyRef == "" {
		return nil, errors.New("PARTNER_API_KEY_REF and SIGNING_KEY_REF must name the credentials")
	}
	c, err := secrets.New(ctx, func(o *secrets.Options) {
		o.Prefetch = []string{cfg.apiKeyRef, cfg.signingKeyRef}
		// The role may read the two values and nothing else: no
		// DescribeSecret for rotation schedules. A rejected key is
		// refreshed by the handler instead.
		o.DisableRotationSchedule = true
		o.Logger = log
	})
	if err != nil {
		return nil, err
	}
	f := &function{secrets: c, partner: cfg.partner, log: log}
	if f.apiKey, err = c.Bind(cfg.apiKeyRef); err != nil {
		return nil, err
	}
	if f.signingKey, err = c.Bind(cfg.signingKeyRef); err != nil {
		return nil, err
	}
	return f, nil
}

func (f *function) handle(ctx context.Context, o partner.Order) (partner.Receipt, error) {
	// From the cache: no call to AWS while the values are fresh.
	key, err := f.apiKey.Get(ctx)
	if err != nil {
		return partner.Receipt{}, err
	}
	signing, err := f.signingKey.Get(ctx)
	if err != nil {
		return partner.Receipt{}, err
	}
	r, err := f.partner.Submit(ctx, credentials(key, signing), o)
	if !errors.Is(err, partner.ErrRejected) {
		return r, err
	}

	// The cached credentials were most likely rotated: fetch the current
	// versions, once, and try again.
	if key, err = f.secrets.Refresh(ctx, f.apiKey.Ref()); err != nil {
		return partner.Receipt{}, err
	}
	if signing, err = f.secrets.Refresh(ctx, f.signingKey.Ref()); err != nil {
		return partner.Receipt{}, err
	}
	f.log.InfoContext(ctx, "partner rejected the cached credentials; retrying with the current versions",
		slog.String("order", o.ID),
		slog.String("api_key_version", key.Version()),
		slog.String("signing_key_version", signing.Version()))
	return f.partner.Submit(ctx, credentials(key, signing), o)
}

// credentials is what the partner client takes: the one place the values
// are revealed, to go into the request.
func credentials(key, signing secrets.Value) partner.Credentials {
	return partner.Credentials{APIKey: key.Reveal(), SigningKey: signing.Bytes()}
}
