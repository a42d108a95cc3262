package dbauth

import (
	"context"
	"database/sql/driver"
	"errors"
	"sync"
	"sync/atomic"
)

// conn is a driver's connection that knows the credentials it was opened
// with. It passes every call on to the driver's connection, using the
// optional interfaces that one has, and retires itself once new
// connections use other credentials: database/sql asks IsValid when the
// connection is returned to the pool, which then says no.
//
// A connection in the pool is never refused when database/sql takes it
// out again (ResetSession): database/sql may hand a connection returned
// a moment ago straight to a query on its last try, and a refusal there
// is a failed query. The database checks credentials only when a session
// starts, so a retired connection's session still works for that one
// more use. An idle connection that is retired is closed at once, and
// ResetSession opens it again with the credentials new connections use.
type conn struct {
	driver.Conn
	owner *Connector

	// used: a call was made on it, so that database/sql has marked it to
	// be reset before it is used again (it does not when a connection it
	// opened for a caller who gave up goes to the pool unused).
	used atomic.Bool

	mu       sync.Mutex
	k        *cred // the credentials the session was opened with
	prepared bool  // a statement was prepared on it, bound to this session
	// droppable: in database/sql's pool (IsValid said yes, no
	// ResetSession came since), reset before its next use, and without
	// prepared statements, so that its session may be closed now and
	// opened again when it is next used.
	droppable bool
	dropped   bool // its session was closed while idle; ResetSession opens one
	closed    bool // database/sql closed it
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
// type: with sql.Conn.Raw, driverConn.(interface{ Unwrap() driver.Conn }).Unwrap().
func (w *conn) Unwrap() driver.Conn { return w.Conn }

// IsValid reports whether the connection may go back into the pool.
func (w *conn) IsValid() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed || w.dropped || w.owner.auth.retired(w.k) {
		return false
	}
	if v, ok := w.Conn.(driver.Validator); ok && !v.IsValid() {
		return false
	}
	w.droppable = w.used.Load() && !w.prepared
	return true
}

// ResetSession is called before the connection is reused. It refuses
// only a connection that cannot work: one whose driver refuses it, or
// whose session could not be opened again.
func (w *conn) ResetSession(ctx context.Context) error {
	w.use()
	w.mu.Lock()
	w.droppable = false
	dropped, closed := w.dropped, w.closed
	w.mu.Unlock()
	switch {
	case closed:
		return driver.ErrBadConn
	case dropped:
		return w.reopen(ctx)
	}
	if r, ok := w.Conn.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

// reopen opens a new session for a connection whose session was closed
// while idle. Nothing else uses the connection meanwhile: database/sql
// holds it, and closeIfRetired leaves alone a connection not droppable.
func (w *conn) reopen(ctx context.Context) error {
	dc, k, err := connect(ctx, w.owner.auth, w.owner.dial)
	if err != nil {
		return &reopenError{err: err}
	}
	w.mu.Lock()
	w.Conn, w.k, w.dropped = dc, k, false
	w.mu.Unlock()
	w.owner.track(w)
	return nil
}

// reopenError is a failed reopening: it wraps driver.ErrBadConn, so that
// database/sql discards the connection and tries another, and the cause,
// which database/sql returns when it has no try left.
type reopenError struct{ err error }

func (e *reopenError) Error() string   { return e.err.Error() }
func (e *reopenError) Unwrap() []error { return []error{driver.ErrBadConn, e.err} }

// closeIfRetired closes the session of the connection if it sits in the
// pool, droppable, and was opened with credentials new connections no
// longer use. database/sql does not learn it: the next ResetSession opens
// the session again.
func (w *conn) closeIfRetired() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.droppable || w.dropped || w.closed || !w.owner.auth.retired(w.k) {
		return
	}
	w.dropped, w.droppable = true, false
	w.owner.forget(w)
	_ = w.Conn.Close()
}

// Close closes the connection; closing it again does nothing.
func (w *conn) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return nil
	}
	w.closed = true
	if w.dropped {
		return nil // its session is closed already
	}
	w.owner.forget(w)
	return w.Conn.Close()
}

// PrepareContext prepares a statement, falling back to Prepare as
// database/sql does when the driver lacks ConnPrepareContext.
func (w *conn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	w.use()
	w.mu.Lock()
	w.prepared = true
	w.mu.Unlock()
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
	w.use()
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
	w.use()
	if e, ok := w.Conn.(driver.ExecerContext); ok {
		return e.ExecContext(ctx, query, args)
	}
	return nil, driver.ErrSkip
}

// QueryContext runs a query; driver.ErrSkip makes database/sql prepare it
// when the driver cannot run it directly.
func (w *conn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	w.use()
	if q, ok := w.Conn.(driver.QueryerContext); ok {
		return q.QueryContext(ctx, query, args)
	}
	return nil, driver.ErrSkip
}

// Ping checks the connection; a driver without Pinger has nothing to check.
func (w *conn) Ping(ctx context.Context) error {
	w.use()
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

// use notes that a call was made on the connection; the load alone costs
// nothing on the calls after the first.
func (w *conn) use() {
	if !w.used.Load() {
		w.used.Store(true)
	}
}
