package secrets

import (
	"fmt"
	"log/slog"
	"strings"
	"time"
)

// Environment variables that tune a Client without a change of code, as an
// operator may need to during an incident: read by New, each applied only
// when the Options field it sets is zero (code wins over environment).
const (
	// EnvTTL sets Options.TTL: a Go duration such as "5m" or "90s".
	EnvTTL = "SECRETREF_TTL"
	// EnvMaxStale sets Options.MaxStale: a duration, or "off" (Disabled).
	EnvMaxStale = "SECRETREF_MAX_STALE"
	// EnvLogLevel sets Options.FailureLevel, the level background refresh
	// failures are logged at: "debug", "info", "warn" or "error".
	EnvLogLevel = "SECRETREF_LOG_LEVEL"
)

// applyEnvironment sets the zero fields of o that the environment, read
// with getenv, tunes. A malformed value is an ErrInvalidArgument naming the
// variable.
func (o *Options) applyEnvironment(getenv func(string) string) error {
	bad := func(name, v, want string) error {
		return fmt.Errorf("secrets: %w: environment variable %s=%q: want %s", ErrInvalidArgument, name, v, want)
	}
	if v := getenv(EnvTTL); v != "" && o.TTL == 0 {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return bad(EnvTTL, v, "a positive duration such as 5m")
		}
		o.TTL = d
	}
	if v := getenv(EnvMaxStale); v != "" && o.MaxStale == 0 {
		if strings.EqualFold(v, "off") {
			o.MaxStale = Disabled
		} else {
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				return bad(EnvMaxStale, v, `a positive duration such as 1h, or "off"`)
			}
			o.MaxStale = d
		}
	}
	if v := getenv(EnvLogLevel); v != "" && o.FailureLevel == nil {
		var l slog.Level
		if err := l.UnmarshalText([]byte(v)); err != nil {
			return bad(EnvLogLevel, v, "debug, info, warn or error")
		}
		o.FailureLevel = l
	}
	return nil
}
