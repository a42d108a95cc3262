// Command sdk is the measured Lambda handler (see package lambda) written
// with the SDK's clients called directly, as AWS's examples write it: the
// configuration is loaded and the clients made in main, and every
// invocation calls GetSecretValue and GetParameter.
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
)

// result tells that both values were read without holding either.
type result struct {
	PasswordBytes int `json:"password_bytes"`
	APIKeyBytes   int `json:"api_key_bytes"`
}

// function holds the clients an execution environment reuses.
type function struct {
	sm  *secretsmanager.Client
	ssm *ssm.Client
}

func (f *function) handle(ctx context.Context) (result, error) {
	s, err := f.sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(os.Getenv("DB_SECRET_ARN"))})
	if err != nil {
		return result{}, err
	}
	var db struct {
		Password string `json:"password"`
	}
	if err := json.Unmarshal([]byte(aws.ToString(s.SecretString)), &db); err != nil {
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
	f := &function{sm: secretsmanager.NewFromConfig(cfg), ssm: ssm.NewFromConfig(cfg)}
	lambda.Start(f.handle)
}
