// Command before is an HTTP service on ECS that connects to PostgreSQL
// with libpq's environment variables, PGPASSWORD among them, which its task
// definition (task-definition.json) sets in plain text under
// "environment": anyone allowed ecs:DescribeTaskDefinition, and every copy
// of the task definition in source control and CI logs, has the password.
// A rotated password reaches the service only with a new task definition
// and a redeploy. See ../after for the same service without it.
package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/secretref/secretref/examples/ecs/internal/serve"
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
	// PGHOST, PGUSER, PGPASSWORD (plain text in the task definition), ...
	cfg, err := pgx.ParseConfig("")
	if err != nil {
		return err
	}
	db := stdlib.OpenDB(*cfg)
	defer db.Close()
	if err := db.PingContext(ctx); err != nil {
		return err
	}
	addr := os.Getenv("LISTEN_ADDR")
	if addr == "" {
		addr = ":8080"
	}
	return serve.Run(ctx, addr, routes(db), log)
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
