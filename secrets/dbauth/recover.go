package dbauth

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/secretref/secretref/providers"
	"github.com/secretref/secretref/secrets"
)

// recovery is one forced read of the credentials after the database
// rejected some: the refreshed current ones and, when the secret has them,
// the pending ones.
type recovery struct {
	seq   uint64        // 1 + the number of recoveries started before it
	done  chan struct{} // closed when the fields below are set
	basis *cred         // the refreshed current credentials
	cands []*cred       // basis, then the pending credentials if they differ
	// rotating: a rotation can be under way, the secret having a pending
	// version other than the current one (or one that could not be read).
	rotating bool
	err      error
	// abandoned: the caller that ran it gave up (its context ended).
	abandoned bool
}

// recover returns a recovery that started after the caller noted since
// (Auth.recoveries, before its attempt), or one still in flight: attempts
// failing at the same moment share one. It returns early, with ctx's
// error, when ctx is done.
func (a *Auth) recover(ctx context.Context, since uint64) (*recovery, error) {
	for {
		a.mu.Lock()
		r := a.recovery
		if r == nil || r.seq <= since && isDone(r.done) {
			r = &recovery{seq: a.recoveries.Add(1), done: make(chan struct{})}
			a.recovery = r
			a.mu.Unlock()
			a.run(ctx, r)
			if r.abandoned = ctx.Err() != nil; r.abandoned {
				// This caller gave up; the others must not take its
				// context's end for theirs.
				a.mu.Lock()
				if a.recovery == r {
					a.recovery = nil
				}
				a.mu.Unlock()
			}
			close(r.done)
			return r, r.err
		}
		a.mu.Unlock()
		select {
		case <-r.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if r.abandoned && ctx.Err() == nil {
			continue
		}
		return r, r.err
	}
}

// run reads the credentials again: a forced refresh of the reference that
// rotates, cached reads of the others, and a forced read of the pending
// version (the stage its provider keeps a rotation's new version under:
// Secrets Manager's AWSPENDING). A transient failure to refresh is not fatal: the cached value
// is tried again.
func (a *Auth) run(ctx context.Context, r *recovery) {
	ref := a.Ref()
	var vals values
	refreshed, refreshErr := a.client.Refresh(ctx, ref)
	if refreshErr != nil && (!providers.IsTransient(refreshErr) || ctx.Err() != nil) {
		r.err = refreshErr
		return
	}
	if err := a.read(ctx, &vals); err != nil {
		r.err = err
		return
	}
	if refreshErr == nil {
		vals[a.rotating] = refreshed
	}
	if r.basis, r.err = a.decode(&vals); r.err != nil {
		return
	}
	r.cands = []*cred{r.basis}
	if a.pending == "" {
		return
	}
	pv, err := a.readPending(ctx)
	switch {
	case errors.Is(err, secrets.ErrNotFound):
		return // no rotation under way
	case err != nil:
		r.rotating = true // cannot tell
		if a.opts.Logger != nil {
			a.opts.Logger.Warn("dbauth: reading the pending version of the credentials failed",
				slog.String("ref", a.pending), slog.String("error", err.Error()))
		}
		return
	}
	// After a rotation Secrets Manager may leave the pending label on the
	// current version.
	cur := vals[a.rotating]
	if r.rotating = pv.Version() != cur.Version() || pv.Version() == "" && pv.Reveal() != cur.Reveal(); !r.rotating {
		return
	}
	vals[a.rotating] = pv
	c, err := credentials(&a.refs, &vals, a.rotating)
	if err != nil {
		// A pending version that does not decode is the rotation's
		// problem; the current credentials are still worth trying.
		if a.opts.Logger != nil {
			a.opts.Logger.Warn("dbauth: the pending version of the credentials is unusable",
				slog.String("ref", a.pending), slog.String("error", err.Error()))
		}
		return
	}
	if !sameLogin(c, r.basis.Credentials) {
		r.cands = append(r.cands, &cred{Credentials: c, pending: true})
	}
}

// readPending reads the pending version. After a failure ("not found",
// outside a rotation window, which the Client does not cache) it does not
// ask again for pendingInterval: a wrong password would otherwise make
// every round of every rejected attempt ask. A version it found is read
// again at the next recovery: the next rotation may have replaced it.
func (a *Auth) readPending(ctx context.Context) (secrets.Value, error) {
	a.pendingMu.Lock()
	defer a.pendingMu.Unlock()
	if last := a.lastPending; last != nil && last.err != nil && time.Since(last.at) < pendingInterval {
		return last.v, last.err
	}
	v, err := a.client.Refresh(ctx, a.pending)
	if ctx.Err() == nil {
		a.lastPending = &pendingRead{at: time.Now(), v: v, err: err}
	}
	return v, err
}

func isDone(ch chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}
