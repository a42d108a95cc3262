// Package pgxauth connects to PostgreSQL with pgx (github.com/jackc/pgx/v5)
// using credentials that a [dbauth.Auth] reads through a secrets Client,
// through a rotation of them: [Connector] for database/sql, and
// [ConfigurePool] for a native pgxpool pool.
//
//	auth, err := dbauth.New(client, dbauth.Source{Secret: os.Getenv("DB_SECRET_REF")})
//	base, err := pgx.ParseConfig("sslmode=verify-full application_name=orders")
//	db := sql.OpenDB(pgxauth.Connector(auth, base))
//
// Importing this package is what compiles pgx into a program; package
// dbauth does not.
package pgxauth

import (
	"crypto/tls"
	"database/sql/driver"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/secretref/secretref/secrets/dbauth"
)

// Connector returns a database/sql connector whose connections log in with
// the credentials auth gives, retrying rejected ones as package dbauth
// describes. base (from pgx.ParseConfig, without a password) holds every
// other setting: TLS, runtime parameters, a tracer, and the host, port,
// user and database where the credentials give none. opts are those of
// stdlib.OpenDB.
//
// To reach the *stdlib.Conn with sql.Conn.Raw, unwrap the driver
// connection: driverConn.(interface{ Unwrap() driver.Conn }).Unwrap().
func Connector(auth *dbauth.Auth, base *pgx.ConnConfig, opts ...stdlib.OptionOpenDB) *dbauth.Connector {
	return dbauth.NewConnector(auth, stdlib.GetDefaultDriver(), func(c dbauth.Credentials) (driver.Connector, error) {
		cfg := base.Copy()
		apply(cfg, c)
		return stdlib.GetConnector(*cfg, opts...), nil
	})
}

// apply puts c into cfg. A host or port c gives replaces that of cfg and of
// its fallbacks (ParseConfig makes one for sslmode=prefer, and one per
// host of a list), and the TLS server name that ParseConfig derived from
// the host.
func apply(cfg *pgx.ConnConfig, c dbauth.Credentials) {
	moveHost(&cfg.Host, &cfg.Port, cfg.TLSConfig, c)
	for _, fb := range cfg.Fallbacks {
		moveHost(&fb.Host, &fb.Port, fb.TLSConfig, c)
	}
	if c.Username != "" {
		cfg.User = c.Username
	}
	cfg.Password = c.Password
	if c.DBName != "" {
		cfg.Database = c.DBName
	}
}

// moveHost applies c's host and port to one of a config's hosts. tlsConfig
// is a copy of its own (ConnConfig.Copy clones them).
func moveHost(host *string, port *uint16, tlsConfig *tls.Config, c dbauth.Credentials) {
	if c.Host != "" {
		if tlsConfig != nil && tlsConfig.ServerName == *host {
			tlsConfig.ServerName = c.Host
		}
		*host = c.Host
	}
	if c.Port != 0 {
		*port = uint16(c.Port)
	}
}

// credentialsOf returns the credentials cfg logs in with.
func credentialsOf(cfg *pgx.ConnConfig) dbauth.Credentials {
	return dbauth.Credentials{Host: cfg.Host, Port: int(cfg.Port), Username: cfg.User, Password: cfg.Password, DBName: cfg.Database}
}
