package dbauth

import (
	"context"
	"math/rand/v2"
	"time"
)

// Connect calls dial with the credentials a new connection should use and
// returns what it returns. When the database rejects the credentials, it
// finds the rotated ones as the package documentation describes, within
// ctx and Options.RotationWindow, and only while a rotation can be under
// way; dial is called once per credentials tried and must honour ctx. Errors are classified (see [IsUnavailable]),
// name the reference and never hold a password.
func Connect[C any](ctx context.Context, a *Auth, dial func(context.Context, Credentials) (C, error)) (C, error) {
	c, _, err := connect(ctx, a, func(ctx context.Context, k *cred) (C, error) { return dial(ctx, k.Credentials) })
	return c, err
}

// connect is Connect that also returns the credentials that worked.
func connect[C any](ctx context.Context, a *Auth, dial func(context.Context, *cred) (C, error)) (C, *cred, error) {
	var zero C
	since := a.recoveries.Load()
	k, err := a.first(ctx)
	if err != nil {
		return zero, nil, err
	}
	c, err := dial(ctx, k)
	switch {
	case err == nil:
		return c, k, nil
	case !a.opts.IsAuthFailure(err):
		return zero, nil, a.failed(k, err)
	}
	return retry(ctx, a, dial, since, k, err)
}

// retry looks for credentials the database accepts after it rejected k.
func retry[C any](ctx context.Context, a *Auth, dial func(context.Context, *cred) (C, error), since uint64, k *cred, err error) (C, *cred, error) {
	var zero C
	start := time.Now()
	deadline := start.Add(a.opts.RotationWindow)
	rej := rejection{tried: []*cred{k}, last: err}
	failed := []*cred{k} // in this round
	last := k            // the last credentials rejected
	for wait := firstWait; ; wait = min(2*wait, maxWait) {
		r, err := a.round(ctx, since, last)
		if err != nil {
			if end := ended(ctx); end != nil {
				return zero, nil, a.rejected(rej, end, start, "")
			}
			return zero, nil, err // the secret itself cannot be read
		}
		since = r.seq
		for _, cand := range r.cands {
			if containsLogin(failed, cand) {
				continue
			}
			c, err := dial(ctx, cand)
			if err == nil {
				if a.iam == nil {
					a.prefer(r.basis, cand)
				}
				return c, cand, nil
			}
			if end := ended(ctx); end != nil {
				return zero, nil, a.rejected(rej, end, start, "")
			}
			if !a.opts.IsAuthFailure(err) {
				return zero, nil, a.failed(cand, err)
			}
			rej.add(cand, err)
			failed = append(failed, cand)
			last = cand
		}
		failed = failed[:0]
		if !r.rotating && !a.changedWithin(a.opts.RotationWindow) {
			return zero, nil, a.rejected(rej, nil, start, endNoRotation)
		}
		left := time.Until(deadline)
		if left <= 0 {
			return zero, nil, a.rejected(rej, nil, start, endWindow)
		}
		if err := sleep(ctx, min(jitter(wait), left)); err != nil {
			return zero, nil, a.rejected(rej, err, start, "")
		}
	}
}

// round returns what to try after the database rejected last: a
// recovery, or with IAM authentication another token.
func (a *Auth) round(ctx context.Context, since uint64, last *cred) (*recovery, error) {
	if a.iam != nil {
		return a.iamRound(ctx, since, last)
	}
	return a.recover(ctx, since)
}

func containsLogin(ks []*cred, k *cred) bool {
	for _, x := range ks {
		if sameLogin(x.Credentials, k.Credentials) {
			return true
		}
	}
	return false
}

// jitter returns a duration between half of d and d, so that attempts
// rejected together do not retry together.
func jitter(d time.Duration) time.Duration {
	return d/2 + rand.N(d/2+1)
}

// sleep waits for d or until ctx is done, whichever comes first, and
// returns ctx's error in the second case.
// ended returns ctx's error, or context.DeadlineExceeded once ctx's deadline
// has passed: a dial bounded by the deadline (net.Dialer uses it as its
// own) can fail with an i/o timeout an instant before ctx's timer fires,
// and that failure is the deadline's, not the database's.
func ended(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d, ok := ctx.Deadline(); ok && !time.Now().Before(d) {
		return context.DeadlineExceeded
	}
	return nil
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
