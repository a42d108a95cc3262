package cache

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

// Validate names every setting out of range, not only the first.
func TestValidateNamesEverySetting(t *testing.T) {
	s := Settings{TTL: -5, Jitter: 2, MaxEntries: -1, LoadTimeout: math.MaxInt64, MaxStale: MaxDuration + 1}
	err := s.Validate()
	if !errors.Is(err, ErrInvalidSettings) {
		t.Fatalf("error %v, want one wrapping ErrInvalidSettings", err)
	}
	for _, field := range []string{"TTL", "Jitter", "MaxEntries", "LoadTimeout", "MaxStale"} {
		if !strings.Contains(err.Error(), field+" is ") {
			t.Errorf("error %q does not name %s", err, field)
		}
	}
	var se *SettingError
	if !errors.As(err, &se) || se.Field == "" || se.Want == "" {
		t.Errorf("error %v holds no *SettingError", err)
	}
}

// Every duration setting is refused past MaxDuration: a deadline that far
// off would overflow the clock.
func TestDurationsPastMaxDurationAreRefused(t *testing.T) {
	for _, d := range (Settings{}).durations() {
		for _, v := range []time.Duration{MaxDuration + 1, math.MaxInt64, 2562047 * time.Hour} {
			var s Settings
			s.ClockGranularity = Disabled
			set(&s, d.name, v)
			if err := s.Validate(); err == nil || !strings.Contains(err.Error(), d.name) {
				t.Errorf("%s = %v: error %v, want one naming it", d.name, v, err)
			}
		}
		var s Settings
		set(&s, d.name, MaxDuration)
		if d.name == "RetryBackoff" {
			s.MaxRetryBackoff = MaxDuration
		}
		if err := s.Validate(); err != nil {
			t.Errorf("%s = MaxDuration: %v", d.name, err)
		}
	}
}

// set sets the duration setting name of s to v.
func set(s *Settings, name string, v time.Duration) {
	fields := map[string]*time.Duration{
		"TTL": &s.TTL, "MaxStale": &s.MaxStale, "StaleWait": &s.StaleWait, "NegativeTTL": &s.NegativeTTL,
		"LoadTimeout": &s.LoadTimeout, "MinRefreshInterval": &s.MinRefreshInterval, "RetryBackoff": &s.RetryBackoff,
		"MaxRetryBackoff": &s.MaxRetryBackoff, "ClockGranularity": &s.ClockGranularity,
	}
	*fields[name] = v
}

// The longest TTL and MaxStale, with the most jitter, and a loader's TTL
// past MaxDuration: the value is loaded once and then served, not loaded
// again at every read because a deadline overflowed.
func TestLongestDurationsDoNotOverflow(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts func(*Options[string, string])
		ttl  time.Duration // the loader's
	}{
		{"TTL and MaxStale at MaxDuration", func(o *Options[string, string]) {
			o.TTL, o.MaxStale, o.Jitter, o.RefreshAhead = MaxDuration, MaxDuration, 0.5, 0.2
		}, 0},
		{"jitter off", func(o *Options[string, string]) { o.TTL, o.MaxStale = MaxDuration, MaxDuration }, 0},
		{"a loader's TTL past MaxDuration", func(o *Options[string, string]) { o.Jitter = 0.5 }, math.MaxInt64},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for range 12 {
				b := newBackend()
				b.set("k", "v")
				c, _ := newTest(t, b, tc.opts)
				load := c.load
				c.load = func(ctx context.Context, k string) Loaded[string] {
					l := load(ctx, k)
					l.TTL = tc.ttl
					return l
				}
				for range 5 {
					mustGet(t, c, "k", "v")
				}
				if n := b.calls.Load(); n != 1 {
					t.Fatalf("%d loads for 5 reads, want 1", n)
				}
			}
		})
	}
}
