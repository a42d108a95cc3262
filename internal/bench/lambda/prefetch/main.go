// Command prefetch is the measured Lambda handler (see package lambda)
// written with a secretref Client made in main with Options.Prefetch: the
// init phase loads the AWS configuration and fetches both values, and
// invocations are served from the cache.
package main

import (
	"context"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/secretref/secretref/secrets"
)

// result tells that both values were read without holding either.
type result struct {
	PasswordBytes int `json:"password_bytes"`
	APIKeyBytes   int `json:"api_key_bytes"`
}

func main() {
	password := os.Getenv("DB_SECRET_ARN") + ":password::"
	apiKey := os.Getenv("API_KEY_PARAM")
	// Well inside Lambda's 10-second init phase.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	c, err := secrets.New(ctx, func(o *secrets.Options) { o.Prefetch = []string{password, apiKey} })
	cancel()
	if err != nil {
		// A failed init is reported by Lambda and retried, instead of a
		// handler running without its credentials.
		slog.Error("init failed", slog.String("error", err.Error()))
		os.Exit(1)
	}
	lambda.Start(func(ctx context.Context) (result, error) {
		pw, err := c.GetString(ctx, password)
		if err != nil {
			return result{}, err
		}
		key, err := c.GetString(ctx, apiKey)
		if err != nil {
			return result{}, err
		}
		return result{PasswordBytes: len(pw), APIKeyBytes: len(key)}, nil
	})
}
