package pgxauth_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/secretref/secretref/internal/testing/pgtest"
	"github.com/secretref/secretref/providers/memory"
	"github.com/secretref/secretref/secrets/dbauth"
	"github.com/secretref/secretref/secrets/dbauth/pgxauth"
)

// BenchmarkPostgres measures, against a local PostgreSQL 15, what the
// connector adds to opening a connection (credentials cached) compared with
// a fixed configuration, a cached password over TLS next to an IAM token
// (cached, sent in clear over TLS as RDS takes it), and queries per second
// through a database/sql pool whose connections live 100 ms, without and
// with rotations.
func BenchmarkPostgres(b *testing.B) {
	ctx := context.Background()
	r := newRig(b, "orders", time.Hour)
	cfg, err := pgx.ParseConfig(r.pg.DSN("orders", r.passwords[0]))
	if err != nil {
		b.Fatal(err)
	}
	static := stdlib.GetConnector(*cfg)
	connector, err := pgxauth.Connector(r.auth, "sslmode=disable")
	if err != nil {
		b.Fatal(err)
	}
	defer connector.Close()

	open := func(c driver.Connector) func(b *testing.B) {
		return func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				conn, err := c.Connect(ctx)
				if err != nil {
					b.Fatal(err)
				}
				_ = conn.Close()
			}
		}
	}
	b.Run("open/static", open(static))
	b.Run("open/dbauth", open(connector))
	overTLS, err := pgxauth.Connector(r.auth, "sslmode=verify-full sslrootcert='"+r.pg.CAFile+"'")
	if err != nil {
		b.Fatal(err)
	}
	defer overTLS.Close()
	b.Run("open/dbauth-tls", open(overTLS))
	iam := newIAMRigLifetime(b, dbauth.TokenLifetime) // one token for the whole run
	withToken, err := pgxauth.Connector(iam.auth, iam.iamConnString(""))
	if err != nil {
		b.Fatal(err)
	}
	defer withToken.Close()
	b.Run("open/dbauth-iam", open(withToken))
	b.Run("queries/static", queries(static, nil))
	b.Run("queries/dbauth", queries(connector, nil))
	b.Run("queries/dbauth-rotating", queries(connector, r))
}

// queries runs SELECT 1 from 32 goroutines through a pool of 8
// connections opened by c; with a rig, it rotates the password all along:
// a single-user rotation each second, its steps 100 ms apart.
func queries(c driver.Connector, rotating *rig) func(b *testing.B) {
	return func(b *testing.B) {
		db := sql.OpenDB(c)
		defer db.Close()
		db.SetMaxOpenConns(8)
		db.SetMaxIdleConns(8)
		db.SetConnMaxLifetime(100 * time.Millisecond)
		var rotations atomic.Int64
		stop := make(chan struct{})
		var wg sync.WaitGroup
		if rotating != nil {
			wg.Go(func() { rotating.rotateUntil(b, stop, &rotations) })
		}
		var failed atomic.Int64
		b.SetParallelism(16)
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			var one int
			for pb.Next() {
				if err := db.QueryRow("SELECT 1").Scan(&one); err != nil {
					failed.Add(1)
				}
			}
		})
		b.StopTimer()
		close(stop)
		wg.Wait()
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "queries/s")
		if rotating != nil {
			b.ReportMetric(float64(rotations.Load()), "rotations")
		}
		if n := failed.Load(); n != 0 {
			b.Errorf("%d of %d queries failed", n, b.N)
		}
	}
}

// rotateUntil rotates the password until stop is closed, on a goroutine of
// its own: it reports errors with Error, not Fatal.
func (r *rig) rotateUntil(b *testing.B, stop chan struct{}, rotations *atomic.Int64) {
	ctx := context.Background()
	pause := func(d time.Duration) bool {
		select {
		case <-stop:
			return false
		case <-time.After(d):
			return true
		}
	}
	for {
		pw := pgtest.RandomPassword()
		version := r.store.PutPending(r.name, r.secretJSON(b, "orders", pw))
		if !pause(100 * time.Millisecond) {
			return
		}
		if _, err := r.admin.Exec(ctx, "ALTER ROLE orders PASSWORD '"+pw+"'"); err != nil {
			b.Errorf("setSecret: %v", err)
			return
		}
		pause(100 * time.Millisecond)
		if err := r.store.SetStage(r.name, memory.StageCurrent, version); err != nil {
			b.Errorf("finishSecret: %v", err)
			return
		}
		rotations.Add(1)
		if !pause(800 * time.Millisecond) {
			return
		}
	}
}

// BenchmarkPoolRotation counts the queries that fail per single-user
// rotation through a native pool of 8 connections that live 100 ms, SELECT
// 1 from 16 goroutines a core, while the password rotates every second
// (its steps 100 ms apart): through a bare pgxpool pool configured by
// ConfigurePool, where every connection attempt in flight at setSecret
// fails, and through a Pool, whose Acquire tries again. Run it for
// 10 s or more (-benchtime 10s) to see several rotations.
func BenchmarkPoolRotation(b *testing.B) {
	for _, retry := range []bool{false, true} {
		name := "pgxpool"
		if retry {
			name = "pgxauth.Pool"
		}
		b.Run(name, func(b *testing.B) {
			r := newRig(b, "orders", time.Hour)
			cfg := r.poolConfig(b, 8)
			cfg.MaxConnLifetime = 100 * time.Millisecond
			query := func(context.Context) error { return nil }
			if retry {
				pool, err := pgxauth.NewPool(context.Background(), cfg, r.auth)
				if err != nil {
					b.Fatal(err)
				}
				defer pool.Close()
				query = poolQuery(pool)
			} else {
				if err := pgxauth.ConfigurePool(cfg, r.auth); err != nil {
					b.Fatal(err)
				}
				pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
				if err != nil {
					b.Fatal(err)
				}
				defer pool.Close()
				query = poolQuery(pool)
			}
			var rotations, failed atomic.Int64
			var first atomic.Pointer[error]
			stop := make(chan struct{})
			var wg sync.WaitGroup
			wg.Go(func() { r.rotateUntil(b, stop, &rotations) })
			b.SetParallelism(16)
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := query(context.Background()); err != nil {
						failed.Add(1)
						first.CompareAndSwap(nil, &err)
					}
				}
			})
			b.StopTimer()
			close(stop)
			wg.Wait()
			if err := first.Load(); err != nil {
				r.noPasswords(b, "the failure", (*err).Error())
				b.Logf("the first failure: %v", *err)
			}
			b.ReportMetric(float64(rotations.Load()), "rotations")
			b.ReportMetric(float64(failed.Load()), "failed")
			if n := rotations.Load(); n > 0 {
				b.ReportMetric(float64(failed.Load())/float64(n), "failed/rotation")
			}
		})
	}
}
