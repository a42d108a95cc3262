package secrets

import (
	"cmp"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/arn"
)

// DefaultFailoverWait is Options.FailoverWait's default: longer than a
// healthy region takes to answer a first call (a new connection's DNS look-
// up and TLS handshake included), short enough that a read with a
// one-second deadline is answered by a replica when its own region does
// not answer at all.
const DefaultFailoverWait = 500 * time.Millisecond

// regions knows which regions can serve a secret, in which order, and, for
// each provider and region, whether to call it now (its breaker).
type regions struct {
	fallbacks []string      // Options.FailoverRegions, in order
	home      string        // the Client's region
	wait      time.Duration // Options.FailoverWait
	replicas  func(Ref) ([]string, bool)
	logger    *slog.Logger
	changed   func(scheme, region string, s RegionState) // tells the observer
	now       func() time.Time

	failovers atomic.Uint64 // fetches answered by another region than the secret's
	hedges    atomic.Uint64 // calls to another region made because the secret's was slow

	mu       sync.Mutex
	breakers map[string]*breaker // by scheme and region
	warned   map[string]bool     // secret and region pairs logged as not replicated there
}

// init sets r up from o, for a Client whose region is home, with the
// replicas its descriptions name.
func (r *regions) init(o *Options, home string, replicas func(Ref) ([]string, bool)) {
	r.fallbacks = o.FailoverRegions
	r.home = home
	r.wait = o.FailoverWait
	if r.wait == 0 {
		r.wait = DefaultFailoverWait
	}
	r.replicas = replicas
	r.logger = o.Logger
	r.now = time.Now
	if o.Clock != nil {
		r.now = o.Clock.Now
	}
	r.changed = observeRegions(o.Observer, o.Logger)
	r.breakers = map[string]*breaker{}
	r.warned = map[string]bool{}
}

// maxWarned bounds the pairs remembered as logged.
const maxWarned = 1024

// failsOver reports whether references of scheme can be read in another
// region: those of the built-in AWS providers, when fallbacks are known.
func failsOver(scheme string) bool {
	return scheme == SchemeSecretsManager || scheme == SchemeParameterStore
}

// homeOf returns the region k's secret lives in: its ARN's, or the Client's.
func (r *regions) homeOf(k Ref) string {
	if k.Region != "" {
		return k.Region
	}
	return r.home
}

// plan returns the regions that can serve k, its home first: the
// configured regions, in their order, then the other regions its
// description names as replicas. A configured region the description does
// not name is kept (the secret may have been copied there by hand, as
// parameters are), and logged once. Without a description (a process that
// started during an outage), the configured regions are all there is.
func (r *regions) plan(k Ref) []string {
	home := r.homeOf(k)
	out := []string{home}
	if !failsOver(k.Scheme) {
		return out
	}
	learned, described := r.replicas(k)
	for _, f := range r.fallbacks {
		switch {
		case f == home || slices.Contains(out, f):
		default:
			if described && !slices.Contains(learned, f) {
				r.warnNotReplica(k, f)
			}
			out = append(out, f)
		}
	}
	for _, l := range learned {
		if l != home && !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	return out
}

// warnNotReplica logs, once per secret and region, that a configured
// region does not hold a replica of k.
func (r *regions) warnNotReplica(k Ref, region string) {
	key := k.String() + "\x00" + region
	r.mu.Lock()
	seen := r.warned[key]
	if !seen {
		if len(r.warned) >= maxWarned {
			clear(r.warned)
		}
		r.warned[key] = true
	}
	r.mu.Unlock()
	if !seen && r.logger != nil {
		r.logger.Warn("secrets: the secret is not replicated to a failover region; it is read there only if a copy of the same name is",
			slog.Any("ref", k), slog.String("region", region))
	}
}

// allow reports whether a call of scheme may go to region now, and whether
// it is a probe of an open breaker.
func (r *regions) allow(scheme, region string) (ok, probe bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.breakerLocked(scheme, region).allowLocked(r.now())
}

// done records the outcome of a call of scheme to region.
func (r *regions) done(scheme, region string, probe, failed bool) {
	r.mu.Lock()
	b := r.breakerLocked(scheme, region)
	changed := b.doneLocked(r.now(), probe, failed)
	state, failures := b.stateLocked(), b.failures
	r.mu.Unlock()
	if !changed {
		return
	}
	if r.logger != nil {
		if state == RegionOpen {
			r.logger.Warn("secrets: region failing; reading its secrets from their fallback regions",
				slog.String("scheme", scheme), slog.String("region", region), slog.Int("failures", failures))
		} else {
			r.logger.Info("secrets: region answering again", slog.String("scheme", scheme), slog.String("region", region))
		}
	}
	r.changed(scheme, region, state)
}

// abandon gives up a probe of scheme in region whose call was cancelled.
func (r *regions) abandon(scheme, region string, probe bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.breakerLocked(scheme, region).abandonLocked(probe)
}

func (r *regions) breakerLocked(scheme, region string) *breaker {
	key := scheme + "\x00" + region
	b := r.breakers[key]
	if b == nil {
		b = &breaker{}
		r.breakers[key] = b
	}
	return b
}

// RegionStats is the state of one provider's breaker in one region.
type RegionStats struct {
	Scheme, Region string
	State          RegionState
	Failures       int // consecutive failed calls
}

// states returns every breaker's state, in scheme and region order.
func (r *regions) states() []RegionStats {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]RegionStats, 0, len(r.breakers))
	for key, b := range r.breakers {
		scheme, region, _ := strings.Cut(key, "\x00")
		out = append(out, RegionStats{Scheme: scheme, Region: region, State: b.stateLocked(), Failures: b.failures})
	}
	slices.SortFunc(out, func(a, b RegionStats) int {
		return cmp.Or(cmp.Compare(a.Scheme, b.Scheme), cmp.Compare(a.Region, b.Region))
	})
	return out
}

// inRegion returns k as it is asked for in region: an ARN's region
// replaced (a replica's ARN differs from its primary's in the region
// alone), and Region set.
func inRegion(k Ref, region string) Ref {
	if k.Region == region {
		return k
	}
	if a, err := arn.Parse(k.Name); err == nil {
		a.Region = region
		k.Name = a.String()
	}
	k.Region = region
	return k
}
