package dbauth_test

import (
	"context"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/secretref/secretref/secrets/dbauth"
)

// fakeDB is a database server for the unit tests: it accepts the
// passwords it is told to, refuses connections while down, and counts
// what it is asked. Connections are made through the connectors it makes
// for a set of credentials, as a real driver's would be.
type fakeDB struct {
	mu       sync.Mutex
	accepted map[string]bool
	conns    []*fakeConn
	hold     *barrier

	dials     atomic.Int64
	down      atomic.Bool
	acceptAll atomic.Bool // any password
	// validateDelay is how long each connection's IsValid takes: set
	// before the first connection.
	validateDelay time.Duration
}

func newFakeDB(accepted ...string) *fakeDB {
	db := &fakeDB{accepted: map[string]bool{}}
	db.accept(accepted...)
	return db
}

// accept makes passwords the only ones the server accepts, as ALTER ROLE
// does.
func (db *fakeDB) accept(passwords ...string) {
	db.mu.Lock()
	defer db.mu.Unlock()
	clear(db.accepted)
	for _, p := range passwords {
		db.accepted[p] = true
	}
}

// holdDials makes the next n connection attempts wait until all n have
// started, so that they fail at the same moment.
func (db *fakeDB) holdDials(n int) {
	db.mu.Lock()
	defer db.mu.Unlock()
	db.hold = &barrier{n: n, release: make(chan struct{})}
}

// open returns the connections made so far.
func (db *fakeDB) open() []*fakeConn {
	db.mu.Lock()
	defer db.mu.Unlock()
	return append([]*fakeConn(nil), db.conns...)
}

func (db *fakeDB) connector(c dbauth.Credentials) (driver.Connector, error) {
	return &fakeConnector{db: db, creds: c}, nil
}

type barrier struct {
	n       int
	arrived int
	release chan struct{}
}

type fakeConnector struct {
	db    *fakeDB
	creds dbauth.Credentials
}

func (c *fakeConnector) Driver() driver.Driver { return fakeDriver{} }

func (c *fakeConnector) Connect(ctx context.Context) (driver.Conn, error) {
	db := c.db
	db.dials.Add(1)
	db.mu.Lock()
	if b := db.hold; b != nil {
		b.arrived++
		if b.arrived == b.n {
			close(b.release)
			db.hold = nil
		}
		db.mu.Unlock()
		select {
		case <-b.release:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		db.mu.Lock()
	}
	defer db.mu.Unlock()
	switch {
	case db.down.Load():
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	case !db.accepted[c.creds.Password] && !db.acceptAll.Load():
		return nil, &authError{user: c.creds.Username}
	}
	fc := &fakeConn{creds: c.creds, validateDelay: db.validateDelay}
	db.conns = append(db.conns, fc)
	return fc, nil
}

// authError is what a PostgreSQL driver reports for a wrong password.
type authError struct{ user string }

func (e *authError) Error() string {
	return `FATAL: password authentication failed for user "` + e.user + `" (SQLSTATE 28P01)`
}
func (e *authError) SQLState() string { return "28P01" }

type fakeDriver struct{}

func (fakeDriver) Open(string) (driver.Conn, error) {
	return nil, errors.New("fakedb: open through a connector")
}

// fakeConn answers every query with one row holding 1.
type fakeConn struct {
	creds         dbauth.Credentials
	closed        atomic.Bool
	validateDelay time.Duration
}

func (c *fakeConn) Prepare(string) (driver.Stmt, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	return &fakeStmt{conn: c}, nil
}
func (c *fakeConn) Close() error              { c.closed.Store(true); return nil }
func (c *fakeConn) Begin() (driver.Tx, error) { return fakeTx{}, c.check() }
func (c *fakeConn) Ping(context.Context) error {
	return c.check()
}

func (c *fakeConn) QueryContext(_ context.Context, _ string, _ []driver.NamedValue) (driver.Rows, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	return &fakeRows{}, nil
}

func (c *fakeConn) check() error {
	if c.closed.Load() {
		return errors.New("fakedb: query on a closed connection")
	}
	return nil
}

type fakeTx struct{}

func (fakeTx) Commit() error   { return nil }
func (fakeTx) Rollback() error { return nil }

type fakeRows struct{ done bool }

func (r *fakeRows) Columns() []string { return []string{"one"} }
func (r *fakeRows) Close() error      { return nil }
func (r *fakeRows) Next(dest []driver.Value) error {
	if r.done {
		return io.EOF
	}
	r.done = true
	dest[0] = int64(1)
	return nil
}

// IsValid is what a driver's check of a connection returned to the pool
// does; the server's validateDelay makes it take that long.
func (c *fakeConn) IsValid() bool {
	if c.validateDelay > 0 {
		time.Sleep(c.validateDelay)
	}
	return !c.closed.Load()
}

// fakeStmt is a statement prepared on one connection, as a server's is:
// it works only while that connection's session is open.
type fakeStmt struct{ conn *fakeConn }

func (s *fakeStmt) Close() error  { return nil }
func (s *fakeStmt) NumInput() int { return -1 }
func (s *fakeStmt) Exec([]driver.Value) (driver.Result, error) {
	return driver.RowsAffected(1), s.conn.check()
}
func (s *fakeStmt) Query([]driver.Value) (driver.Rows, error) {
	if err := s.conn.check(); err != nil {
		return nil, err
	}
	return &fakeRows{}, nil
}
