package pgxauth

import (
	"testing"

	"github.com/secretref/secretref/secrets/dbauth"
)

// A host and port from the credentials replace the connection string's,
// and TLS is set up for them as if the connection string had named them.
func TestParseFor(t *testing.T) {
	creds := dbauth.Credentials{Host: "db.internal", Port: 6432, Username: "orders", Password: "pw", DBName: "orders"}
	for _, tc := range []struct {
		name, connString string
		wantTLS          bool
	}{
		{name: "empty", connString: "sslmode=disable"},
		{name: "keyword/value, unix socket", connString: "host=/var/run/postgresql sslmode=require", wantTLS: true},
		{name: "keyword/value, other host", connString: "host=other.internal port=5432 sslmode=verify-full", wantTLS: true},
		{name: "URL", connString: "postgres://other.internal:5432/app?sslmode=require", wantTLS: true},
		{name: "URL without query", connString: "postgresql://other.internal/app", wantTLS: true}, // sslmode=prefer
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := parseFor(tc.connString, creds)
			if err != nil {
				t.Fatal(err)
			}
			apply(cfg, creds)
			if cfg.Host != creds.Host || cfg.Port != uint16(creds.Port) || cfg.User != creds.Username || cfg.Database != creds.DBName {
				t.Errorf("got %s@%s:%d/%s, want the credentials'", cfg.User, cfg.Host, cfg.Port, cfg.Database)
			}
			if gotTLS := cfg.TLSConfig != nil; gotTLS != tc.wantTLS {
				t.Errorf("TLS %v, want %v", gotTLS, tc.wantTLS)
			}
			if tc.wantTLS && !cfg.TLSConfig.InsecureSkipVerify && cfg.TLSConfig.ServerName != creds.Host {
				t.Errorf("TLS server name %q, want %q", cfg.TLSConfig.ServerName, creds.Host)
			}
			for _, fb := range cfg.Fallbacks {
				if fb.Host != creds.Host || fb.Port != uint16(creds.Port) {
					t.Errorf("fallback to %s:%d, want the credentials' host", fb.Host, fb.Port)
				}
			}
		})
	}
}
