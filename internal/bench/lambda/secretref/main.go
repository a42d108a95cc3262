// Command secretref is the measured Lambda handler (see package lambda)
// written with secretref's package-level GetString: the shortest code, in
// which the default Client is made, and both values fetched, by the first
// invocation.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/secretref/secretref/secrets"
)

// result tells that both values were read without holding either.
type result struct {
	PasswordBytes int `json:"password_bytes"`
	APIKeyBytes   int `json:"api_key_bytes"`
}

func handler(ctx context.Context) (result, error) {
	pw, err := secrets.GetString(ctx, os.Getenv("DB_SECRET_ARN")+":password::")
	if err != nil {
		return result{}, err
	}
	key, err := secrets.GetString(ctx, os.Getenv("API_KEY_PARAM"))
	if err != nil {
		return result{}, err
	}
	return result{PasswordBytes: len(pw), APIKeyBytes: len(key)}, nil
}

func main() { lambda.Start(handler) }
