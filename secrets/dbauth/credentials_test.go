package dbauth_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/secretref/secretref/providers/memory"
	"github.com/secretref/secretref/secrets"
	"github.com/secretref/secretref/secrets/dbauth"
)

func TestCredentialsFromSource(t *testing.T) {
	store := memory.New()
	store.Put("rds/full", `{"engine":"postgres","host":"db.internal","port":5432,"username":"orders","password":"pw-full","dbname":"orders","dbInstanceIdentifier":"orders-1"}`)
	store.Put("rds/port-string", `{"host":"db.internal","port":"6432","username":"orders","password":"pw-string"}`)
	store.Put("rds!db-3f1c5e2a-8b7d-4c6e-9a0b-1d2e3f4a5b6c", `{"username":"postgres","password":"pw-managed"}`) // the name and form RDS gives the master user secret it manages
	store.Put("rds/bad-port", `{"port":"http","password":"pw-bad-port"}`)
	store.Put("rds/no-password", `{"username":"orders"}`)
	store.Put("rds/not-json", `pw-not-json`)
	store.Put("rds/list", `["pw-list"]`)
	store.Put("/orders/db/host", "replica.internal")
	store.Put("/orders/db/port", "5433")
	store.Put("/orders/db/name", "reports")
	c := newClient(t, store)
	full := dbauth.Credentials{Engine: "postgres", Host: "db.internal", Port: 5432, Username: "orders", Password: "pw-full", DBName: "orders", Version: "1"}

	for _, tc := range []struct {
		name     string
		src      dbauth.Source
		want     dbauth.Credentials
		wantErr  error
		wantHint string
	}{
		{name: "RDS secret", src: dbauth.Source{Secret: "sm:rds/full"}, want: full},
		{name: "port as a string", src: dbauth.Source{Secret: "sm:rds/port-string"},
			want: dbauth.Credentials{Host: "db.internal", Port: 6432, Username: "orders", Password: "pw-string", Version: "1"}},
		{name: "RDS-managed secret", src: dbauth.Source{Secret: "sm:rds!db-3f1c5e2a-8b7d-4c6e-9a0b-1d2e3f4a5b6c"},
			want: dbauth.Credentials{Username: "postgres", Password: "pw-managed", Version: "1"}},
		{name: "fields from Parameter Store", src: dbauth.Source{Secret: "sm:rds/full", Host: "/orders/db/host", Port: "/orders/db/port", DBName: "/orders/db/name"},
			want: dbauth.Credentials{Engine: "postgres", Host: "replica.internal", Port: 5433, Username: "orders", Password: "pw-full", DBName: "reports", Version: "1"}},
		{name: "every field its own reference", src: dbauth.Source{Host: "/orders/db/host", Username: "sm:rds!db-3f1c5e2a-8b7d-4c6e-9a0b-1d2e3f4a5b6c#username", Password: "sm:rds!db-3f1c5e2a-8b7d-4c6e-9a0b-1d2e3f4a5b6c#password"},
			want: dbauth.Credentials{Host: "replica.internal", Username: "postgres", Password: "pw-managed", Version: "1"}},
		{name: "bad port", src: dbauth.Source{Secret: "sm:rds/bad-port"}, wantErr: secrets.ErrInvalidValue},
		{name: "no password", src: dbauth.Source{Secret: "sm:rds/no-password"}, wantErr: secrets.ErrInvalidValue},
		{name: "not JSON", src: dbauth.Source{Secret: "sm:rds/not-json"}, wantErr: secrets.ErrInvalidValue, wantHint: "Source.Password"},
		{name: "a JSON list", src: dbauth.Source{Secret: "sm:rds/list"}, wantErr: secrets.ErrInvalidValue, wantHint: "Source.Password"},
		{name: "the password alone", src: dbauth.Source{Host: "/orders/db/host", Password: "sm:rds/not-json"},
			want: dbauth.Credentials{Host: "replica.internal", Password: "pw-not-json", Version: "1"}},
		{name: "no such secret", src: dbauth.Source{Secret: "sm:rds/none"}, wantErr: secrets.ErrNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := dbauth.New(c, tc.src)
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			got, err := a.Credentials(context.Background())
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("error %v, want %v", err, tc.wantErr)
				}
				if !strings.Contains(err.Error(), "rds/") {
					t.Errorf("error %v does not name the reference", err)
				}
				if tc.wantHint != "" && !strings.Contains(err.Error(), tc.wantHint) {
					t.Errorf("error %v does not say %q", err, tc.wantHint)
				}
				noPasswords(t, "the error", err.Error(), "pw-bad-port", "pw-not-json", "pw-list", "http")
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
	if _, err := dbauth.New(c, dbauth.Source{Host: "/orders/db/host"}); !errors.Is(err, secrets.ErrInvalidArgument) {
		t.Errorf("a Source without a password reference: %v, want ErrInvalidArgument", err)
	}
}

// Credentials print, log and marshal without their password.
func TestCredentialsNeverPrintThePassword(t *testing.T) {
	const password = "do-not-print-me"
	c := dbauth.Credentials{Engine: "postgres", Host: "db.internal", Port: 5432, Username: "orders", Password: password, DBName: "orders", Version: "7"}
	var out bytes.Buffer
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
		fmt.Fprintf(&out, verb+"\n", c)
	}
	fmt.Fprintf(&out, "%v\n", struct{ C dbauth.Credentials }{c})
	slog.New(slog.NewJSONHandler(&out, nil)).Info("connecting", slog.Any("credentials", c))
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	out.Write(b)
	noPasswords(t, "the output", out.String(), password)
	if want := "orders@db.internal:5432/orders (password [REDACTED], version 7)"; c.String() != want {
		t.Errorf("String() = %q, want %q", c.String(), want)
	}
}
