// Package pgxauth connects to PostgreSQL with pgx (github.com/jackc/pgx/v5)
// using credentials that a [dbauth.Auth] reads through a secrets Client,
// through a rotation of them, or IAM authentication tokens: [Connector] for
// database/sql, and [NewPool] (or [ConfigurePool]) for a native pgxpool
// pool.
//
//	auth, err := dbauth.New(client, dbauth.Source{Secret: os.Getenv("DB_SECRET_REF")})
//	connector, err := pgxauth.Connector(auth, "sslmode=verify-full application_name=orders")
//	db := sql.OpenDB(connector)
//
// Importing this package is what compiles pgx into a program; package
// dbauth does not.
package pgxauth

import (
	"database/sql/driver"
	"net/url"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/secretref/secretref/secrets/dbauth"
)

// Connector returns a database/sql connector whose connections log in with
// the credentials auth gives, retrying rejected ones as package dbauth
// describes. connString (pgx's keyword/value or URL form, without a
// password; libpq's PG* environment variables apply) holds every other
// setting, and the host, port, user and database where the credentials
// give none. It is parsed again for each host the credentials give, so
// that TLS settings (sslmode, sslrootcert, server name) are that host's.
// opts are those of stdlib.OpenDB; stdlib.OptionBeforeConnect adjusts each
// connection's pgx.ConnConfig (a tracer, say).
//
// With IAM authentication (dbauth.Source.IAM) connections need TLS:
// without an sslmode in connString or PGSSLMODE, it is verify-full (give
// sslrootcert, the RDS CA bundle); an sslmode that allows a connection
// without TLS is an error that says why.
//
// To reach the *stdlib.Conn with sql.Conn.Raw, unwrap the driver
// connection: driverConn.(interface{ Unwrap() driver.Conn }).Unwrap().
func Connector(auth *dbauth.Auth, connString string, opts ...stdlib.OptionOpenDB) (*dbauth.Connector, error) {
	if _, err := pgx.ParseConfig(connString); err != nil {
		return nil, err
	}
	connString, err := forAuth(auth, connString)
	if err != nil {
		return nil, err
	}
	return dbauth.NewConnector(auth, stdlib.GetDefaultDriver(), func(c dbauth.Credentials) (driver.Connector, error) {
		cfg, err := parseFor(connString, c)
		if err != nil {
			return nil, err
		}
		apply(cfg, c)
		return stdlib.GetConnector(*cfg, opts...), nil
	}), nil
}

// parseFor parses connString with the host and port c gives, if any, in
// place of its own: pgx derives TLS settings and fallbacks per host when
// it parses.
func parseFor(connString string, c dbauth.Credentials) (*pgx.ConnConfig, error) {
	var settings [][2]string
	if c.Host != "" {
		settings = append(settings, [2]string{"host", c.Host})
	}
	if c.Port != 0 {
		settings = append(settings, [2]string{"port", strconv.Itoa(c.Port)})
	}
	return pgx.ParseConfig(withSettings(connString, settings))
}

// withSettings appends settings to connString, where a later setting
// replaces an earlier one: as query parameters to a URL, as keyword/value
// pairs otherwise.
func withSettings(connString string, settings [][2]string) string {
	var b strings.Builder
	b.WriteString(connString)
	if strings.HasPrefix(connString, "postgres://") || strings.HasPrefix(connString, "postgresql://") {
		sep := "?"
		if strings.Contains(connString, "?") {
			sep = "&"
		}
		for _, kv := range settings {
			b.WriteString(sep + kv[0] + "=" + url.QueryEscape(kv[1]))
			sep = "&"
		}
		return b.String()
	}
	for _, kv := range settings {
		b.WriteString(" " + kv[0] + "='" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(kv[1]) + "'")
	}
	return b.String()
}

// apply puts c's login into cfg.
func apply(cfg *pgx.ConnConfig, c dbauth.Credentials) {
	if c.Username != "" {
		cfg.User = c.Username
	}
	cfg.Password = c.Password
	if c.DBName != "" {
		cfg.Database = c.DBName
	}
}

// credentialsOf returns the credentials cfg logs in with.
func credentialsOf(cfg *pgx.ConnConfig) dbauth.Credentials {
	return dbauth.Credentials{Host: cfg.Host, Port: int(cfg.Port), Username: cfg.User, Password: cfg.Password, DBName: cfg.Database}
}
