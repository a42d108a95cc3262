package secrets

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/secretref/secretref/cache"
	"github.com/secretref/secretref/internal/waitfor"
	"github.com/secretref/secretref/providers"
)

// RotationGrace is how long after its secret's NextRotationDate a cached
// value expires. AWS schedules a rotation to happen on or before that date,
// so a value fetched before it is fetched again at most this long after the
// latest moment the rotation was due.
const RotationGrace = time.Minute

// Pacing of rotation-schedule look-ups. A schedule changes rarely: it is
// looked up at a secret's first fetch, then about once a day (spread by
// ±10%, so that a fleet started together does not look up together), and
// again once its next rotation has passed. Values expire by TTL anyway: the
// schedule only makes one expire sooner, right after its rotation. A fetch
// waits for a look-up it started at most rotationWait after its value
// arrived; a slower answer serves the next fetch. At most rotationLookups
// run at once, however many secrets a GetMany fetched.
const (
	rotationRecheck = 24 * time.Hour
	rotationWait    = 50 * time.Millisecond
	rotationLookups = 8
)

// rotationSchedule knows when cached secrets rotate next, so that a fetch
// can tell the cache to expire its value then.
type rotationSchedule struct {
	off     bool // Options.DisableRotationSchedule
	timeout time.Duration
	now     func() time.Time
	logger  *slog.Logger
	limit   int // the most secrets it remembers
	observe callObserver
	slots   chan struct{}
	ctx     context.Context // cancelled by close
	cancel  context.CancelFunc
	running sync.WaitGroup

	mu      sync.Mutex
	closed  bool
	known   map[Ref]*rotation
	refused map[string]bool // schemes whose look-ups were denied: not asked again
}

// rotation is what is known of one secret's schedule.
type rotation struct {
	recheck   time.Time     // when the schedule is looked up again
	next      time.Time     // the next rotation, when scheduled
	scheduled bool          // next is set
	done      chan struct{} // closed when the latest look-up ended
}

// init sets r up from the cache's settings s (defaults filled in).
func (r *rotationSchedule) init(s cache.Settings, off bool, limit int, observe callObserver) {
	r.observe = observe
	r.off = off
	r.timeout = s.LoadTimeout
	r.now = time.Now
	if s.Clock != nil {
		r.now = s.Clock.Now
	}
	r.logger = s.Logger
	r.limit = limit
	r.slots = make(chan struct{}, rotationLookups)
	r.ctx, r.cancel = context.WithCancel(context.Background())
	r.known = map[Ref]*rotation{}
	r.refused = map[string]bool{}
}

// close cancels the look-ups and waits for them, at most about a second.
func (r *rotationSchedule) close() {
	r.mu.Lock()
	r.closed = true
	r.mu.Unlock()
	r.cancel()
	waitfor.Group(&r.running, time.Second)
}

// lookUp starts a look-up of k's schedule in the background when p reads
// schedules and k's is due, and returns a channel closed when the latest
// look-up of k ends (nil when there is nothing to wait for).
func (r *rotationSchedule) lookUp(p providers.Provider, k Ref) <-chan struct{} {
	rs, ok := p.(providers.RotationScheduler)
	if !ok || r.off || k.Stage != "" || k.VersionID != "" {
		return nil // a pinned version does not rotate
	}
	now := r.now()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed || r.refused[k.Scheme] {
		return nil
	}
	known := r.known[k]
	switch {
	case known == nil:
	case now.Before(known.recheck) && !(known.scheduled && now.After(known.next.Add(RotationGrace))):
		return known.done // not due; a look-up may still be running
	case known.done != nil && !closedChan(known.done):
		return known.done
	}
	if len(r.known) >= r.limit {
		clear(r.known) // bounded by the cache's size, like the bindings
	}
	spread := 0.9 + 0.2*rand.Float64()
	entry := &rotation{recheck: now.Add(time.Duration(spread * float64(rotationRecheck))), done: make(chan struct{})}
	if known != nil {
		entry.next, entry.scheduled = known.next, known.scheduled
	}
	r.known[k] = entry
	r.running.Add(1)
	go r.run(rs, k, entry)
	return entry.done
}

// run looks k's schedule up, at most rotationLookups at a time, and
// records the answer in entry.
func (r *rotationSchedule) run(rs providers.RotationScheduler, k Ref, entry *rotation) {
	defer r.running.Done()
	defer close(entry.done)
	defer func() {
		if p := recover(); p != nil && r.logger != nil {
			r.logger.Error("secrets: rotation schedule look-up panicked", slog.Any("ref", k), slog.String("panic", panicType(p)))
		}
	}()
	select {
	case r.slots <- struct{}{}:
		defer func() { <-r.slots }()
	case <-r.ctx.Done():
		return
	}
	ctx, cancel := context.WithTimeout(r.ctx, r.timeout)
	defer cancel()
	ctx, end := r.observe(ctx, ProviderCall{Scheme: k.Scheme, Region: k.Region, Operation: OperationNextRotation,
		Refs: []Ref{k}, Background: true})
	defer endOnPanic(end, 1)
	next, scheduled, err := rs.NextRotation(ctx, request(k))
	end([]error{err})
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case errors.Is(err, ErrAccessDenied):
		// A policy that grants GetSecretValue only: rotation dates are a
		// refinement, not worth a denied call per secret.
		r.refused[k.Scheme] = true
		if r.logger != nil {
			r.logger.Info("secrets: rotation schedule not readable; values expire by TTL only",
				slog.String("scheme", k.Scheme), slog.String("error", err.Error()))
		}
	case err != nil:
		if r.logger != nil && r.ctx.Err() == nil {
			r.logger.Warn("secrets: rotation schedule look-up failed", slog.Any("ref", k), slog.String("error", err.Error()))
		}
	default:
		entry.next, entry.scheduled = next, scheduled
	}
}

// expiresBy waits for the look-up done (at most rotationWait) and returns
// when a value of k fetched now must expire: RotationGrace after its next
// scheduled rotation, or zero when none is known.
func (r *rotationSchedule) expiresBy(k Ref, done <-chan struct{}) time.Time {
	if done == nil {
		return time.Time{}
	}
	t := time.NewTimer(rotationWait)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if known := r.known[k]; known != nil && known.scheduled {
		return known.next.Add(RotationGrace)
	}
	return time.Time{}
}

func closedChan(ch chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// Candidates returns the values to try while a secret is being rotated: its
// current value first and, when its provider keeps a rotation's new version
// under a staging label (Secrets Manager's AWSPENDING) and the secret has
// one that differs from the current one, that value second. A client whose
// credential is rejected between a rotation function's setSecret and
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
	staged, ok := c.providers[b.ref.Scheme].(providers.Staged)
	if !ok {
		return []Value{cur}, nil
	}
	key := b.h.Key()
	key.Stage = staged.PendingStage()
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

// panicType describes a recovered panic by its value's type only: the value
// could hold a secret.
func panicType(p any) string { return fmt.Sprintf("a %T", p) }
