package mysqlauth

import (
	"database/sql/driver"
	"fmt"
	"net"
	"strconv"

	"github.com/go-sql-driver/mysql"

	"github.com/secretref/secretref/secrets"
	"github.com/secretref/secretref/secrets/dbauth"
)

// Connector returns a database/sql connector whose connections log in with
// the credentials auth gives, retrying rejected ones as package dbauth
// describes (give dbauth.New the option that sets IsAuthFailure to this
// package's). base (from mysql.NewConfig or mysql.ParseDSN, without a
// password) holds every other setting, and the address, user and database
// where the credentials give none.
//
// With IAM authentication (dbauth.Source.IAM) MySQL takes the token in
// cleartext (the mysql_clear_password plugin), which is safe over TLS only:
// Connector allows the cleartext plugin, makes TLS the default (tls=true:
// the server's certificate checked against the system's roots; register
// the RDS CA bundle with mysql.RegisterTLSConfig and name it in the DSN, or
// set base.TLS), and refuses tls=false and tls=preferred, which allow a
// connection without TLS, with an error that says why.
func Connector(auth *dbauth.Auth, base *mysql.Config) (*dbauth.Connector, error) {
	base = base.Clone()
	if auth.IAM() {
		if err := requireTLS(base); err != nil {
			return nil, err
		}
		base.AllowCleartextPasswords = true
	}
	return dbauth.NewConnector(auth, &mysql.MySQLDriver{}, func(c dbauth.Credentials) (driver.Connector, error) {
		return mysql.NewConnector(config(base, c))
	}), nil
}

// requireTLS makes TLS cfg's default and refuses a configuration that
// allows a connection without it.
func requireTLS(cfg *mysql.Config) error {
	switch {
	case cfg.AllowFallbackToPlaintext, cfg.TLS == nil && (cfg.TLSConfig == "false" || cfg.TLSConfig == "preferred"):
		return fmt.Errorf("mysqlauth: %w: IAM authentication sends a token in cleartext that logs in as the user for 15 minutes, "+
			"and the database accepts it only over TLS: tls=%s allows a connection without TLS; "+
			"use tls=true or a TLS configuration registered with the RDS CA bundle, or leave tls out", secrets.ErrInvalidArgument, cfg.TLSConfig)
	case cfg.TLS == nil && cfg.TLSConfig == "":
		cfg.TLSConfig = "true"
	}
	return nil
}

// config is base with c in it. A host the credentials give replaces
// base's address, and the TLS server name derived from it.
func config(base *mysql.Config, c dbauth.Credentials) *mysql.Config {
	cfg := base.Clone()
	if c.Host != "" || c.Port != 0 {
		host, port, err := net.SplitHostPort(cfg.Addr)
		if err != nil {
			host, port = cfg.Addr, "3306"
		}
		oldHost := host
		if c.Host != "" {
			host = c.Host
		}
		if c.Port != 0 {
			port = strconv.Itoa(c.Port)
		}
		if cfg.Net == "" {
			cfg.Net = "tcp"
		}
		cfg.Addr = net.JoinHostPort(host, port)
		if cfg.TLS != nil && (cfg.TLS.ServerName == "" || cfg.TLS.ServerName == oldHost) {
			cfg.TLS = cfg.TLS.Clone()
			cfg.TLS.ServerName = host
		}
	}
	if c.Username != "" {
		cfg.User = c.Username
	}
	cfg.Passwd = c.Password
	if c.DBName != "" {
		cfg.DBName = c.DBName
	}
	return cfg
}
