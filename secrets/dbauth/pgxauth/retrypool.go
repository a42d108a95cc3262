package pgxauth

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/secretref/secretref/secrets/dbauth"
)

// Pool is a pgxpool pool configured by ConfigurePool whose Acquire, and
// Exec, Query, QueryRow, Begin, BeginTx, CopyFrom and Ping, which acquire
// through it, try again (twice at most) when the connection opened for
// them meets credentials the database rejects. pgxpool fails every connection
// attempt in flight when a password changes (setSecret) and has no hook to
// retry one; the next attempt finds the rotated credentials (see
// ConfigurePool), so that a rotation fails no query. Nothing was sent on
// the rejected connection: trying again runs the statement once.
//
// The other methods are pgxpool's: SendBatch and AcquireAllIdle do not
// try again (send a batch on a connection from Acquire for that).
type Pool struct {
	*pgxpool.Pool
}

// NewPool configures cfg with ConfigurePool and makes a Pool of it.
func NewPool(ctx context.Context, cfg *pgxpool.Config, auth *dbauth.Auth) (*Pool, error) {
	if err := ConfigurePool(cfg, auth); err != nil {
		return nil, err
	}
	p, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return &Pool{Pool: p}, nil
}

// Acquire returns a connection from the pool, opening one if needed; see
// pgxpool.Pool.Acquire.
func (p *Pool) Acquire(ctx context.Context) (*pgxpool.Conn, error) {
	return retried(ctx, func() (*pgxpool.Conn, error) { return p.Pool.Acquire(ctx) })
}

// AcquireFunc calls f with a connection from Acquire, released after.
func (p *Pool) AcquireFunc(ctx context.Context, f func(*pgxpool.Conn) error) error {
	c, err := p.Acquire(ctx)
	if err != nil {
		return err
	}
	defer c.Release()
	return f(c)
}

// Exec runs sql on a connection from the pool; see pgxpool.Pool.Exec.
func (p *Pool) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	return retried(ctx, func() (pgconn.CommandTag, error) { return p.Pool.Exec(ctx, sql, args...) })
}

// Query runs sql on a connection from the pool; see pgxpool.Pool.Query.
func (p *Pool) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	return retried(ctx, func() (pgx.Rows, error) { return p.Pool.Query(ctx, sql, args...) })
}

// QueryRow runs sql on a connection from Acquire, released when the row is
// scanned; see pgxpool.Pool.QueryRow.
func (p *Pool) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	c, err := p.Acquire(ctx)
	if err != nil {
		return errRow{err}
	}
	return &poolRow{c: c, row: c.QueryRow(ctx, sql, args...)}
}

// Begin starts a transaction on a connection from the pool; see
// pgxpool.Pool.Begin.
func (p *Pool) Begin(ctx context.Context) (pgx.Tx, error) {
	return p.BeginTx(ctx, pgx.TxOptions{})
}

// BeginTx starts a transaction on a connection from the pool; see
// pgxpool.Pool.BeginTx.
func (p *Pool) BeginTx(ctx context.Context, opts pgx.TxOptions) (pgx.Tx, error) {
	return retried(ctx, func() (pgx.Tx, error) { return p.Pool.BeginTx(ctx, opts) })
}

// CopyFrom copies rows on a connection from the pool; see
// pgxpool.Pool.CopyFrom. rows is not read before a connection is open.
func (p *Pool) CopyFrom(ctx context.Context, table pgx.Identifier, columns []string, rows pgx.CopyFromSource) (int64, error) {
	return retried(ctx, func() (int64, error) { return p.Pool.CopyFrom(ctx, table, columns, rows) })
}

// Ping checks a connection from the pool; see pgxpool.Pool.Ping.
func (p *Pool) Ping(ctx context.Context) error {
	_, err := retried(ctx, func() (struct{}, error) { return struct{}{}, p.Pool.Ping(ctx) })
	return err
}

// connectTries is how many times retried calls f while the connection
// opened for it is rejected. The second try finds the rotated
// credentials; on a saturated machine a few attempts were rejected twice
// (0.07 to 0.1 failed queries per rotation in some runs of
// BenchmarkPoolRotation with two tries), and a third covers them. A
// password no version holds fails fast in the recovery, so the tries
// cost little.
const connectTries = 3

// retried calls f, and again while it fails because the connection opened
// for it met rejected credentials, up to connectTries times in all.
func retried[T any](ctx context.Context, f func() (T, error)) (T, error) {
	v, err := f()
	for try := 1; try < connectTries && err != nil && rejectedAtConnect(err) && ctx.Err() == nil; try++ {
		v, err = f()
	}
	return v, err
}

// rejectedAtConnect reports whether err is a connection attempt's that the
// database refused for its credentials.
func rejectedAtConnect(err error) bool {
	var ce *pgconn.ConnectError
	return errors.As(err, &ce) && dbauth.IsAuthFailure(err)
}

// poolRow releases its connection once scanned.
type poolRow struct {
	c   *pgxpool.Conn
	row pgx.Row
}

func (r *poolRow) Scan(dest ...any) error {
	defer r.c.Release()
	return r.row.Scan(dest...)
}

// errRow is the row of a query that could not be sent.
type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }
