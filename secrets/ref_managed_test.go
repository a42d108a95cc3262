package secrets_test

import (
	"errors"
	"testing"

	"github.com/secretref/secretref/secrets"
)

// A secret another service manages is named after it: RDS keeps a DB
// instance's or cluster's master user password in rds!db-UUID or
// rds!cluster-UUID. Its name parses in every form; '!' anywhere else does
// not.
func TestManagedSecretNames(t *testing.T) {
	const name = "rds!db-3f1c5e2a-8b7d-4c6e-9a0b-1d2e3f4a5b6c"
	for _, tc := range []struct{ ref, wantName string }{
		{"sm:" + name, name},
		{"sm:" + name + "#password", name},
		{"sm:rds!cluster-3f1c5e2a-8b7d-4c6e-9a0b-1d2e3f4a5b6c", "rds!cluster-3f1c5e2a-8b7d-4c6e-9a0b-1d2e3f4a5b6c"},
		{"arn:aws:secretsmanager:eu-west-1:123456789012:secret:" + name + "-AbCdEf",
			"arn:aws:secretsmanager:eu-west-1:123456789012:secret:" + name + "-AbCdEf"},
		{"/aws/reference/secretsmanager/" + name, "/aws/reference/secretsmanager/" + name},
	} {
		r, err := secrets.ParseRef(tc.ref)
		if err != nil || r.Name != tc.wantName {
			t.Errorf("ParseRef(%q) = %q, %v; want %q", tc.ref, r.Name, err, tc.wantName)
		}
	}
	for _, ref := range []string{"sm:RDS!db-1", "sm:rds!db!1", "sm:!db", "sm:prod/rds!db"} {
		if _, err := secrets.ParseRef(ref); !errors.Is(err, secrets.ErrInvalidReference) {
			t.Errorf("ParseRef(%q): %v, want ErrInvalidReference", ref, err)
		}
	}
}
