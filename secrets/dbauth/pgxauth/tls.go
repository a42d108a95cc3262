package pgxauth

import (
	"fmt"
	"os"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/secretref/secretref/secrets"
	"github.com/secretref/secretref/secrets/dbauth"
)

// defaultSSLMode is the sslmode connections with IAM tokens get when the
// connection string names none: TLS with the server's certificate checked
// against sslrootcert (the RDS CA bundle) or the system's roots.
const defaultSSLMode = "verify-full"

// forAuth returns the connection string connections of auth use: for IAM
// authentication, connString with sslmode=verify-full unless it (or
// PGSSLMODE) names an sslmode, and an error if that mode allows a
// connection without TLS.
func forAuth(auth *dbauth.Auth, connString string) (string, error) {
	if !auth.IAM() {
		return connString, nil
	}
	if !strings.Contains(connString, "sslmode") && os.Getenv("PGSSLMODE") == "" {
		connString = withSettings(connString, [][2]string{{"sslmode", defaultSSLMode}})
	}
	// A token is signed for a host, which the credentials give: the
	// connection string's own hosts (a Unix socket, say) are not used.
	cfg, err := parseFor(connString, dbauth.Credentials{Host: "localhost", Port: 5432})
	if err != nil {
		return "", err
	}
	return connString, requireTLS(&cfg.Config)
}

// requireTLS returns an error if cfg, or one of its fallbacks, connects
// without TLS.
func requireTLS(cfg *pgconn.Config) error {
	plain := cfg.TLSConfig == nil
	for _, fb := range cfg.Fallbacks {
		plain = plain || fb.TLSConfig == nil
	}
	if !plain {
		return nil
	}
	return fmt.Errorf("pgxauth: %w: IAM authentication sends a token that logs in as the user for 15 minutes, "+
		"and the database accepts it only over TLS: the connection string allows a connection without TLS "+
		"(sslmode disable, allow or prefer); use sslmode=verify-full with sslrootcert "+
		"naming the RDS CA bundle, or leave sslmode out", secrets.ErrInvalidArgument)
}
