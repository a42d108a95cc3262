package secrets_test

import (
	"errors"
	"testing"

	"github.com/secretref/secretref/providers"
	"github.com/secretref/secretref/providers/memory"
	"github.com/secretref/secretref/secrets"
)

// PendingRef names a reference's pending version by the label its
// provider gives it, and nothing for a provider without stages or a
// reference that pins a version.
func TestPendingRef(t *testing.T) {
	store := memory.New()
	c, err := secrets.New(t.Context(), func(o *secrets.Options) {
		o.Providers = map[string]providers.Provider{secrets.SchemeSecretsManager: store, secrets.SchemeParameterStore: store, "vault": store, "plain": plainProvider{store}}
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, tc := range []struct{ ref, want string }{
		{"sm:prod/db", "sm:prod/db?stage=AWSPENDING"},
		{"sm:prod/db#password", "sm:prod/db?stage=AWSPENDING#password"},
		{"arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf", "sm:arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf?stage=AWSPENDING"},
		{"vault:prod/db", "vault:prod/db?stage=AWSPENDING"},
		{"sm:prod/db?stage=AWSPREVIOUS", ""},
		{"sm:prod/db?version-id=3", ""},
		{"plain:prod/db", ""},
		{"env:DB_PASSWORD", ""},
	} {
		got, err := c.PendingRef(tc.ref)
		if err != nil || got != tc.want {
			t.Errorf("PendingRef(%q) = %q, %v; want %q", tc.ref, got, err, tc.want)
		}
	}
	if _, err := c.PendingRef("sm:"); !errors.Is(err, secrets.ErrInvalidReference) {
		t.Errorf("PendingRef of a malformed reference: %v, want ErrInvalidReference", err)
	}
}

// plainProvider is a provider that keeps no staging labels.
type plainProvider struct{ providers.Provider }
