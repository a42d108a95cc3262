package mysqlauth

import (
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/go-sql-driver/mysql"

	"github.com/secretref/secretref/providers"
	"github.com/secretref/secretref/providers/memory"
	"github.com/secretref/secretref/secrets"
	"github.com/secretref/secretref/secrets/dbauth"
)

const iamHost = "orders.cluster-c1a2b3c4d5e6.eu-west-1.rds.amazonaws.com"

func iamAuth(t *testing.T) *dbauth.Auth {
	t.Helper()
	a, err := dbauth.New(nil, dbauth.Source{IAM: &dbauth.IAM{
		Region: "eu-west-1", Host: iamHost, Port: 3306, User: "orders_iam",
		Credentials: credentials.NewStaticCredentialsProvider("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""),
	}}, func(o *dbauth.Options) { o.IsAuthFailure = IsAuthFailure })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close() })
	return a
}

// With IAM authentication the token goes in cleartext, so TLS becomes the
// default (tls=true) and the cleartext plugin is allowed; a DSN that
// allows a connection without TLS is refused, saying why. The TLS server
// name follows the host the credentials give.
func TestIAMNeedsTLSAndCleartext(t *testing.T) {
	for _, tc := range []struct {
		dsn, wantTLS, wantErr string
	}{
		{dsn: "app@tcp(db.internal:3306)/orders", wantTLS: "true"},
		{dsn: "app@tcp(db.internal:3306)/orders?tls=true", wantTLS: "true"},
		{dsn: "app@tcp(db.internal:3306)/orders?tls=skip-verify", wantTLS: "skip-verify"},
		{dsn: "app@tcp(db.internal:3306)/orders?tls=false", wantErr: "tls=false allows a connection without TLS"},
		{dsn: "app@tcp(db.internal:3306)/orders?tls=preferred", wantErr: "tls=preferred allows a connection without TLS"},
	} {
		base, err := mysql.ParseDSN(tc.dsn)
		if err != nil {
			t.Fatal(err)
		}
		_, err = Connector(iamAuth(t), base)
		if tc.wantErr != "" {
			if !errors.Is(err, secrets.ErrInvalidArgument) || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%s: %v, want ErrInvalidArgument saying %q", tc.dsn, err, tc.wantErr)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", tc.dsn, err)
		}
		cfg := base.Clone()
		if err := requireTLS(cfg); err != nil {
			t.Fatal(err)
		}
		got := config(cfg, dbauth.Credentials{Host: iamHost, Port: 3306, Username: "orders_iam", Password: "a-token"})
		if got.TLSConfig != tc.wantTLS || got.Addr != iamHost+":3306" || got.User != "orders_iam" || got.Passwd != "a-token" {
			t.Errorf("%s: tls=%s, %s@%s, want tls=%s as orders_iam@%s:3306", tc.dsn, got.TLSConfig, got.User, got.Addr, tc.wantTLS, iamHost)
		}
		if got.TLS != nil && !got.TLS.InsecureSkipVerify && got.TLS.ServerName != iamHost {
			t.Errorf("%s: TLS server name %q, want %q", tc.dsn, got.TLS.ServerName, iamHost)
		}
	}
}

// With a stored password, Connector leaves TLS and the cleartext plugin as
// the DSN says.
func TestPasswordLeavesTLSAlone(t *testing.T) {
	store := memory.New()
	store.Put("prod/orders/db", `{"username":"app","password":"a-password"}`)
	c, err := secrets.New(t.Context(), func(o *secrets.Options) {
		o.Providers = map[string]providers.Provider{secrets.SchemeSecretsManager: store, secrets.SchemeParameterStore: store}
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	a, err := dbauth.New(c, dbauth.Source{Secret: "sm:prod/orders/db"})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	base, err := mysql.ParseDSN("app@tcp(db.internal:3306)/orders?tls=false")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Connector(a, base); err != nil {
		t.Fatal(err)
	}
	if base.AllowCleartextPasswords || base.TLSConfig != "false" {
		t.Errorf("Connector changed the base configuration: cleartext %v, tls=%s", base.AllowCleartextPasswords, base.TLSConfig)
	}
}
