package pgxauth

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/multitracer"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/secretref/secretref/secrets/dbauth"
)

// ConfigurePool makes the connections of a pgxpool pool made from cfg log
// in with the credentials auth gives. Call it before pgxpool.NewWithConfig;
// it keeps the hooks cfg already has, running cfg's BeforeConnect before
// its own and the others after.
//
//   - BeforeConnect gives each new connection the credentials (a cache hit
//     in the common case). When they give a host or port, the
//     connection's host, port, TLS settings and fallbacks are those of
//     cfg's connection string parsed again with that host and port (TLS
//     client certificates from sslcert then need the host in the
//     connection string instead).
//   - pgxpool returns a failed connection attempt to its caller and has no
//     hook to retry it, so every attempt in flight when the password
//     changes (setSecret) fails, and with it the query that waited for it.
//     The pool's tracer notes the rejection, and the next BeforeConnect
//     finds the rotated credentials as package dbauth describes, trying
//     each with a connection of its own before handing it to the pool.
//     [NewPool] makes a [Pool], whose Acquire tries again on such a
//     failure: no query fails. database/sql with [Connector] does not fail
//     either.
//   - PrepareConn and AfterRelease retire connections opened with
//     credentials that new connections no longer use: they are closed when
//     next acquired or released. Idle ones close by MaxConnIdleTime.
//   - With IAM authentication (dbauth.Source.IAM), a connection string
//     without an sslmode (nor PGSSLMODE) gets sslmode=verify-full, and one
//     that allows a connection without TLS is an error that says why.
//     Connections opened with an older token are not retired.
func ConfigurePool(cfg *pgxpool.Config, auth *dbauth.Auth) error {
	// With IAM authentication the credentials give the host, so that
	// BeforeConnect parses the connection string again for each
	// connection: with the sslmode that forAuth adds.
	connString, err := forAuth(auth, cfg.ConnString())
	if err != nil {
		return err
	}
	h := &poolHooks{auth: auth, connString: connString}
	beforeConnect := cfg.BeforeConnect
	cfg.BeforeConnect = func(ctx context.Context, cc *pgx.ConnConfig) error {
		if beforeConnect != nil {
			if err := beforeConnect(ctx, cc); err != nil {
				return err
			}
		}
		return h.beforeConnect(ctx, cc)
	}
	prepare := cfg.PrepareConn
	// A caller's BeforeAcquire, deprecated but still honoured by pgxpool
	// when PrepareConn is not set, must keep working once this sets it.
	//lint:ignore SA1019 honouring the caller's hook is the point
	if prepare == nil && cfg.BeforeAcquire != nil {
		beforeAcquire := cfg.BeforeAcquire //lint:ignore SA1019 as above
		prepare = func(ctx context.Context, conn *pgx.Conn) (bool, error) { return beforeAcquire(ctx, conn), nil }
	}
	cfg.PrepareConn = func(ctx context.Context, conn *pgx.Conn) (bool, error) {
		if h.retired(conn) {
			return false, nil
		}
		if prepare != nil {
			return prepare(ctx, conn)
		}
		return true, nil
	}
	afterRelease := cfg.AfterRelease
	cfg.AfterRelease = func(conn *pgx.Conn) bool {
		if h.retired(conn) {
			return false
		}
		return afterRelease == nil || afterRelease(conn)
	}
	beforeClose := cfg.BeforeClose
	cfg.BeforeClose = func(conn *pgx.Conn) {
		h.opened.Delete(conn)
		if beforeClose != nil {
			beforeClose(conn)
		}
	}
	t := connectTracer{h}
	if cfg.ConnConfig.Tracer != nil {
		cfg.ConnConfig.Tracer = multitracer.New(cfg.ConnConfig.Tracer, t)
	} else {
		cfg.ConnConfig.Tracer = t
	}
	return nil
}

// poolHooks is the state ConfigurePool's hooks share.
type poolHooks struct {
	auth *dbauth.Auth
	// connString is the pool's, with the sslmode IAM authentication
	// needs when it named none.
	connString string
	// opened maps each of the pool's connections to the credentials it
	// logged in with.
	opened sync.Map
	// rejected is the last credentials the database rejected.
	rejected atomic.Pointer[dbauth.Credentials]
	// host is the configuration parsed for the last host and port the
	// credentials gave.
	host atomic.Pointer[hostConfig]
}

type hostConfig struct {
	host string
	port int
	cfg  *pgx.ConnConfig
}

func (h *poolHooks) beforeConnect(ctx context.Context, cc *pgx.ConnConfig) error {
	// The rejection is read before the credentials: a probe that found
	// the rotated ones clears it only after the Auth prefers them, so a
	// connection that sees it cleared also sees them.
	r := h.rejected.Load()
	creds, err := h.auth.Credentials(ctx)
	if err != nil {
		return err
	}
	if r != nil && logsInAs(creds, *r) {
		probe := func(ctx context.Context, c dbauth.Credentials) (dbauth.Credentials, error) {
			pc := cc.Copy()
			if err := h.moveHost(pc, c); err != nil {
				return c, err
			}
			apply(pc, c)
			conn, err := pgconn.ConnectConfig(ctx, &pc.Config)
			if err != nil {
				return c, err
			}
			return c, conn.Close(ctx)
		}
		if creds, err = dbauth.Connect(ctx, h.auth, probe); err != nil {
			return err
		}
		h.rejected.CompareAndSwap(r, nil)
	}
	if err := h.moveHost(cc, creds); err != nil {
		return err
	}
	apply(cc, creds)
	return nil
}

// moveHost gives cc the host-derived settings of the host and port creds
// give.
func (h *poolHooks) moveHost(cc *pgx.ConnConfig, creds dbauth.Credentials) error {
	if creds.Host == "" && creds.Port == 0 {
		return nil
	}
	hc := h.host.Load()
	if hc == nil || hc.host != creds.Host || hc.port != creds.Port {
		cfg, err := parseFor(h.connString, creds)
		if err != nil {
			return err
		}
		hc = &hostConfig{host: creds.Host, port: creds.Port, cfg: cfg}
		h.host.Store(hc)
	}
	own := hc.cfg.Copy() // connections do not share fallbacks
	cc.Host, cc.Port, cc.TLSConfig, cc.Fallbacks = own.Host, own.Port, own.TLSConfig, own.Fallbacks
	return nil
}

func (h *poolHooks) retired(conn *pgx.Conn) bool {
	c, ok := h.opened.Load(conn)
	return ok && h.auth.Retired(c.(dbauth.Credentials))
}

// logsInAs reports whether a connection given creds would log in as used
// did: used is a whole configuration's, creds give some fields.
func logsInAs(creds, used dbauth.Credentials) bool {
	same := func(given, other string) bool { return given == "" || given == other }
	return creds.Password == used.Password && same(creds.Username, used.Username) && same(creds.Host, used.Host) &&
		same(creds.DBName, used.DBName) && (creds.Port == 0 || creds.Port == used.Port)
}

// connectTracer sees each connection attempt of the pool: which
// credentials a connection logged in with, and which the database
// rejected.
type connectTracer struct{ h *poolHooks }

type configKey struct{}

func (connectTracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	return ctx
}

func (connectTracer) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func (connectTracer) TraceConnectStart(ctx context.Context, data pgx.TraceConnectStartData) context.Context {
	return context.WithValue(ctx, configKey{}, data.ConnConfig)
}

func (t connectTracer) TraceConnectEnd(ctx context.Context, data pgx.TraceConnectEndData) {
	cc, ok := ctx.Value(configKey{}).(*pgx.ConnConfig)
	if !ok {
		return
	}
	creds := credentialsOf(cc)
	switch {
	case data.Err == nil:
		t.h.opened.Store(data.Conn, creds)
	case dbauth.IsAuthFailure(data.Err):
		t.h.rejected.Store(&creds)
	}
}
