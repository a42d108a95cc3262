package secrets_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/secretref/secretref/cache"
	"github.com/secretref/secretref/providers"
	"github.com/secretref/secretref/providers/memory"
	"github.com/secretref/secretref/secrets"
)

// newWithEnv calls secrets.New with the environment variables env set, on
// an in-memory store (no AWS configuration is loaded).
func newWithEnv(t *testing.T, env map[string]string, opts ...func(*secrets.Options)) (*secrets.Client, error) {
	t.Helper()
	for _, name := range []string{secrets.EnvTTL, secrets.EnvMaxStale, secrets.EnvLogLevel} {
		t.Setenv(name, env[name])
	}
	store := memory.New()
	c, err := secrets.New(context.Background(), append([]func(*secrets.Options){func(o *secrets.Options) {
		o.Providers = map[string]providers.Provider{secrets.SchemeSecretsManager: store, secrets.SchemeParameterStore: store}
	}}, opts...)...)
	if err == nil {
		t.Cleanup(func() { _ = c.Close() })
	}
	return c, err
}

// New refuses a duration past cache.MaxDuration, in a field or in the
// variable that sets it, naming which; several bad options are all named.
func TestNewRefusesDurationsThatOverflow(t *testing.T) {
	for _, tc := range []struct {
		name  string
		env   map[string]string
		opts  func(*secrets.Options)
		names []string // each must be in the error
		n     int      // the errors joined
	}{
		{"TTL near the largest duration", nil, func(o *secrets.Options) { o.TTL = 1<<63 - 1 }, []string{"Options.TTL"}, 1},
		{"SECRETREF_TTL=2562047h", map[string]string{secrets.EnvTTL: "2562047h"}, nil, []string{secrets.EnvTTL, "Options.TTL"}, 1},
		{"SECRETREF_MAX_STALE=100000h", map[string]string{secrets.EnvMaxStale: "100000h"}, nil, []string{secrets.EnvMaxStale}, 1},
		{"TTLByRef", nil, func(o *secrets.Options) { o.TTLByRef = map[string]time.Duration{"sm:a": cache.MaxDuration + 1} }, []string{"TTLByRef"}, 1},
		{"every field named", nil, func(o *secrets.Options) {
			o.TTL, o.LoadTimeout, o.Jitter, o.MaxEntries = 1<<62, -5, 3, -1
		}, []string{"Options.TTL", "Options.LoadTimeout", "Options.Jitter", "Options.MaxEntries"}, 4},
		{"every variable named", map[string]string{secrets.EnvTTL: "forever", secrets.EnvMaxStale: "-1h", secrets.EnvLogLevel: "loud"}, nil,
			[]string{secrets.EnvTTL, secrets.EnvMaxStale, secrets.EnvLogLevel}, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := []func(*secrets.Options){}
			if tc.opts != nil {
				opts = append(opts, tc.opts)
			}
			_, err := newWithEnv(t, tc.env, opts...)
			if !errors.Is(err, secrets.ErrInvalidArgument) {
				t.Fatalf("New: %v, want ErrInvalidArgument", err)
			}
			for _, name := range tc.names {
				if !strings.Contains(err.Error(), name) {
					t.Errorf("error %q does not name %s", err, name)
				}
			}
			if n := strings.Count(err.Error(), "secrets: invalid argument"); n != tc.n {
				t.Errorf("%d errors in %q, want %d", n, err, tc.n)
			}
		})
	}
}

// The variables follow the rules of the fields they set: 0 takes the
// default, off turns off what can be off, white space around a value and
// the case of a word do not matter, and code wins.
func TestEnvironmentFollowsTheFieldsRules(t *testing.T) {
	for _, tc := range []struct {
		name  string
		env   map[string]string
		opts  func(*secrets.Options)
		check func(s cache.Settings) bool
	}{
		{"TTL 0 is the default", map[string]string{secrets.EnvTTL: "0"}, nil, func(s cache.Settings) bool { return s.TTL == cache.DefaultTTL }},
		{"TTL with spaces", map[string]string{secrets.EnvTTL: " 90s\n"}, nil, func(s cache.Settings) bool { return s.TTL == 90*time.Second }},
		{"MaxStale OFF", map[string]string{secrets.EnvMaxStale: "OFF"}, nil, func(s cache.Settings) bool { return s.MaxStale == 0 }},
		{"MaxStale 0 is the default", map[string]string{secrets.EnvMaxStale: "0"}, nil, func(s cache.Settings) bool { return s.MaxStale == cache.DefaultMaxStale }},
		{"level in capitals with an offset", map[string]string{secrets.EnvLogLevel: "WARN+2"}, nil, func(s cache.Settings) bool { return s.FailureLevel.Level() == 6 }},
		{"code wins", map[string]string{secrets.EnvTTL: "1h"}, func(o *secrets.Options) { o.TTL = time.Minute }, func(s cache.Settings) bool { return s.TTL == time.Minute }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := []func(*secrets.Options){}
			if tc.opts != nil {
				opts = append(opts, tc.opts)
			}
			c, err := newWithEnv(t, tc.env, opts...)
			if err != nil {
				t.Fatal(err)
			}
			if s := c.Settings(); !tc.check(s) {
				t.Errorf("settings %+v", s)
			}
		})
	}
	for _, env := range []map[string]string{
		{secrets.EnvTTL: "off"}, {secrets.EnvTTL: "-5m"}, {secrets.EnvTTL: "5M"}, {secrets.EnvMaxStale: "never"},
	} {
		if _, err := newWithEnv(t, env); !errors.Is(err, secrets.ErrInvalidArgument) {
			t.Errorf("New with %v: %v, want ErrInvalidArgument", env, err)
		}
	}
}
