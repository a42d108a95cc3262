package pgxauth_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/secretref/secretref/secrets/dbauth/pgxauth"
)

func (r *rig) openPool(t *testing.T) *pgxpool.Pool {
	t.Helper()
	cfg := r.poolConfig(t, 4)
	if err := pgxauth.ConfigurePool(cfg, r.auth); err != nil {
		t.Fatal(err)
	}
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
	version := r.store.PutPending(r.name, r.secretJSON(t, "orders", pw)) // createSecret
	r.pg.SetPassword(t, r.admin, "orders", pw)                           // setSecret
	pool.Reset()                                                         // every query now needs a new connection
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

// Single user through a Pool, whose Acquire tries again when the
// connection it opens meets the replaced password: 32 goroutines query for
// 10 s through a pool of 8 connections that live 200 ms, while the
// password is rotated at least 5 times. No query may fail (through a bare
// pgxpool pool, each connection attempt in flight at setSecret fails: see
// BenchmarkPoolRotation). Secrets: memory store (AWSPENDING).
func TestPoolSingleUserRotationUnderLoad(t *testing.T) {
	t.Parallel()
	r := newRig(t, "orders", 2*time.Second)
	cfg := r.poolConfig(t, 8)
	cfg.MaxConnLifetime = 200 * time.Millisecond
	cfg.MaxConnLifetimeJitter = 50 * time.Millisecond
	pool, err := pgxauth.NewPool(context.Background(), cfg, r.auth)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()

	l := startLoad(poolQuery(pool), loadGoroutines)
	start := time.Now()
	rotations := 0
	for rotations < minRotations || time.Since(start) < *loadDuration {
		r.rotate(t, "orders", true)
		rotations++
		// A connection attempt takes seconds on a saturated machine (205
		// queries in 18 s once here): without a gap, the next setSecret
		// could reject even the tries that read the rotated password.
		time.Sleep(time.Second)
	}
	queries, failed, err := l.finish()
	t.Logf("rotation under load, pgxauth.Pool: %d queries, %d failed, %d rotations", queries, failed, rotations)
	if failed != 0 {
		r.noPasswords(t, "the failures", err.Error())
		t.Errorf("%d of %d queries failed; the first: %v", failed, queries, err)
	}
}

// poolConfig returns a pool configuration of at most max connections.
func (r *rig) poolConfig(t testing.TB, max int) *pgxpool.Config {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(r.connString(fmt.Sprintf("sslmode=disable connect_timeout=30 pool_max_conns=%d", max)))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}
