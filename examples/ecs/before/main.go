// Command before is an HTTP service on ECS that reads its database
// password from the DB_PASSWORD environment variable, which its task
// definition (task-definition.json) sets in plain text under
// "environment": anyone allowed ecs:DescribeTaskDefinition, and every
// copy of the task definition in source control and CI logs, has it. A
// rotated password reaches the service only with a new task definition
// and a redeploy. See ../after for the same service without it.
package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"github.com/secretref/secretref/examples/ecs/internal/db"
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
	conn, err := db.Open(ctx, db.Config{
		Host:     os.Getenv("DB_HOST"),
		User:     os.Getenv("DB_USER"),
		Password: os.Getenv("DB_PASSWORD"), // plain text in the task definition
	})
	if err != nil {
		return err
	}
	defer conn.Close()
	addr := os.Getenv("LISTEN_ADDR")
	if addr == "" {
		addr = ":8080"
	}
	return serve.Run(ctx, addr, routes(conn), log)
}

func routes(conn *db.Conn) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		status, state := http.StatusOK, "ok"
		if err := conn.Ping(r.Context()); err != nil {
			status, state = http.StatusServiceUnavailable, "database unavailable"
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]string{"status": state})
	})
	return mux
}
