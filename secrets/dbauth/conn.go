package dbauth

import (
	"context"
	"database/sql/driver"
	"errors"
	"sync"
)

// conn is a driver's connection that knows the credentials it was opened
// with. It passes every call on to the driver's connection, using the
// optional interfaces that one has, and retires itself: database/sql asks
// IsValid when the connection is returned to the pool and ResetSession
// before it reuses it, and both say no once new connections use other
// credentials.
type conn struct {
	driver.Conn
	owner *Connector
	k     *cred

	mu sync.Mutex
	// idle: in database/sql's pool (IsValid said yes, and no ResetSession
	// came since), so that nothing runs on it.
	idle   bool
	closed bool
}

// The interfaces database/sql looks for on a connection.
var (
	_ driver.ConnPrepareContext = (*conn)(nil)
	_ driver.ConnBeginTx        = (*conn)(nil)
	_ driver.ExecerContext      = (*conn)(nil)
	_ driver.QueryerContext     = (*conn)(nil)
	_ driver.Pinger             = (*conn)(nil)
	_ driver.NamedValueChecker  = (*conn)(nil)
	_ driver.SessionResetter    = (*conn)(nil)
	_ driver.Validator          = (*conn)(nil)
)

// Unwrap returns the driver's own connection, for code that needs its
// type: with sql.Conn.Raw, driverConn.(interface{ Unwrap() driver.Conn }).
func (w *conn) Unwrap() driver.Conn { return w.Conn }

// IsValid reports whether the connection may go back into the pool.
func (w *conn) IsValid() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed || w.owner.auth.retired(w.k) {
		return false
	}
	if v, ok := w.Conn.(driver.Validator); ok && !v.IsValid() {
		return false
	}
	w.idle = true
	return true
}

// ResetSession is called before the connection is reused.
func (w *conn) ResetSession(ctx context.Context) error {
	w.mu.Lock()
	if w.closed || w.owner.auth.retired(w.k) {
		w.mu.Unlock()
		return driver.ErrBadConn
	}
	w.idle = false
	w.mu.Unlock()
	if r, ok := w.Conn.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

// closeIfIdle closes the connection if it sits in the pool; database/sql
// learns it at its next ResetSession.
func (w *conn) closeIfIdle() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.idle && !w.closed {
		w.closeLocked()
	}
}

// Close closes the connection; closing it again does nothing.
func (w *conn) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return nil
	}
	return w.closeLocked()
}

func (w *conn) closeLocked() error {
	w.closed = true
	w.owner.forget(w)
	return w.Conn.Close()
}

// PrepareContext prepares a statement, falling back to Prepare as
// database/sql does when the driver lacks ConnPrepareContext.
func (w *conn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	if p, ok := w.Conn.(driver.ConnPrepareContext); ok {
		return p.PrepareContext(ctx, query)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return w.Conn.Prepare(query)
}

// BeginTx starts a transaction, falling back to Begin as database/sql does
// when the driver lacks ConnBeginTx.
func (w *conn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if b, ok := w.Conn.(driver.ConnBeginTx); ok {
		return b.BeginTx(ctx, opts)
	}
	if opts.Isolation != 0 || opts.ReadOnly {
		return nil, errors.New("dbauth: the driver does not support transaction options")
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return w.Conn.Begin() //lint:ignore SA1019 the driver has nothing newer
}

// ExecContext runs a statement; driver.ErrSkip makes database/sql prepare
// it when the driver cannot run it directly.
func (w *conn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if e, ok := w.Conn.(driver.ExecerContext); ok {
		return e.ExecContext(ctx, query, args)
	}
	return nil, driver.ErrSkip
}

// QueryContext runs a query; driver.ErrSkip makes database/sql prepare it
// when the driver cannot run it directly.
func (w *conn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if q, ok := w.Conn.(driver.QueryerContext); ok {
		return q.QueryContext(ctx, query, args)
	}
	return nil, driver.ErrSkip
}

// Ping checks the connection; a driver without Pinger has nothing to check.
func (w *conn) Ping(ctx context.Context) error {
	if p, ok := w.Conn.(driver.Pinger); ok {
		return p.Ping(ctx)
	}
	return nil
}

// CheckNamedValue lets the driver convert arguments; driver.ErrSkip makes
// database/sql use its default conversion.
func (w *conn) CheckNamedValue(nv *driver.NamedValue) error {
	if c, ok := w.Conn.(driver.NamedValueChecker); ok {
		return c.CheckNamedValue(nv)
	}
	return driver.ErrSkip
}
