package secrets

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"golang.org/x/sync/semaphore"
	"golang.org/x/sync/singleflight"

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
	calls   *calls
	lookups singleflight.Group  // one look-up per secret at a time
	slots   *semaphore.Weighted // rotationLookups at a time
	ctx     context.Context     // cancelled by close
	cancel  context.CancelFunc
	running sync.WaitGroup

	mu      sync.Mutex
	closed  bool
	known   map[Ref]*rotation
	refused map[string]bool // schemes whose look-ups were denied: not asked again
}

// rotation is what is known of one secret's schedule, and where it is
// replicated: what its description says.
type rotation struct {
	recheck   time.Time // when the schedule is looked up again
	next      time.Time // the next rotation, when scheduled
	scheduled bool      // next is set
	replicas  []string  // the regions it is replicated to; nil until described
}

// init sets r up from the cache's settings s (defaults filled in).
func (r *rotationSchedule) init(s cache.Settings, off bool, limit int, calls *calls) {
	r.calls = calls
	r.off = off
	r.timeout = s.LoadTimeout
	r.now = time.Now
	if s.Clock != nil {
		r.now = s.Clock.Now
	}
	r.logger = s.Logger
	r.limit = limit
	r.slots = semaphore.NewWeighted(rotationLookups)
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
// schedules and k's is due, and returns a channel closed when it ends
// (nil when there is nothing to wait for). Concurrent look-ups of one
// secret share one call.
func (r *rotationSchedule) lookUp(p providers.Provider, k Ref) <-chan struct{} {
	rs, ok := p.(providers.Describer)
	if !ok || r.off || k.Stage != "" || k.VersionID != "" {
		return nil // a pinned version does not rotate
	}
	now := r.now()
	r.mu.Lock()
	defer r.mu.Unlock()
	known := r.known[k]
	if r.closed || r.refused[k.Scheme] || !known.due(now) {
		return nil
	}
	if len(r.known) >= r.limit {
		clear(r.known) // bounded by the cache's size, like the bindings
	}
	spread := 0.9 + 0.2*rand.Float64()
	entry := &rotation{recheck: now.Add(time.Duration(spread * float64(rotationRecheck)))}
	if known != nil {
		entry.next, entry.scheduled, entry.replicas = known.next, known.scheduled, known.replicas
	}
	r.known[k] = entry
	done := make(chan struct{})
	r.running.Add(1)
	go func() {
		defer r.running.Done()
		defer close(done)
		_, _, _ = r.lookups.Do(k.String(), func() (any, error) {
			r.run(rs, k)
			return nil, nil
		})
	}()
	return done
}

// due reports whether a secret whose schedule is known (nil: not yet) is
// due for a look-up at now: never looked up, not for a day, or its
// scheduled rotation has passed.
func (known *rotation) due(now time.Time) bool {
	return known == nil || !now.Before(known.recheck) || known.scheduled && now.After(known.next.Add(RotationGrace))
}

// run looks k's schedule up, at most rotationLookups at a time, and
// records the answer.
func (r *rotationSchedule) run(rs providers.Describer, k Ref) {
	defer func() {
		if p := recover(); p != nil && r.logger != nil {
			r.logger.Error("secrets: rotation schedule look-up panicked", slog.Any("ref", k), slog.String("panic", panicType(p)))
		}
	}()
	if r.slots.Acquire(r.ctx, 1) != nil {
		return
	}
	defer r.slots.Release(1)
	ctx, cancel := context.WithTimeout(r.ctx, r.timeout)
	defer cancel()
	ctx, end, err := r.calls.begin(ctx, ProviderCall{Scheme: k.Scheme, Region: k.Region, Operation: OperationDescribe,
		Refs: []Ref{k}, Background: true})
	if err != nil {
		return
	}
	defer endOnPanic(end, 1)
	d, err := rs.Describe(ctx, request(k))
	end([]error{err})
	r.record(k, d, err)
}

// record keeps what a look-up of k answered.
func (r *rotationSchedule) record(k Ref, d providers.Description, err error) {
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
		if entry := r.known[k]; entry != nil {
			entry.next, entry.scheduled = d.NextRotation, !d.NextRotation.IsZero()
			entry.replicas = append([]string{}, d.Replicas...)
		}
	}
}

// replicas returns the regions k's description says it is replicated to,
// and whether it was described at all.
func (r *rotationSchedule) replicas(k Ref) ([]string, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if known := r.known[k]; known != nil && known.replicas != nil {
		return known.replicas, true
	}
	return nil, false
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

// panicType describes a recovered panic by its value's type only: the value
// could hold a secret.
func panicType(p any) string { return fmt.Sprintf("a %T", p) }
