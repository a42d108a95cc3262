package secrets

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
)

// Environment variables that tune a Client without a change of code, as an
// operator may need to during an incident: read by New, each applied only
// when the Options field it sets is zero (code wins over environment).
//
// Each follows the rules of the field it sets, and New names the variable
// when its value is refused: "0" takes the field's default; "off" turns off
// a setting that can be off (MaxStale); a duration is written as
// time.ParseDuration reads it ("90s", "1h30m": units in lower case), and is
// refused when negative or longer than cache.MaxDuration. White space
// around a value is ignored, and the words (off, and the level names) may
// be written in any case.
const (
	// EnvTTL sets Options.TTL: a duration such as "5m", or "0".
	EnvTTL = "SECRETREF_TTL"
	// EnvMaxStale sets Options.MaxStale: a duration such as "1h", "0", or
	// "off" (Disabled).
	EnvMaxStale = "SECRETREF_MAX_STALE"
	// EnvFailoverRegions sets Options.FailoverRegions: region names
	// separated by commas, such as "us-west-2,eu-west-1".
	EnvFailoverRegions = "SECRETREF_FAILOVER_REGIONS"
	// EnvLogLevel sets Options.FailureLevel, the level background refresh
	// failures are logged at: "debug", "info", "warn" or "error", with an
	// optional offset as log/slog writes levels ("warn+2").
	EnvLogLevel = "SECRETREF_LOG_LEVEL"
)

// envSetting is one environment variable and the duration field it sets.
type envSetting struct {
	name     string
	field    string // the field of Options, as Settings.Validate names it
	canBeOff bool
	d        *time.Duration
}

// applyEnvironment sets the zero fields of o that the environment, read
// with getenv, tunes, and returns which variable set which field, for the
// errors of validate. A value that is not a duration (or a level) is an
// ErrInvalidArgument naming the variable; every one is reported.
func (o *Options) applyEnvironment(getenv func(string) string) (origins map[string]string, err error) {
	origins = map[string]string{}
	var errs []error
	for _, s := range []envSetting{
		{EnvTTL, "TTL", false, &o.TTL},
		{EnvMaxStale, "MaxStale", true, &o.MaxStale},
	} {
		v := strings.TrimSpace(getenv(s.name))
		if v == "" || *s.d != 0 {
			continue
		}
		d, err := parseEnvDuration(v, s.canBeOff)
		if err != nil {
			errs = append(errs, envError(s.name, getenv(s.name), err.Error()))
			continue
		}
		*s.d = d
		origins[s.field] = s.name + "=" + fmt.Sprintf("%q", getenv(s.name))
	}
	if v := strings.TrimSpace(getenv(EnvLogLevel)); v != "" && o.FailureLevel == nil {
		var l slog.Level
		if err := l.UnmarshalText([]byte(v)); err != nil {
			errs = append(errs, envError(EnvLogLevel, getenv(EnvLogLevel), `want debug, info, warn or error, optionally with an offset ("warn+2")`))
		} else {
			o.FailureLevel = l
		}
	}
	if v := strings.TrimSpace(getenv(EnvFailoverRegions)); v != "" && o.FailoverRegions == nil {
		for _, r := range strings.Split(v, ",") {
			r = strings.ToLower(strings.TrimSpace(r))
			if !regionPattern.MatchString(r) {
				errs = append(errs, envError(EnvFailoverRegions, getenv(EnvFailoverRegions), "want region names separated by commas, such as us-west-2,eu-west-1"))
				break
			}
			o.FailoverRegions = append(o.FailoverRegions, r)
		}
	}
	return origins, errors.Join(errs...)
}

// parseEnvDuration reads a duration variable's value: a duration, "0", or
// with canBeOff, "off".
func parseEnvDuration(v string, canBeOff bool) (time.Duration, error) {
	if strings.EqualFold(v, "off") {
		if !canBeOff {
			return 0, fmt.Errorf("want a duration such as 5m (this setting cannot be off)")
		}
		return Disabled, nil
	}
	want := "want a duration such as 5m, or 0 for the default"
	if canBeOff {
		want += `, or "off"`
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%s", want)
	}
	return d, nil
}

func envError(name, v, why string) error {
	return fmt.Errorf("secrets: %w: environment variable %s=%q: %s", ErrInvalidArgument, name, v, why)
}
