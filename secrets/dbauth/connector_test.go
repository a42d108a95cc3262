package dbauth_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"testing"

	"github.com/secretref/secretref/internal/testing/poll"
	"github.com/secretref/secretref/providers/memory"
	"github.com/secretref/secretref/secrets/dbauth"
)

func openDB(t *testing.T, a *dbauth.Auth, db *fakeDB) *sql.DB {
	t.Helper()
	sqlDB := sql.OpenDB(dbauth.NewConnector(a, fakeDriver{}, db.connector))
	t.Cleanup(func() { _ = sqlDB.Close() })
	return sqlDB
}

func queryOne(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}) error {
	var one int
	return q.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

// When the Client sees a new version, the connections opened with the
// previous one are closed: the sessions of the idle ones at once, the one
// in use when it is returned, after its transaction; new connections use
// the new version, and an idle connection whose session was closed opens
// one with it when it is next used.
func TestConnectionsRetireAfterRotation(t *testing.T) {
	ctx := context.Background()
	store, c, a := newOrdersAuth(t)
	db := newFakeDB("password-v1")
	sqlDB := openDB(t, a, db)
	sqlDB.SetMaxIdleConns(10)

	conns := make([]*sql.Conn, 3)
	for i := range conns {
		var err error
		if conns[i], err = sqlDB.Conn(ctx); err != nil {
			t.Fatal(err)
		}
		if err := queryOne(ctx, conns[i]); err != nil {
			t.Fatal(err)
		}
	}
	tx, err := conns[0].BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, conn := range conns[1:] {
		_ = conn.Close() // back to the pool, idle
	}

	// Alternating users: the new version logs in as the other user, and
	// the previous user's password still works.
	store.Put(secretName, secretJSON(t, "orders_clone", "password-v2"))
	db.accept("password-v1", "password-v2")
	if _, err := c.Refresh(ctx, secretRef); err != nil { // what the watch does each TTL
		t.Fatal(err)
	}
	poll.Until(t, "the idle connections to close", func() bool { return closedCount(db) == 2 })

	if err := queryOne(ctx, tx); err != nil {
		t.Fatalf("query in the open transaction: %v", err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	_ = conns[0].Close()
	if n := closedCount(db); n != 3 {
		t.Fatalf("%d connections of version 1 closed, want all 3", n)
	}

	if err := queryOne(ctx, sqlDB); err != nil {
		t.Fatal(err)
	}
	open := 0
	for _, fc := range db.open() {
		if fc.closed.Load() {
			continue
		}
		open++
		if fc.creds.Username != "orders_clone" {
			t.Errorf("a connection of %s is open", fc.creds.Username)
		}
	}
	if open != 1 {
		t.Errorf("%d sessions open at the server, want 1", open)
	}
	if stats := sqlDB.Stats(); stats.OpenConnections != 2 {
		t.Errorf("database/sql has %d connections, want the 2 that were idle (one of them without a session)", stats.OpenConnections)
	}
}

func closedCount(db *fakeDB) int {
	n := 0
	for _, fc := range db.open() {
		if fc.closed.Load() {
			n++
		}
	}
	return n
}

// Through database/sql, queries keep working across a single-user
// rotation without a failed query, and the driver's own connection stays
// reachable.
func TestConnectorThroughRotation(t *testing.T) {
	ctx := context.Background()
	store, _, a := newOrdersAuth(t)
	db := newFakeDB("password-v1")
	sqlDB := openDB(t, a, db)
	sqlDB.SetMaxIdleConns(0) // a new connection for every query

	steps := []func(){
		func() {}, // before the rotation
		func() { store.PutPending(secretName, secretJSON(t, "orders", "password-v2")) }, // createSecret
		func() { db.accept("password-v2") },                                             // setSecret
		func() { // finishSecret
			if err := store.SetStage(secretName, memory.StageCurrent, "2"); err != nil {
				t.Fatal(err)
			}
		},
	}
	for i, step := range steps {
		step()
		if err := queryOne(ctx, sqlDB); err != nil {
			t.Fatalf("after step %d: %v", i, err)
		}
	}

	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	err = conn.Raw(func(dc any) error {
		if _, ok := dc.(interface{ Unwrap() driver.Conn }).Unwrap().(*fakeConn); !ok {
			t.Errorf("Unwrap gave %T, want the driver's connection", dc)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A driver with none of the optional interfaces still works through the
// Connector: database/sql prepares statements, converts arguments itself
// and begins transactions without options.
func TestConnectorWithAMinimalDriver(t *testing.T) {
	ctx := context.Background()
	store := memory.New()
	store.Put(secretName, secretJSON(t, "orders", "a-password"))
	a := newAuth(t, newClient(t, store))
	sqlDB := sql.OpenDB(dbauth.NewConnector(a, fakeDriver{}, func(dbauth.Credentials) (driver.Connector, error) {
		return minimalConnector{}, nil
	}))
	defer sqlDB.Close()

	if err := sqlDB.PingContext(ctx); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	res, err := sqlDB.ExecContext(ctx, "UPDATE orders SET paid = $1", true)
	if err != nil {
		t.Fatalf("Exec: %v", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		t.Errorf("Exec affected %d rows, want 1", n)
	}
	var one int
	if err := sqlDB.QueryRowContext(ctx, "SELECT $1", 1).Scan(&one); err != nil || one != 1 {
		t.Fatalf("Query: %d, %v", one, err)
	}
	tx, err := sqlDB.BeginTx(ctx, nil)
	if err != nil {
		t.Fatalf("BeginTx: %v", err)
	}
	_ = tx.Rollback()
	if _, err := sqlDB.BeginTx(ctx, &sql.TxOptions{ReadOnly: true}); err == nil {
		t.Error("a read-only transaction on a driver without ConnBeginTx: no error")
	}
	if sqlDB.Driver() != (fakeDriver{}) {
		t.Errorf("Driver() = %T, want the driver given to NewConnector", sqlDB.Driver())
	}
}

type minimalConnector struct{}

func (minimalConnector) Connect(context.Context) (driver.Conn, error) { return minimalConn{}, nil }
func (minimalConnector) Driver() driver.Driver                        { return fakeDriver{} }

// minimalConn implements driver.Conn and nothing else.
type minimalConn struct{}

func (minimalConn) Prepare(string) (driver.Stmt, error) { return minimalStmt{}, nil }
func (minimalConn) Close() error                        { return nil }
func (minimalConn) Begin() (driver.Tx, error)           { return fakeTx{}, nil }

type minimalStmt struct{}

func (minimalStmt) Close() error                               { return nil }
func (minimalStmt) NumInput() int                              { return 1 }
func (minimalStmt) Exec([]driver.Value) (driver.Result, error) { return driver.RowsAffected(1), nil }
func (minimalStmt) Query([]driver.Value) (driver.Rows, error)  { return &fakeRows{}, nil }
