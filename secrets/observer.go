package secrets

import (
	"context"
	"log/slog"

	"github.com/secretref/secretref/cache"
)

// Observer is told what a Client does, for metrics and traces: what its
// cache does (reads that missed or were served stale, refreshes, evictions,
// new versions, watch deliveries; hits are counted in Stats), and each call
// the Client makes to a provider. Package secrets/otelsecrets implements it
// with OpenTelemetry.
//
// Its methods are called with no lock held, on the goroutine doing the
// work, never on the path of a cache hit. A panic in one is recovered and
// logged by type. The references passed are there for observers that need
// them; an observer that exports metrics should not make them attributes
// (a secret's name can itself be sensitive, and names are unbounded).
type Observer interface {
	cache.Observer[Ref]
	// ProviderCall is told of a call to a provider as it begins, with the
	// context the call will get, and returns the context to give it
	// instead (one carrying a span, say) and the function to call when it
	// ends, with one error per reference it read (nil for a success).
	ProviderCall(ctx context.Context, call ProviderCall) (context.Context, func(errs []error))
	// RegionChanged is told when the breaker of a provider in a region
	// changes state: the region failed and its secrets are read from their
	// fallback regions (RegionOpen), or it answers again (RegionHealthy).
	RegionChanged(scheme, region string, state RegionState)
}

// ProviderCall describes one call of a provider.
type ProviderCall struct {
	// Scheme is the provider's: "sm", "ssm", "env", "file" or a registered
	// one.
	Scheme string
	// Region is the region of the references read, "" for the provider's
	// default.
	Region string
	// Operation is what the provider is asked to do: "fetch" (one value),
	// "fetch_batch" (several), "fetch_path" (a Parameter Store listing)
	// or "describe" (a rotation schedule and replicas).
	Operation string
	// Refs are the references read (without #key); for fetch_path, the
	// path as a Parameter Store reference.
	Refs []Ref
	// Background reports that no caller waits for the call: a background
	// refresh, a look-up of a rotation schedule. Its context then carries
	// no caller's span.
	Background bool
	// Failover reports that Region is not the secret's own but one it is
	// replicated to (see Options.FailoverRegions).
	Failover bool
}

// Operations of a ProviderCall.
const (
	OperationFetch      = "fetch"
	OperationFetchBatch = "fetch_batch"
	OperationFetchPath  = "fetch_path"
	OperationDescribe   = "describe"
)

// callObserver wraps the provider calls the Client makes.
type callObserver func(ctx context.Context, call ProviderCall) (context.Context, func(errs []error))

// observeCalls returns the callObserver telling o of each call, recovering
// its panics (logged by type only: a panic's value could hold a secret).
// Without an observer it does nothing and allocates nothing.
func observeCalls(o Observer, logger *slog.Logger) callObserver {
	if o == nil {
		return func(ctx context.Context, _ ProviderCall) (context.Context, func([]error)) { return ctx, noEnd }
	}
	contain := func(what string) {
		if p := recover(); p != nil && logger != nil {
			logger.Error("secrets: observer panicked", slog.String("in", what), slog.String("panic", panicType(p)))
		}
	}
	return func(ctx context.Context, call ProviderCall) (callCtx context.Context, end func([]error)) {
		callCtx, end = ctx, noEnd
		defer contain("ProviderCall")
		c, e := o.ProviderCall(ctx, call)
		if c != nil {
			callCtx = c
		}
		if e != nil {
			end = func(errs []error) {
				defer contain("the end of a ProviderCall")
				e(errs)
			}
		}
		return callCtx, end
	}
}

func noEnd([]error) {}

// observeRegions returns the function telling o of a region's change,
// recovering its panics as observeCalls does.
func observeRegions(o Observer, logger *slog.Logger) func(scheme, region string, s RegionState) {
	if o == nil {
		return func(string, string, RegionState) {}
	}
	return func(scheme, region string, s RegionState) {
		defer func() {
			if p := recover(); p != nil && logger != nil {
				logger.Error("secrets: observer panicked", slog.String("in", "RegionChanged"), slog.String("panic", panicType(p)))
			}
		}()
		o.RegionChanged(scheme, region, s)
	}
}
