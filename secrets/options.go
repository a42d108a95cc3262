package secrets

import (
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/secretref/secretref/cache"
	"github.com/secretref/secretref/providers"
)

// Disabled turns off a setting that can be off, such as MaxStale or
// RefreshAhead: o.MaxStale = secrets.Disabled.
const Disabled = cache.Disabled

// Options configures a Client. New takes functions that set them, in the
// style of the AWS SDK for Go:
//
//	c, err := secrets.New(ctx, func(o *secrets.Options) {
//		o.TTL = time.Minute
//		o.Logger = logger
//	})
//
// Every field has one rule: zero takes the default given with it; Disabled
// (-1) turns off a feature that can be off; any other negative or
// out-of-range value makes New fail with an error wrapping
// ErrInvalidArgument that names the field. Operators can tune some fields
// through the environment without a change of code (see [New]); a value set
// in code wins.
type Options struct {
	// Settings are how values are cached: TTL (default 5 minutes),
	// Jitter (0.1), RefreshAhead (0.2), MaxStale (1 hour), StaleWait
	// (100 ms), MaxEntries (1024), NegativeTTL (off), LoadTimeout (30 s,
	// each backend call), MinRefreshInterval (1 s), RetryBackoff (1 s),
	// MaxRetryBackoff (1 minute), CoalesceAfter (0.5), ClockGranularity
	// (1 ms), Clock, Logger and FailureLevel (Warn). See [cache.Settings]
	// for each. They are embedded rather than copied into fields of
	// Options so that there is one definition of each, which the Client
	// hands to its cache whole.
	//
	// In AWS Lambda (AWS_LAMBDA_RUNTIME_API set) a zero ClockGranularity
	// means Disabled: a frozen function's clock goroutine does not run, so
	// after a thaw a coarse clock would show the time of the freeze.
	cache.Settings

	// AWSConfig configures the Secrets Manager and Parameter Store clients
	// of the built-in "sm" and "ssm" providers. Default: the result of
	// config.LoadDefaultConfig, which reads the region, the credentials and
	// AWS_ENDPOINT_URL from the environment. New loads it unless Providers
	// replaces both "sm" and "ssm".
	AWSConfig *aws.Config
	// Providers maps a scheme to the provider that serves it, adding to or
	// replacing the built-in "sm", "ssm", "env" and "file".
	Providers map[string]providers.Provider
	// TTLByRef gives some references a TTL of their own: a hot flag read
	// every 30 seconds beside secrets read every 5 minutes. A reference
	// here stands for the secret it names, whatever #key follows it; when
	// two entries name one secret, the shorter TTL wins.
	TTLByRef map[string]time.Duration
	// DisableRotationSchedule stops the Client from reading Secrets Manager
	// rotation schedules (DescribeSecret, about once a day per secret),
	// so values expire by TTL only. Set it when the role is not granted
	// secretsmanager:DescribeSecret, to make no call that is refused and
	// logged in CloudTrail. Default: a value expires RotationGrace after its
	// secret's next scheduled rotation when that comes before its TTL.
	DisableRotationSchedule bool
	// FailoverRegions are the regions, in order, that a secret or
	// parameter is read from when its own region fails or does not answer:
	// those Secrets Manager replicates the secrets to, or that hold copies
	// of the parameters (Parameter Store does not replicate). A secret's own
	// region is the one its ARN names, or the Client's. A region's breaker
	// opens after BreakerFailures consecutive transient failures or stalls;
	// while it is open, fetches go to the next healthy region at once, and
	// one probe at a time tests it again. A fetch with nothing cached asks
	// the next region too when its own has not answered within
	// FailoverWait. "Not found", "access denied", a KMS denial or a
	// misconfiguration never fail over. Once a secret has been described
	// (DescribeSecret, with its rotation schedule), the replicas its
	// ReplicationStatus names that are not configured are tried after the
	// configured regions; a configured region it does not name is logged
	// once, and still tried (a copy of the secret may be there, as
	// parameters are copied). Default: none; also EnvFailoverRegions.
	FailoverRegions []string
	// FailoverWait is how long a fetch waits for a region before it counts
	// a stall against the region's breaker, and, with nothing cached to
	// serve meanwhile, asks the next region as well. Default
	// DefaultFailoverWait.
	FailoverWait time.Duration
	// DisableBatching makes the Client read every value with a call of its
	// own (GetSecretValue, GetParameter), never with BatchGetSecretValue or
	// GetParameters: GetMany, Load and Prefetch then make one call per
	// secret, and background refreshes are not coalesced. Set it when the
	// role is granted only the single-value calls, to make no call that is
	// refused and logged in CloudTrail (without it, the first batch call
	// is refused once and the Client stops trying). Default: batch calls
	// wherever two or more values of one service and region can share one.
	DisableBatching bool
	// Observer is told what the Client does, for metrics and traces: see
	// package secrets/otelsecrets. Default: none.
	Observer Observer
	// Prefetch lists references New fetches (with GetMany) before it
	// returns, so that a Lambda function pays for them in its init phase.
	// New fails when any of them cannot be read.
	Prefetch []string
}

// validate reports every field of o that is out of range, each as an
// ErrInvalidArgument naming it, or the environment variable that set it
// (origins, from applyEnvironment), joined with errors.Join.
func (o *Options) validate(origins map[string]string) error {
	var errs []error
	if err := o.Settings.Validate(); err != nil {
		for _, e := range unjoin(err) {
			errs = append(errs, settingError(e, origins))
		}
	}
	for scheme, p := range o.Providers {
		if !schemePattern.MatchString(scheme) || scheme == "arn" {
			errs = append(errs, fmt.Errorf("secrets: %w: Options.Providers: scheme %q is not a lower-case word", ErrInvalidArgument, scheme))
		} else if p == nil {
			errs = append(errs, fmt.Errorf("secrets: %w: Options.Providers: nil provider for scheme %q", ErrInvalidArgument, scheme))
		}
	}
	for _, r := range o.FailoverRegions {
		if !regionPattern.MatchString(r) {
			errs = append(errs, fmt.Errorf("secrets: %w: Options.FailoverRegions: %q is not a region name such as us-west-2", ErrInvalidArgument, r))
		}
	}
	if o.FailoverWait < 0 || o.FailoverWait > cache.MaxDuration {
		errs = append(errs, fmt.Errorf("secrets: %w: Options.FailoverWait is %v; want a positive duration or 0 for the default", ErrInvalidArgument, o.FailoverWait))
	}
	for ref, ttl := range o.TTLByRef {
		if ttl <= 0 || ttl > cache.MaxDuration {
			errs = append(errs, fmt.Errorf("secrets: %w: Options.TTLByRef[%q] is %v; want a positive duration, at most %v",
				ErrInvalidArgument, ref, ttl, cache.MaxDuration))
		}
	}
	return errors.Join(errs...)
}

// settingError words a cache setting's error as the Client's: naming the
// Options field, or the environment variable that set it.
func settingError(err error, origins map[string]string) error {
	var se *cache.SettingError
	if !errors.As(err, &se) {
		return fmt.Errorf("secrets: %w: %w", ErrInvalidArgument, err)
	}
	if origin, ok := origins[se.Field]; ok {
		return fmt.Errorf("secrets: %w: environment variable %s (Options.%s): want %s", ErrInvalidArgument, origin, se.Field, se.Want)
	}
	return fmt.Errorf("secrets: %w: Options.%s is %v; want %s", ErrInvalidArgument, se.Field, se.Value, se.Want)
}

// unjoin returns the errors errors.Join joined into err, or err alone.
func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// ttlsByKey parses o.TTLByRef into TTLs by cache key, with custom telling
// the registered schemes. The TTLs themselves, like every other field, are
// checked by validate, which New calls first.
func (o *Options) ttlsByKey(custom func(string) bool) (map[Ref]time.Duration, error) {
	if len(o.TTLByRef) == 0 {
		return nil, nil
	}
	out := make(map[Ref]time.Duration, len(o.TTLByRef))
	var errs []error
	for ref, ttl := range o.TTLByRef {
		r, err := parseRef(ref, custom)
		if err != nil {
			errs = append(errs, fmt.Errorf("Options.TTLByRef: %w", err))
			continue
		}
		r.Key = ""
		if old, ok := out[r]; !ok || ttl < old {
			out[r] = ttl
		}
	}
	return out, errors.Join(errs...)
}
