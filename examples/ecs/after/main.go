// Command after is the service of ../before without the password in its
// task definition. The task definition (task-definition.json) gives it
// DB_SECRET_REF, a reference to a Secrets Manager secret holding the
// database credentials; the service reads the secret with its task role
// for each new connection, and when the secret is rotated it connects with
// the new version, with no new task definition, redeploy or restart.
//
// Environment:
//
//	DB_SECRET_REF  the secret's reference, such as its ARN (required)
//	PGSSLMODE ...  libpq's variables, for the settings the secret does not hold
//	LISTEN_ADDR    the address to serve on (default :8080)
//	ADMIN_ADDR     the address to serve /metrics and /debug/vars on (default 127.0.0.1:9090)
package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"expvar"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/sync/errgroup"

	"github.com/secretref/secretref/examples/ecs/internal/serve"
	"github.com/secretref/secretref/secrets"
	"github.com/secretref/secretref/secrets/dbauth"
	"github.com/secretref/secretref/secrets/dbauth/pgxauth"
	"github.com/secretref/secretref/secrets/otelsecrets"
)

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	// ECS stops a task with SIGTERM.
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	if err := run(ctx, log); err != nil {
		log.Error("exiting", slog.String("error", err.Error()))
		os.Exit(1)
	}
}

func run(ctx context.Context, log *slog.Logger) error {
	ref := os.Getenv("DB_SECRET_REF")
	if ref == "" {
		return errors.New("DB_SECRET_REF must name the database secret")
	}
	meterProvider, metrics, err := newMeterProvider()
	if err != nil {
		return err
	}
	defer func() { _ = meterProvider.Shutdown(context.Background()) }()
	inst, err := otelsecrets.New(func(o *otelsecrets.Options) { o.MeterProvider = meterProvider })
	if err != nil {
		return err
	}
	c, err := secrets.New(ctx, func(o *secrets.Options) {
		o.Logger = log
		o.Observer = inst.Observer()
	})
	if err != nil {
		return err
	}
	defer c.Close()
	unregister, err := inst.Register(c)
	if err != nil {
		return err
	}
	defer unregister() // deferred after Close, so that it runs before it
	expvar.Publish("secretref", expvar.Func(func() any { return c.Stats() }))
	// The secret holds host, port, username, password and dbname, as the
	// RDS rotation functions keep them.
	auth, err := dbauth.New(c, dbauth.Source{Secret: ref}, func(o *dbauth.Options) { o.Logger = log })
	if err != nil {
		return err
	}
	defer auth.Close()
	connector, err := pgxauth.Connector(auth, "")
	if err != nil {
		return err
	}
	db := sql.OpenDB(connector)
	defer db.Close()
	if err := db.PingContext(ctx); err != nil {
		return err
	}
	addr := os.Getenv("LISTEN_ADDR")
	if addr == "" {
		addr = ":8080"
	}
	adminAddr := os.Getenv("ADMIN_ADDR")
	if adminAddr == "" {
		adminAddr = "127.0.0.1:9090"
	}
	// Either server failing stops the other.
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return serve.Run(ctx, adminAddr, adminRoutes(metrics), log) })
	g.Go(func() error { return serve.Run(ctx, addr, routes(db), log) })
	return g.Wait()
}

func routes(db *sql.DB) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		status, state := http.StatusOK, "ok"
		if err := db.PingContext(r.Context()); err != nil {
			status, state = http.StatusServiceUnavailable, "database unavailable"
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]string{"status": state})
	})
	return mux
}
