// Command cachingclient is the measured Lambda handler (see package
// lambda) written with the AWS Secrets Manager caching client. It reads
// Secrets Manager only, so the SecureString is read with the SDK's SSM
// client, at every invocation; both clients share one configuration,
// loaded in main.
package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-secretsmanager-caching-go/v2/secretcache"
)

// result tells that both values were read without holding either.
type result struct {
	PasswordBytes int `json:"password_bytes"`
	APIKeyBytes   int `json:"api_key_bytes"`
}

// function holds the caches and clients an execution environment reuses.
type function struct {
	secrets *secretcache.Cache
	ssm     *ssm.Client
}

func (f *function) handle(ctx context.Context) (result, error) {
	s, err := f.secrets.GetSecretStringWithContext(ctx, os.Getenv("DB_SECRET_ARN"))
	if err != nil {
		return result{}, err
	}
	var db struct {
		Password string `json:"password"`
	}
	if err := json.Unmarshal([]byte(s), &db); err != nil {
		// json's syntax errors quote no input, so the value stays out.
		return result{}, err
	}
	p, err := f.ssm.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(os.Getenv("API_KEY_PARAM")), WithDecryption: aws.Bool(true)})
	if err != nil {
		return result{}, err
	}
	return result{PasswordBytes: len(db.Password), APIKeyBytes: len(aws.ToString(p.Parameter.Value))}, nil
}

func main() {
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		slog.Error("init failed", slog.String("error", err.Error()))
		os.Exit(1)
	}
	cache, err := secretcache.New(func(c *secretcache.Cache) { c.Client = secretsmanager.NewFromConfig(cfg) })
	if err != nil {
		slog.Error("init failed", slog.String("error", err.Error()))
		os.Exit(1)
	}
	lambda.Start((&function{secrets: cache, ssm: ssm.NewFromConfig(cfg)}).handle)
}
