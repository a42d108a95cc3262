package dbauth_test

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/secretref/secretref/internal/testing/poll"
	"github.com/secretref/secretref/secrets"
)

// Alternating users, thousands of times a second: 32 goroutines query
// through a pool of 2 connections while the secret's current version
// moves between two users, each version with a password of its own that
// the database keeps accepting. Each change retires every connection: the
// ones in the pool have their sessions closed, the ones in use are closed
// when returned. database/sql hands a returned connection straight to a
// waiting query, on that query's last try too, so refusing a connection
// that was valid when returned fails queries (driver: bad connection, the
// failure seen once in 233,517 queries of a rotation against PostgreSQL);
// none may fail. The fake driver's check of a returned connection takes
// 20 µs, which widens the window between the check and the next use.
func TestNoQueryFailsWhileConnectionsRetire(t *testing.T) {
	ctx := context.Background()
	store, c, a := newOrdersAuth(t)
	const versions = 1 << 16
	passwords := make([]string, versions)
	for i := range passwords {
		passwords[i] = "password-r" + strconv.Itoa(i)
	}
	db := newFakeDB(append(passwords, "password-v1")...)
	db.validateDelay = 20 * time.Microsecond
	sqlDB := openDB(t, a, db)
	sqlDB.SetMaxOpenConns(2)
	sqlDB.SetMaxIdleConns(2)

	l := queryLoad(sqlDB, 32)
	users := [2]string{"orders", "orders_clone"}
	rotations := 0
	for start := time.Now(); time.Since(start) < 2*time.Second && rotations < versions; rotations++ {
		store.Put(secretName, secretJSON(t, users[rotations%2], passwords[rotations]))
		if _, err := c.Refresh(ctx, secretRef); err != nil {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Microsecond)
	}
	queries, failed, err := l.finish()
	t.Logf("%d queries, %d failed, %d rotations", queries, failed, rotations)
	if failed != 0 {
		t.Errorf("%d of %d queries failed; the first: %v", failed, queries, err)
	}
}

// A connection whose session was closed while idle is opened again when
// it is next used; when that fails, the query gets the classified error,
// not database/sql's "bad connection".
func TestReopeningAnIdleConnectionFails(t *testing.T) {
	ctx := context.Background()
	store, c, a := newOrdersAuth(t)
	db := newFakeDB("password-v1", "password-v2")
	sqlDB := openDB(t, a, db)
	sqlDB.SetMaxOpenConns(1)
	if err := queryOne(ctx, sqlDB); err != nil {
		t.Fatal(err)
	}
	store.Put(secretName, secretJSON(t, "orders_clone", "password-v2"))
	if _, err := c.Refresh(ctx, secretRef); err != nil {
		t.Fatal(err)
	}
	poll.Until(t, "the idle session to close", func() bool { return closedCount(db) == 1 })
	if n := closedCount(db); n != 1 {
		t.Fatalf("%d sessions closed after the rotation, want the idle one", n)
	}
	db.down.Store(true)
	err := queryOne(ctx, sqlDB)
	if !errors.Is(err, secrets.ErrUnavailable) {
		t.Fatalf("query with the database down: %v, want ErrUnavailable", err)
	}
	db.down.Store(false)
	if err := queryOne(ctx, sqlDB); err != nil {
		t.Fatalf("query once the database is back: %v", err)
	}
}

// A connection on which a statement was prepared keeps its session while
// idle: the statement is bound to it. It is retired when returned after
// its next use, and the statement is prepared again on a new connection.
func TestPreparedStatementAcrossRetirement(t *testing.T) {
	ctx := context.Background()
	store, c, a := newOrdersAuth(t)
	db := newFakeDB("password-v1", "password-v2")
	sqlDB := openDB(t, a, db)
	sqlDB.SetMaxOpenConns(1)
	stmt, err := sqlDB.PrepareContext(ctx, "SELECT 1")
	if err != nil {
		t.Fatal(err)
	}
	defer stmt.Close()
	if err := queryStmt(ctx, stmt); err != nil {
		t.Fatal(err)
	}
	store.Put(secretName, secretJSON(t, "orders_clone", "password-v2"))
	if _, err := c.Refresh(ctx, secretRef); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Credentials(ctx); err != nil { // takes in the new version now, not when the watch runs
		t.Fatal(err)
	}
	if n := closedCount(db); n != 0 {
		t.Fatalf("%d sessions closed after the rotation, want none: a statement is prepared on the idle one", n)
	}
	for i := range 2 {
		if err := queryStmt(ctx, stmt); err != nil {
			t.Fatalf("query %d after the rotation: %v", i+1, err)
		}
	}
	if n := closedCount(db); n != 1 {
		t.Errorf("%d sessions of the previous user closed, want 1", n)
	}
}

func queryStmt(ctx context.Context, stmt *sql.Stmt) error {
	var one int
	return stmt.QueryRowContext(ctx).Scan(&one)
}

// load runs queries from many goroutines and counts them.
type load struct {
	queries, failed atomic.Int64
	stop            chan struct{}
	wg              sync.WaitGroup
	first           atomic.Pointer[error]
}

func queryLoad(db *sql.DB, goroutines int) *load {
	l := &load{stop: make(chan struct{})}
	for range goroutines {
		l.wg.Go(func() {
			for {
				select {
				case <-l.stop:
					return
				default:
				}
				err := queryOne(context.Background(), db)
				l.queries.Add(1)
				if err != nil {
					l.failed.Add(1)
					l.first.CompareAndSwap(nil, &err)
				}
			}
		})
	}
	return l
}

func (l *load) finish() (queries, failed int64, first error) {
	close(l.stop)
	l.wg.Wait()
	if p := l.first.Load(); p != nil {
		first = *p
	}
	return l.queries.Load(), l.failed.Load(), first
}
