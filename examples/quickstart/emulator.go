package main

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
)

// What the demo stores in the emulator. The values are made up, and the
// program never prints them.
const (
	secretName  = "quickstart/db"
	dbUser      = "app"
	dbPassword1 = "quickstart-password-1"
	dbPassword2 = "quickstart-password-2"

	paramPath    = "/quickstart/payments"
	apiKeyParam  = paramPath + "/api-key"
	apiKey       = "quickstart-api-key-0123"
	timeoutParam = paramPath + "/timeout"
)

// emulatorConfig is the AWS configuration for the emulator at url: fake
// static credentials, which it does not check, and none of this machine's
// AWS configuration files.
func emulatorConfig(ctx context.Context, url string) (aws.Config, error) {
	return config.LoadDefaultConfig(ctx,
		config.WithRegion("us-east-1"),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("quickstart", "quickstart", "")),
		config.WithSharedConfigFiles([]string{}),
		config.WithSharedCredentialsFiles([]string{}),
		config.WithBaseEndpoint(url),
	)
}

// seed stores a database secret in Secrets Manager and two parameters in
// Parameter Store, and returns the secret's ARN and version.
func seed(ctx context.Context, cfg aws.Config) (arn, version string, err error) {
	secret, err := dbSecret(dbPassword1)
	if err != nil {
		return "", "", err
	}
	out, err := secretsmanager.NewFromConfig(cfg).CreateSecret(ctx, &secretsmanager.CreateSecretInput{
		Name:         aws.String(secretName),
		SecretString: aws.String(secret),
	})
	if err != nil {
		return "", "", fmt.Errorf("creating %s: %w", secretName, err)
	}
	params := ssm.NewFromConfig(cfg)
	for _, p := range []ssm.PutParameterInput{
		{Name: aws.String(apiKeyParam), Value: aws.String(apiKey), Type: ssmtypes.ParameterTypeSecureString},
		{Name: aws.String(timeoutParam), Value: aws.String("5s"), Type: ssmtypes.ParameterTypeString},
	} {
		if _, err := params.PutParameter(ctx, &p); err != nil {
			return "", "", fmt.Errorf("putting %s: %w", aws.ToString(p.Name), err)
		}
	}
	return aws.ToString(out.ARN), aws.ToString(out.VersionId), nil
}

// rotate stores a new version of the secret, as a rotation function's
// last step does, and returns its version id.
func rotate(ctx context.Context, cfg aws.Config) (string, error) {
	secret, err := dbSecret(dbPassword2)
	if err != nil {
		return "", err
	}
	out, err := secretsmanager.NewFromConfig(cfg).PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{
		SecretId:     aws.String(secretName),
		SecretString: aws.String(secret),
	})
	if err != nil {
		return "", fmt.Errorf("rotating %s: %w", secretName, err)
	}
	return aws.ToString(out.VersionId), nil
}

// dbSecret is the JSON a Secrets Manager database secret holds.
func dbSecret(password string) (string, error) {
	b, err := json.Marshal(map[string]string{"username": dbUser, "password": password})
	return string(b), err
}
