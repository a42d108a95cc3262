// Command before is an AWS Lambda function that forwards orders to a
// partner API with its credentials in plain text, the way this example
// replaces: the signing key is a constant in the code, and the API key an
// environment variable set in the function's configuration
// (template.yaml). Anyone who can read the repository, download the
// deployment package or call lambda:GetFunctionConfiguration has them, and
// rotating either means a new deployment. See ../after for the same
// function with neither.
package main

import (
	"context"
	"net/http"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/secretref/secretref/examples/lambda/internal/partner"
)

// signingKey is in the source, so in every clone, build and deployment
// package. The value is made up.
const signingKey = "before-example-signing-key"

func main() {
	f := &function{
		partner: &partner.Client{BaseURL: os.Getenv("PARTNER_URL"), HTTP: &http.Client{Timeout: 10 * time.Second}},
		creds: partner.Credentials{
			APIKey:     os.Getenv("PARTNER_API_KEY"), // plain text in the function's configuration
			SigningKey: []byte(signingKey),
		},
	}
	lambda.Start(f.handle)
}

// function holds what the handler needs across invocations.
type function struct {
	partner *partner.Client
	creds   partner.Credentials
}

func (f *function) handle(ctx context.Context, o partner.Order) (partner.Receipt, error) {
	return f.partner.Submit(ctx, f.creds, o)
}
