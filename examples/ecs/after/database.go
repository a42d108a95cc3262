package main

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/secretref/secretref/examples/ecs/internal/db"
	"github.com/secretref/secretref/secrets"
)

// retireAfter is how long a replaced connection stays open, for the
// requests that picked it up before it was replaced.
const retireAfter = 30 * time.Second

// database is the service's connection, replaced when the credentials
// are rotated.
type database struct {
	log       *slog.Logger
	cur       atomic.Pointer[connection]
	stopWatch func()
}

// connection is a connection and the version of the secret it was opened
// with.
type connection struct {
	conn    *db.Conn
	version string
}

// dbSecret is the JSON of a Secrets Manager database secret, in the form
// the RDS rotation functions keep.
type dbSecret struct {
	Host     string `json:"host"`
	Username string `json:"username"`
	Password string `json:"password"`
}

// connect opens a connection with the secret ref names, and opens a new
// one with each new version of it. The Client re-reads a watched secret
// each TTL, so a rotation reaches the service within one.
func connect(ctx context.Context, c *secrets.Client, ref string, log *slog.Logger) (*database, error) {
	v, err := c.Get(ctx, ref)
	if err != nil {
		return nil, err
	}
	d := &database{log: log}
	if err := d.open(ctx, v); err != nil {
		return nil, err
	}
	log.Info("connected", slog.String("credential_version", v.Version()))
	if d.stopWatch, err = c.Watch(ref, d.reconnect); err != nil {
		d.current().conn.Close()
		return nil, err
	}
	return d, nil
}

// open connects with the credentials in v and makes that the current
// connection.
func (d *database) open(ctx context.Context, v secrets.Value) error {
	var s dbSecret
	if err := v.Decode(&s); err != nil { // its errors never quote the value
		return err
	}
	conn, err := db.Open(ctx, db.Config{Host: s.Host, User: s.Username, Password: s.Password})
	if err != nil {
		return err
	}
	if old := d.cur.Swap(&connection{conn: conn, version: v.Version()}); old != nil {
		time.AfterFunc(retireAfter, func() { old.conn.Close() })
	}
	return nil
}

// reconnect is called by the Client's watch, one version at a time.
func (d *database) reconnect(v secrets.Value) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := d.open(ctx, v); err != nil {
		// The old credentials may still work (with the alternating-users
		// rotation strategy they do until the next rotation).
		d.log.Error("reconnecting with rotated credentials failed; keeping the current connection",
			slog.String("credential_version", v.Version()), slog.String("error", err.Error()))
		return
	}
	d.log.Info("reconnected with rotated credentials", slog.String("credential_version", v.Version()))
}

// current returns the connection to use now.
func (d *database) current() *connection { return d.cur.Load() }

func (d *database) close() {
	d.stopWatch()
	d.current().conn.Close()
}
