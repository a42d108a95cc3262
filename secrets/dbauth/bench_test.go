package dbauth_test

import (
	"context"
	"database/sql/driver"
	"testing"

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
// cache, and the credentials decoded from it once.
func BenchmarkCredentials(b *testing.B) {
	a := benchAuth(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := a.Credentials(ctx); err != nil {
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
