// Command after is the function of ../before with no credential in its
// code or configuration. Its configuration (template.yaml) holds two
// references: the ARN of a Secrets Manager secret with the partner's API
// key, and the path of a Parameter Store SecureString with the signing key.
// The function reads both during its init phase, serves them from the
// cache on each invocation, and when the partner rejects them (they were
// rotated) fetches the current versions once and retries.
package main

import (
	"context"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/secretref/secretref/examples/lambda/internal/partner"
)

// initTimeout leaves room in Lambda's 10-second init phase for the
// runtime's own start-up.
const initTimeout = 5 * time.Second

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	ctx, cancel := context.WithTimeout(context.Background(), initTimeout)
	f, err := newFunction(ctx, log, config{
		apiKeyRef:     os.Getenv("PARTNER_API_KEY_REF"),
		signingKeyRef: os.Getenv("SIGNING_KEY_REF"),
		partner:       &partner.Client{BaseURL: os.Getenv("PARTNER_URL"), HTTP: &http.Client{Timeout: 10 * time.Second}},
	})
	cancel()
	if err != nil {
		// Lambda reports a failed init and tries it again on the next
		// invocation, instead of running a handler without credentials.
		log.Error("init failed", slog.String("error", err.Error()))
		os.Exit(1)
	}
	lambda.Start(f.handle)
}
