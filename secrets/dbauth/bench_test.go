package dbauth_test

import (
	"context"
	"database/sql/driver"
	"testing"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/secretref/secretref/providers/memory"
	"github.com/secretref/secretref/secrets/dbauth"
)

// nopConnector stands in for a driver whose connections cost nothing, so
// that what dbauth adds shows alone.
type nopConnector struct{ conn nopConn }

func (c *nopConnector) Connect(context.Context) (driver.Conn, error) { return &c.conn, nil }
func (c *nopConnector) Driver() driver.Driver                        { return fakeDriver{} }

type nopConn struct{ minimalConn }

// BenchmarkConnect compares opening (and closing) a connection through a
// driver's connector with a fixed configuration and through a Connector
// reading cached credentials.
func BenchmarkConnect(b *testing.B) {
	b.Run("static", func(b *testing.B) { benchConnect(b, &nopConnector{}) })
	b.Run("dbauth", func(b *testing.B) {
		nop := &nopConnector{}
		c := dbauth.NewConnector(benchAuth(b), fakeDriver{}, func(dbauth.Credentials) (driver.Connector, error) { return nop, nil })
		defer c.Close()
		benchConnect(b, c)
	})
}

// BenchmarkCredentials is the read a new connection makes: the Client's
// cache, and the credentials decoded from it once; with IAM
// authentication, the last token, built once.
func BenchmarkCredentials(b *testing.B) {
	iam, err := dbauth.New(nil, dbauth.Source{IAM: &dbauth.IAM{
		Region: "eu-west-1", Host: "db.internal", Port: 5432, User: "orders_iam",
		Credentials: credentials.NewStaticCredentialsProvider("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""),
	}})
	if err != nil {
		b.Fatal(err)
	}
	defer iam.Close()
	for _, tc := range []struct {
		name string
		a    *dbauth.Auth
	}{{"password", benchAuth(b)}, {"iam-token", iam}} {
		b.Run(tc.name, func(b *testing.B) {
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := tc.a.Credentials(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkRDSToken is what a new token costs: one SigV4 presigning with
// credentials already retrieved, no network call. An Auth pays it about
// once every 10 minutes, not per connection (BenchmarkCredentials).
func BenchmarkRDSToken(b *testing.B) {
	ctx := context.Background()
	req := dbauth.TokenRequest{
		Host: "db.internal", Port: 5432, Region: "eu-west-1", User: "orders_iam", Lifetime: dbauth.TokenLifetime,
		Credentials: credentials.NewStaticCredentialsProvider("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""),
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := dbauth.RDSToken(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
}

// benchAuth returns an Auth on a memory store holding a fake database
// secret, closed when b ends.
func benchAuth(b *testing.B) *dbauth.Auth {
	b.Helper()
	store := memory.New()
	store.Put(secretName, `{"host":"db.internal","port":5432,"username":"orders","password":"bench-password","dbname":"orders"}`)
	a, err := dbauth.New(newClientTB(b, store), dbauth.Source{Secret: secretRef})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = a.Close() })
	return a
}

// benchConnect measures opening and closing a connection through c.
func benchConnect(b *testing.B, c driver.Connector) {
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		conn, err := c.Connect(ctx)
		if err != nil {
			b.Fatal(err)
		}
		_ = conn.Close()
	}
}
