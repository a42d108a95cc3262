// Command quickstart resolves secret references against the kumo AWS
// emulator, started inside this program, so that it runs with nothing but
// Go installed:
//
//	go run ./examples/quickstart
package main

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/sivchari/kumo"

	"github.com/secretref/secretref/internal/kumotest"
	"github.com/secretref/secretref/secrets"
)

func main() {
	if err := run(context.Background()); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context) error {
	srv := kumo.NewServer()
	defer srv.Close()
	cfg, err := kumotest.LoadConfig(srv.URL)
	if err != nil {
		return err
	}
	arn, err := seed(ctx, cfg)
	if err != nil {
		return err
	}

	c, err := secrets.New(ctx, secrets.WithAWSConfig(cfg), secrets.WithHitCounting())
	if err != nil {
		return err
	}
	defer c.Close()

	for _, ref := range []string{
		arn + ":password::",            // ECS valueFrom syntax: ARN, JSON key, stage, version id
		"sm:quickstart/db#username",    // a secret by name, one JSON field
		"/quickstart/payments/api-key", // a Parameter Store SecureString
	} {
		v, err := c.Get(ctx, ref)
		if err != nil {
			return err
		}
		fmt.Fprintf(os.Stdout, "%-40.40s %s (%d bytes, version %.8s)\n", ref, v, v.Len(), v.Version())
	}
	fmt.Printf("cache: %+v\n", c.Stats())
	return nil
}

// seed stores a Secrets Manager secret and a Parameter Store parameter in
// the emulator and returns the secret's ARN.
func seed(ctx context.Context, cfg aws.Config) (string, error) {
	out, err := secretsmanager.NewFromConfig(cfg).CreateSecret(ctx, &secretsmanager.CreateSecretInput{
		Name:         aws.String("quickstart/db"),
		SecretString: aws.String(`{"username":"app","password":"example-password-1"}`),
	})
	if err != nil {
		return "", err
	}
	_, err = ssm.NewFromConfig(cfg).PutParameter(ctx, &ssm.PutParameterInput{
		Name:  aws.String("/quickstart/payments/api-key"),
		Value: aws.String("example-api-key"),
		Type:  ssmtypes.ParameterTypeSecureString,
	})
	return aws.ToString(out.ARN), err
}
