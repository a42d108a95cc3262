// Package db stands in for a database driver in the ECS examples. A real
// driver would dial the server; Open here only checks that it was given
// credentials, which is all the examples need to show how a service
// obtains them and reconnects when they change.
package db

import (
	"context"
	"errors"
	"sync/atomic"
)

// ErrClosed is returned by Ping on a closed connection.
var ErrClosed = errors.New("db: connection closed")

// Config is what a connection needs.
type Config struct {
	Host     string
	User     string
	Password string
}

// Conn is a connection (a pool, in a real driver). It is safe for
// concurrent use.
type Conn struct {
	closed atomic.Bool
}

// Open connects with cfg.
func Open(ctx context.Context, cfg Config) (*Conn, error) {
	if cfg.Host == "" || cfg.User == "" || cfg.Password == "" {
		return nil, errors.New("db: host, user and password are required")
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return &Conn{}, nil
}

// Ping checks that the connection is usable.
func (c *Conn) Ping(ctx context.Context) error {
	if c.closed.Load() {
		return ErrClosed
	}
	return ctx.Err()
}

// Close closes the connection.
func (c *Conn) Close() error {
	c.closed.Store(true)
	return nil
}
