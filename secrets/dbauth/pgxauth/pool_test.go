package pgxauth_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/secretref/secretref/secrets/dbauth/pgxauth"
)

func (r *rig) openPool(t *testing.T) *pgxpool.Pool {
	t.Helper()
	cfg, err := pgxpool.ParseConfig("sslmode=disable connect_timeout=30 pool_max_conns=4")
	if err != nil {
		t.Fatal(err)
	}
	pgxauth.ConfigurePool(cfg, r.auth)
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// A native pool: between setSecret and finishSecret, the connection
// attempt that meets the rejected password fails (pgxpool cannot retry
// it), and the next finds the pending version. Secrets: memory store
// (AWSPENDING).
func TestPoolSingleUserRotation(t *testing.T) {
	ctx := context.Background()
	r := newRig(t, "orders", time.Hour)
	pool := r.openPool(t)
	if _, err := pool.Exec(ctx, "SELECT 1"); err != nil {
		t.Fatal(err)
	}

	pw := r.newPassword()
	version := r.store.PutPending(secretName, r.secretJSON(t, "orders", pw)) // createSecret
	r.pg.SetPassword(t, r.admin, "orders", pw)                               // setSecret
	pool.Reset()                                                             // every query now needs a new connection
	var failures int
	for {
		_, err := pool.Exec(ctx, "SELECT 1")
		if err == nil {
			break
		}
		r.noPasswords(t, "the error", err.Error())
		if failures++; failures > 1 {
			t.Fatalf("attempt %d after setSecret: %v", failures, err)
		}
	}
	if !strings.Contains(r.log.String(), "version="+version+"\n") {
		t.Errorf("the pool did not take the pending version %s:\n%s", version, r.log.String())
	}
	t.Logf("%d failed attempt(s) after setSecret", failures)
}

// A native pool retires the connections of the previous user as they are
// acquired or released, once the Client sees the new version. Secrets:
// memory store (AWSPENDING).
func TestPoolRetiresPreviousUser(t *testing.T) {
	ctx := context.Background()
	r := newRig(t, "orders", 500*time.Millisecond)
	r.pg.CreateRole(t, r.admin, "orders_clone", r.newPassword())
	pool := r.openPool(t)
	for range 3 {
		if _, err := pool.Exec(ctx, "SELECT 1"); err != nil {
			t.Fatal(err)
		}
	}
	r.rotate(t, "orders_clone", false)
	r.await(t, "the sessions of orders to close", func() bool {
		if _, err := pool.Exec(ctx, "SELECT 1"); err != nil {
			t.Fatal(err)
		}
		return r.pg.Sessions(t, r.admin, "orders") == 0
	})
	if n := r.pg.Sessions(t, r.admin, "orders_clone"); n == 0 {
		t.Error("no session of orders_clone")
	}
}
