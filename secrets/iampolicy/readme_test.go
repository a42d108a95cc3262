package iampolicy_test

import (
	"testing"

	"github.com/secretref/secretref/internal/testing/readmeblock"
	"github.com/secretref/secretref/secrets/dbauth"
	"github.com/secretref/secretref/secrets/iampolicy"
)

// quickstartInput is the input of the README's Least privilege section and
// of ExampleDerive: the references the quickstart reads.
var quickstartInput = iampolicy.Input{
	Refs: []string{
		"arn:aws:secretsmanager:us-east-1:123456789012:secret:quickstart/db-da8067:password::",
		"sm:quickstart/db#username",
		"/quickstart/payments/api-key",
	},
	Paths:   []string{"/quickstart/payments"},
	Region:  "us-east-1",
	Account: "123456789012",
	Keys:    []iampolicy.Key{{ARN: "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"}},
	Role:    "arn:aws:iam::123456789012:role/quickstart",
}

// iamExampleInput is the input of the README's IAM permissions example.
var iamExampleInput = iampolicy.Input{
	Refs:    []string{"arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf", "/prod/payments/api-key"},
	Region:  "eu-west-1",
	Account: "123456789012",
	Keys:    []iampolicy.Key{{ARN: exampleKey}},
	Role:    "arn:aws:iam::123456789012:role/prod-api-task",
}

// iamTokenInput is the input of the README's IAM authentication tokens
// example.
var iamTokenInput = iampolicy.Input{
	Databases: []dbauth.Source{{IAM: &dbauth.IAM{
		Region: "eu-west-1", Host: "orders.cluster-c1a2b3c4d5e6.eu-west-1.rds.amazonaws.com", Port: 5432,
		User: "orders_iam", ResourceID: "cluster-ABCDEFGHIJKLMNOPQRSTUVWXY0",
	}}},
	Region:  "eu-west-1",
	Account: "123456789012",
}

// The policies in the README are Derive's output.
func TestREADME(t *testing.T) {
	const readme = "../../README.md"
	quickstart, err := iampolicy.Derive(quickstartInput)
	if err != nil {
		t.Fatal(err)
	}
	readmeblock.Check(t, readme, "iampolicy", "quickstart", quickstart.Role.JSON(), *update)
	example, err := iampolicy.Derive(iamExampleInput)
	if err != nil {
		t.Fatal(err)
	}
	readmeblock.Check(t, readme, "iampolicy", "iam-example", example.Role.JSON(), *update)
	readmeblock.Check(t, readme, "iampolicy", "key-policy-example", example.Keys[0].JSON(), *update)
	tokens, err := iampolicy.Derive(iamTokenInput)
	if err != nil {
		t.Fatal(err)
	}
	readmeblock.Check(t, readme, "iampolicy", "iam-token-example", tokens.Role.JSON(), *update)
}
