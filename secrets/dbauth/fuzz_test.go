package dbauth_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/secretref/secretref/providers/memory"
	"github.com/secretref/secretref/secrets"
	"github.com/secretref/secretref/secrets/dbauth"
)

// Whatever a database secret holds, reading credentials from it gives
// credentials with a password, or a classified error that does not quote
// the secret.
func FuzzCredentials(f *testing.F) {
	for _, seed := range []string{
		`{"engine":"postgres","host":"db.internal","port":5432,"username":"orders","password":"pw-seed-1","dbname":"orders"}`,
		`{"username":"postgres","password":"pw-seed-2"}`,
		`{"port":"6432","password":"pw-seed-3"}`,
		`{"port":"http","password":"pw-seed-4"}`,
		`{"port":1e9,"password":"pw-seed-5"}`,
		`{"password":null}`,
		`{"password":["not","a","string"]}`,
		`[1,2,3]`,
		`not json at all`,
		``,
	} {
		f.Add(seed)
	}
	store := memory.New()
	store.Put(secretName, `{"password":"initial"}`)
	c := newClientTB(f, store)
	a, err := dbauth.New(c, dbauth.Source{Secret: secretRef})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = a.Close() })
	ctx := context.Background()

	f.Fuzz(func(t *testing.T, secret string) {
		store.Put(secretName, secret)
		if err := c.Invalidate(secretRef); err != nil {
			t.Fatal(err)
		}
		creds, err := a.Credentials(ctx)
		if err == nil {
			if creds.Password == "" {
				t.Fatal("credentials without a password")
			}
			if creds.Port < 0 || creds.Port > 65535 {
				t.Fatalf("port %d", creds.Port)
			}
			return
		}
		if !errors.Is(err, secrets.ErrInvalidValue) {
			t.Fatalf("error %v is not classified ErrInvalidValue", err)
		}
		if len(secret) >= 16 && strings.Contains(err.Error(), secret) {
			t.Fatalf("the error quotes the secret (%d bytes)", len(secret))
		}
	})
}
