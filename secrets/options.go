package secrets

import (
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/secretref/secretref/cache"
	"github.com/secretref/secretref/providers"
)

// Clock tells the time; tests substitute one to move time without sleeping.
type Clock = cache.Clock

// Options configures a Client. Pass functions that set them to New; a zero
// field takes the default given with it.
type Options struct {
	// AWSConfig is the configuration of the Secrets Manager and Parameter
	// Store clients. Default: config.LoadDefaultConfig, which reads the
	// region, credentials and AWS_ENDPOINT_URL from the environment. It is
	// not loaded when both "sm" and "ssm" have providers in Providers.
	AWSConfig *aws.Config
	// Providers maps a scheme to the provider that serves it, adding to or
	// replacing the built-in "sm", "ssm", "env" and "file".
	Providers map[string]providers.Provider
	// TTL is how long a value is served before it is fetched again.
	// Default 5 minutes.
	TTL time.Duration
	// Jitter spreads each TTL over ±Jitter×TTL, and a value's first
	// background refresh anywhere before its normal point, so that a fleet
	// started together does not refresh together. Default 0.1; negative
	// disables.
	Jitter float64
	// RefreshAhead is the last fraction of the TTL in which a read starts a
	// background refresh. Default 0.2; negative disables.
	RefreshAhead float64
	// MaxStale is how long past its TTL a value is still served while the
	// backend fails for a transient reason. Default 1 hour; negative disables.
	MaxStale time.Duration
	// MaxEntries bounds the number of values cached. Default 1024.
	MaxEntries int
	// NegativeTTL is how long a "not found" or "access denied" answer is
	// remembered. Default 0: not remembered.
	NegativeTTL time.Duration
	// LoadTimeout bounds each backend fetch. Default 30 seconds.
	LoadTimeout time.Duration
	// MinRefreshInterval is the least time between two fetches that Refresh
	// makes for one secret. Default 1 second; negative disables.
	MinRefreshInterval time.Duration
	// CountHits makes Stats count cache hits, at the price of an atomic add
	// on every hit. Default off.
	CountHits bool
	// Logger receives background refresh failures: the reference and the
	// error's class, never a value. Default: none.
	Logger *slog.Logger
	// Clock is the time source. Default: the system clock.
	Clock Clock
	// ClockGranularity, when positive (at least 1 ms), makes cache reads
	// use a clock that a goroutine advances this often instead of reading
	// the system clock, which on many virtual machines costs more than the
	// rest of a hit. Values then expire up to this much late. It is for
	// long-running processes such as ECS services, and is ignored in AWS
	// Lambda (when AWS_LAMBDA_RUNTIME_API is set): a frozen function's
	// goroutine does not run, so after a thaw its clock would show the
	// time of the freeze. Default 0: every read reads the system clock.
	ClockGranularity time.Duration
	// NoRotationSchedule stops the Client from reading Secrets Manager
	// rotation schedules (DescribeSecret, once per TTL per secret), so
	// values expire by TTL only. Set it when the role is not granted
	// secretsmanager:DescribeSecret, to make no call that is refused and
	// logged in CloudTrail. Default false: a value expires RotationGrace
	// after its secret's scheduled rotation when that comes before its TTL.
	NoRotationSchedule bool
	// Prefetch lists references New fetches (with GetMany) before it
	// returns, so that a Lambda function pays for them in its init phase.
	Prefetch []string
}

// WithAWSConfig makes the Client use cfg instead of loading the default
// AWS configuration.
func WithAWSConfig(cfg aws.Config) func(*Options) {
	return func(o *Options) { o.AWSConfig = &cfg }
}

// WithProvider registers p for references of the form scheme:..., replacing
// a built-in provider of the same scheme.
func WithProvider(scheme string, p providers.Provider) func(*Options) {
	return func(o *Options) {
		if o.Providers == nil {
			o.Providers = make(map[string]providers.Provider)
		}
		o.Providers[scheme] = p
	}
}

// WithTTL sets Options.TTL.
func WithTTL(d time.Duration) func(*Options) { return func(o *Options) { o.TTL = d } }

// WithJitter sets Options.Jitter.
func WithJitter(f float64) func(*Options) { return func(o *Options) { o.Jitter = f } }

// WithRefreshAhead sets Options.RefreshAhead.
func WithRefreshAhead(f float64) func(*Options) { return func(o *Options) { o.RefreshAhead = f } }

// WithMaxStale sets Options.MaxStale.
func WithMaxStale(d time.Duration) func(*Options) { return func(o *Options) { o.MaxStale = d } }

// WithMaxEntries sets Options.MaxEntries.
func WithMaxEntries(n int) func(*Options) { return func(o *Options) { o.MaxEntries = n } }

// WithNegativeTTL sets Options.NegativeTTL.
func WithNegativeTTL(d time.Duration) func(*Options) { return func(o *Options) { o.NegativeTTL = d } }

// WithLoadTimeout sets Options.LoadTimeout.
func WithLoadTimeout(d time.Duration) func(*Options) { return func(o *Options) { o.LoadTimeout = d } }

// WithMinRefreshInterval sets Options.MinRefreshInterval.
func WithMinRefreshInterval(d time.Duration) func(*Options) {
	return func(o *Options) { o.MinRefreshInterval = d }
}

// WithHitCounting sets Options.CountHits.
func WithHitCounting() func(*Options) { return func(o *Options) { o.CountHits = true } }

// WithLogger sets Options.Logger.
func WithLogger(l *slog.Logger) func(*Options) { return func(o *Options) { o.Logger = l } }

// WithClockGranularity sets Options.ClockGranularity.
func WithClockGranularity(d time.Duration) func(*Options) {
	return func(o *Options) { o.ClockGranularity = d }
}

// WithClock sets Options.Clock.
func WithClock(c Clock) func(*Options) { return func(o *Options) { o.Clock = c } }

// WithoutRotationSchedule sets Options.NoRotationSchedule.
func WithoutRotationSchedule() func(*Options) {
	return func(o *Options) { o.NoRotationSchedule = true }
}

// WithPrefetch adds refs to Options.Prefetch.
func WithPrefetch(refs ...string) func(*Options) {
	return func(o *Options) { o.Prefetch = append(o.Prefetch, refs...) }
}
