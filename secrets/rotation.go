package secrets

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/secretref/secretref/cache"
	"github.com/secretref/secretref/providers"
)

// RotationGrace is how long after a secret's scheduled rotation its cached
// value expires: the time a rotation function takes to put and promote the
// new version.
const RotationGrace = time.Minute

// rotationSchedule looks up when cached secrets rotate next, at most once
// per TTL per secret and never while a caller waits.
type rotationSchedule struct {
	ttl     time.Duration
	timeout time.Duration
	now     func() time.Time
	logger  *slog.Logger
	ctx     context.Context // cancelled by close
	cancel  context.CancelFunc
	running sync.WaitGroup

	off bool // Options.NoRotationSchedule

	mu      sync.Mutex
	closed  bool
	checked map[Ref]time.Time // last look-up per secret
	refused map[string]bool   // schemes whose look-up was denied: not asked again
}

func (r *rotationSchedule) init(o Options) {
	r.ttl = orDefault(o.TTL, cache.DefaultTTL)
	r.timeout = orDefault(o.LoadTimeout, cache.DefaultLoadTimeout)
	r.now = time.Now
	if o.Clock != nil {
		r.now = o.Clock.Now
	}
	r.logger = o.Logger
	r.off = o.NoRotationSchedule
	r.ctx, r.cancel = context.WithCancel(context.Background())
	r.checked = map[Ref]time.Time{}
	r.refused = map[string]bool{}
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

func (r *rotationSchedule) close() {
	r.mu.Lock()
	r.closed = true
	r.mu.Unlock()
	r.cancel()
	r.running.Wait()
}

// checkRotation runs after a value of k was loaded and stored: when k's
// provider schedules rotations, it looks up k's next rotation in the
// background and makes the cached value expire shortly after it.
func (c *Client) checkRotation(k Ref, _ Value) {
	rs, ok := c.providers[k.Scheme].(providers.RotationScheduler)
	r := &c.rotation
	if !ok || r.off || k.Stage != "" || k.VersionID != "" {
		return // a pinned version does not rotate
	}
	now := r.now()
	r.mu.Lock()
	if r.closed || r.refused[k.Scheme] || now.Sub(r.checked[k]) < r.ttl {
		r.mu.Unlock()
		return
	}
	if len(r.checked) >= c.maxBindings {
		clear(r.checked)
	}
	r.checked[k] = now
	r.running.Add(1)
	r.mu.Unlock()

	go func() {
		defer r.running.Done()
		ctx, cancel := context.WithTimeout(r.ctx, r.timeout)
		defer cancel()
		next, scheduled, err := rs.NextRotation(ctx, request(k))
		switch {
		case errors.Is(err, ErrAccessDenied):
			// A policy that grants GetSecretValue only: rotation dates
			// are a refinement, not worth a denied call per load.
			r.mu.Lock()
			r.refused[k.Scheme] = true
			r.mu.Unlock()
			if r.logger != nil {
				r.logger.Info("secrets: rotation schedule not readable; values expire by TTL only",
					slog.String("scheme", k.Scheme), slog.String("error", err.Error()))
			}
		case err != nil:
			if r.logger != nil {
				r.logger.Warn("secrets: rotation schedule look-up failed", slog.Any("ref", k), slog.String("error", err.Error()))
			}
		case scheduled:
			c.cache.ExpireBy(k, next.Add(RotationGrace))
		}
	}()
}

// Candidates returns the values to try while a Secrets Manager secret is
// being rotated: its AWSCURRENT value first and, when the secret has an
// AWSPENDING version that differs from it, that value second. A client
// whose credential is rejected between a rotation function's setSecret and
// finishSecret steps can then try both. For other backends it returns the
// current value alone. When the pending version cannot be read for another
// reason than its absence, Candidates returns the current value and that
// error.
func (c *Client) Candidates(ctx context.Context, ref string) ([]Value, error) {
	if ctx == nil {
		return nil, nilContext(ref)
	}
	b, err := c.binding(ref)
	if err != nil {
		return nil, err
	}
	if b.ref.Stage != "" || b.ref.VersionID != "" {
		return nil, invalidRef(ref, "Candidates reads the current and pending versions; drop the stage or version id")
	}
	cur, err := b.get(ctx)
	if err != nil {
		return nil, err
	}
	if b.ref.Scheme != SchemeSecretsManager {
		return []Value{cur}, nil
	}
	key := b.h.Key()
	key.Stage = "AWSPENDING"
	pending, err := c.cache.Get(ctx, key)
	switch {
	case errors.Is(err, ErrNotFound):
		return []Value{cur}, nil
	case err != nil:
		return []Value{cur}, &RefError{Ref: ref, Err: err}
	case pending.Version() != "" && pending.Version() == cur.Version():
		return []Value{cur}, nil
	}
	if b.ref.Key != "" {
		if pending, err = extractKey(pending, b.ref.Key); err != nil {
			return []Value{cur}, &RefError{Ref: ref, Err: err}
		}
	}
	return []Value{cur, pending}, nil
}
