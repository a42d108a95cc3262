// Package pqauth connects to PostgreSQL with lib/pq (github.com/lib/pq)
// using credentials that a [dbauth.Auth] reads through a secrets Client,
// through a rotation of them.
//
//	auth, err := dbauth.New(client, dbauth.Source{Secret: os.Getenv("DB_SECRET_REF")})
//	base, err := pq.NewConfig("sslmode=verify-full")
//	connector, err := pqauth.Connector(auth, base)
//	db := sql.OpenDB(connector)
//
// Importing this package is what compiles lib/pq into a program; package
// dbauth does not.
package pqauth

import (
	"database/sql/driver"
	"fmt"

	"github.com/lib/pq"

	"github.com/secretref/secretref/secrets"
	"github.com/secretref/secretref/secrets/dbauth"
)

// Connector returns a database/sql connector whose connections log in with
// the credentials auth gives, retrying rejected ones as package dbauth
// describes. base (from pq.NewConfig, without a password) holds every other
// setting, and the host, port, user and database where the credentials
// give none; a host the credentials give replaces base's list of hosts.
//
// With IAM authentication (dbauth.Source.IAM) connections need TLS: a base
// without an sslmode gets verify-full (give sslrootcert, the RDS CA
// bundle), and an sslmode that allows a connection without TLS (disable,
// allow, prefer) is an error that says why.
func Connector(auth *dbauth.Auth, base pq.Config) (*dbauth.Connector, error) {
	if auth.IAM() {
		switch base.SSLMode {
		case "":
			base = base.Clone()
			base.SSLMode = pq.SSLModeVerifyFull
		case pq.SSLModeDisable, pq.SSLModeAllow, pq.SSLModePrefer:
			return nil, fmt.Errorf("pqauth: %w: IAM authentication sends a token that logs in as the user for 15 minutes, "+
				"and the database accepts it only over TLS: sslmode %s allows a connection without TLS; "+
				"use verify-full with sslrootcert naming the RDS CA bundle, or leave sslmode out", secrets.ErrInvalidArgument, base.SSLMode)
		}
	}
	return dbauth.NewConnector(auth, pq.Driver{}, func(c dbauth.Credentials) (driver.Connector, error) {
		return pq.NewConnectorConfig(config(base, c))
	}), nil
}

// config is base with c in it.
func config(base pq.Config, c dbauth.Credentials) pq.Config {
	cfg := base.Clone()
	if c.Host != "" {
		cfg.Host = c.Host
		cfg.Multi = nil
	}
	if c.Port != 0 {
		cfg.Port = uint16(c.Port)
	}
	if c.Username != "" {
		cfg.User = c.Username
	}
	cfg.Password = c.Password
	if c.DBName != "" {
		cfg.Database = c.DBName
	}
	return cfg
}
