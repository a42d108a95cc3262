package pgxauth_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/secretref/secretref/secrets"
	"github.com/secretref/secretref/secrets/dbauth"
	"github.com/secretref/secretref/secrets/dbauth/pgxauth"
)

// staticIAMAuth is an Auth of IAM tokens signed with fake static
// credentials, for tests that open no connection.
func staticIAMAuth(t *testing.T) *dbauth.Auth {
	t.Helper()
	a, err := dbauth.New(nil, dbauth.Source{IAM: &dbauth.IAM{
		Region: "eu-west-1", Host: "orders.cluster-c1a2b3c4d5e6.eu-west-1.rds.amazonaws.com", Port: 5432, User: iamUser,
		Credentials: credentials.NewStaticCredentialsProvider("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""),
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close() })
	return a
}

// With IAM authentication, a connection string that allows a connection
// without TLS is refused, saying why; one without an sslmode gets
// verify-full, for the connector and for a pool (whose every fallback
// then uses TLS too).
func TestIAMNeedsTLS(t *testing.T) {
	t.Setenv("PGSSLMODE", "")
	a := staticIAMAuth(t)
	for _, tc := range []struct {
		connString string
		ok         bool
	}{
		{"", true},
		{"sslmode=require", true},
		{"sslmode=verify-full application_name=orders", true},
		{"postgres://app@db.internal/orders", true},
		{"sslmode=disable", false},
		{"sslmode=allow", false},
		{"sslmode=prefer", false},
		{"postgres://app@db.internal/orders?sslmode=prefer", false},
	} {
		_, err := pgxauth.Connector(a, tc.connString)
		cfg, perr := pgxpool.ParseConfig(tc.connString)
		if perr != nil {
			t.Fatal(perr)
		}
		poolErr := pgxauth.ConfigurePool(cfg, a)
		for what, err := range map[string]error{"Connector": err, "ConfigurePool": poolErr} {
			switch {
			case tc.ok && err != nil:
				t.Errorf("%s(%q): %v", what, tc.connString, err)
			case !tc.ok && (!errors.Is(err, secrets.ErrInvalidArgument) || !strings.Contains(err.Error(), "only over TLS")):
				t.Errorf("%s(%q): %v, want ErrInvalidArgument saying that TLS is needed", what, tc.connString, err)
			}
		}
		if !tc.ok || poolErr != nil {
			continue
		}
		cc := cfg.ConnConfig.Copy() // what the pool gives BeforeConnect for each connection
		if err := cfg.BeforeConnect(t.Context(), cc); err != nil {
			t.Fatalf("BeforeConnect: %v", err)
		}
		if cc.TLSConfig == nil {
			t.Errorf("ConfigurePool(%q): a connection without TLS", tc.connString)
		}
		for _, fb := range cc.Fallbacks {
			if fb.TLSConfig == nil {
				t.Errorf("ConfigurePool(%q): a fallback without TLS", tc.connString)
			}
		}
		if tc.connString == "" && (cc.TLSConfig.InsecureSkipVerify || cc.TLSConfig.ServerName != cc.Host) {
			t.Errorf("ConfigurePool(%q): TLS without verifying %s, want verify-full", tc.connString, cc.Host)
		}
	}
}
