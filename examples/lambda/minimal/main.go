// Command minimal is the smallest Lambda function that reads a credential
// by reference: API_KEY_REF holds a Secrets Manager ARN (with a JSON key)
// or a Parameter Store path, never the key, and the function calls
// UPSTREAM_URL with the key. The README's Lambda section shows this file,
// and a test keeps the two the same.
package main

import (
	"context"
	"net/http"
	"os"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/secretref/secretref/secrets"
)

func handler(ctx context.Context, ev events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	// The first invocation fetches the key; later ones are served from
	// the cache, and a value past its TTL is fetched again.
	key, err := secrets.GetString(ctx, os.Getenv("API_KEY_REF"))
	if err != nil {
		return events.APIGatewayProxyResponse{StatusCode: http.StatusInternalServerError}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, os.Getenv("UPSTREAM_URL")+ev.Path, nil)
	if err != nil {
		return events.APIGatewayProxyResponse{StatusCode: http.StatusBadRequest}, err
	}
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return events.APIGatewayProxyResponse{StatusCode: http.StatusBadGateway}, err
	}
	resp.Body.Close()
	return events.APIGatewayProxyResponse{StatusCode: resp.StatusCode}, nil
}

func main() { lambda.Start(handler) }
