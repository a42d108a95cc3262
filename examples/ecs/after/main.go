// Command after is the service of ../before without the password in its
// task definition. The task definition (task-definition.json) gives it
// DB_SECRET_REF, a reference to a Secrets Manager secret holding the
// database credentials; the service reads the secret with its task role,
// and when the secret is rotated it connects with the new version, with no
// new task definition, redeploy or restart.
//
// Environment:
//
//	DB_SECRET_REF  the secret's reference, such as its ARN (required)
//	SECRET_TTL     how long the secret is cached before it is read again (default 5m)
//	LISTEN_ADDR    the address to serve on (default :8080)
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/secretref/secretref/examples/ecs/internal/serve"
	"github.com/secretref/secretref/secrets"
)

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	// ECS stops a task with SIGTERM.
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	cfg, err := configFromEnv()
	if err == nil {
		err = run(ctx, log, cfg)
	}
	if err != nil {
		log.Error("exiting", slog.String("error", err.Error()))
		os.Exit(1)
	}
}

// config is what the task definition gives the service: a reference, not
// a credential.
type config struct {
	secretRef string
	ttl       time.Duration // 0: the library's default
	addr      string
}

func configFromEnv() (config, error) {
	cfg := config{secretRef: os.Getenv("DB_SECRET_REF"), addr: os.Getenv("LISTEN_ADDR")}
	if cfg.secretRef == "" {
		return config{}, errors.New("DB_SECRET_REF must name the database secret")
	}
	if cfg.addr == "" {
		cfg.addr = ":8080"
	}
	if s := os.Getenv("SECRET_TTL"); s != "" {
		ttl, err := time.ParseDuration(s)
		if err != nil || ttl <= 0 {
			return config{}, fmt.Errorf("SECRET_TTL %q is not a positive duration", s)
		}
		cfg.ttl = ttl
	}
	return cfg, nil
}

func run(ctx context.Context, log *slog.Logger, cfg config) error {
	c, err := secrets.New(ctx, func(o *secrets.Options) { o.TTL = cfg.ttl; o.Logger = log })
	if err != nil {
		return err
	}
	defer c.Close()
	d, err := connect(ctx, c, cfg.secretRef, log)
	if err != nil {
		return err
	}
	defer d.close()
	return serve.Run(ctx, cfg.addr, routes(d), log)
}
