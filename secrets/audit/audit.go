package audit

import (
	"errors"

	"github.com/secretref/secretref/secrets/iampolicy"
)

// Kind is the kind of document Scan read.
type Kind string

// The documents Scan reads.
const (
	// ECSTaskDefinition is the input of aws ecs register-task-definition,
	// or the output of aws ecs describe-task-definition.
	ECSTaskDefinition Kind = "ecs-task-definition"
	// LambdaFunction is the output of aws lambda get-function-configuration
	// or aws lambda get-function.
	LambdaFunction Kind = "lambda-function-configuration"
	// CloudFormationTemplate is a CloudFormation or SAM template, JSON or
	// YAML, with Lambda functions or ECS task definitions among its
	// resources.
	CloudFormationTemplate Kind = "cloudformation-template"
)

// ErrUnrecognized is the error of Scan for a document that is none of the
// kinds it reads.
var ErrUnrecognized = errors.New("not an ECS task definition, a Lambda function configuration or a CloudFormation template")

// Options place the secrets that fixes propose, for documents that do not
// say where they are deployed. A task definition or function configuration
// that names its region and account (in its ARNs, its ECR image or its log
// configuration) uses those. Unset, a fix uses CloudFormation's
// ${AWS::Region}, ${AWS::AccountId} and ${AWS::Partition}.
type Options struct {
	Partition, Region, Account string
}

// Report is what Scan found in one document.
type Report struct {
	File     string    `json:"file"`
	Kind     Kind      `json:"kind"`
	Findings []Finding `json:"findings"`
}

// Finding is one environment variable, or one value in an ECS container's
// command or entryPoint, that looks like a plaintext secret. It holds no
// part of the value: only where it is, its length and why it was flagged.
type Finding struct {
	// Location is the variable's path in the document, such as
	// containerDefinitions[0].environment[2] or
	// containerDefinitions[0].command[1].
	Location string `json:"location"`
	// Variable is the variable's name; for a value in a command, the
	// option or shell variable it is given to as written (--db-password,
	// PGPASSWORD), or "argument" when nothing names it.
	Variable string `json:"variable"`
	// Length is the value's length in bytes; absent when the document does
	// not hold the value (a template parameter without a default).
	Length *int `json:"length,omitempty"`
	// Reasons say why the variable was flagged.
	Reasons []string `json:"reasons"`
	// Fix is the proposed replacement.
	Fix Fix `json:"fix"`
}

// Fix is what to put in place of a plaintext secret: the value stored in
// Secrets Manager under SecretName, and a reference to it in the
// configuration. For an AWS access key the fix is the Note alone, and the
// other fields are empty: the task or function role is the credential, and
// the key belongs in no secret store either.
type Fix struct {
	// SecretName is the proposed name of the Secrets Manager secret.
	SecretName string `json:"secretName,omitempty"`
	// Variable and Reference are the environment variable to set instead,
	// for the process to read with secretref.
	Variable  string `json:"variable,omitempty"`
	Reference string `json:"reference,omitempty"`
	// ECSSecret is, for an ECS container, the entry of its "secrets" that
	// makes ECS inject the value at start instead (read with the task
	// execution role, and not refreshed on rotation).
	ECSSecret *ECSSecret `json:"ecsSecret,omitempty"`
	// Policy is what iampolicy.Derive gives for Reference: the statements
	// the task or function role then needs.
	Policy []iampolicy.Statement `json:"policy,omitempty"`
	// Note, when set, says what else to do.
	Note string `json:"note,omitempty"`
}

// ECSSecret is an entry of an ECS container definition's "secrets", and
// what the task execution role needs for it.
type ECSSecret struct {
	Name string `json:"name"`
	// ValueFrom is the secret's full ARN, which ECS requires for a Secrets
	// Manager secret (it reads a bare name as a Parameter Store
	// parameter's), with SuffixPlaceholder in place of its last six
	// characters: fill them in from the ARN create-secret returns. In a
	// template, the Ref of the AWS::SecretsManager::Secret resource is
	// that ARN.
	ValueFrom string `json:"valueFrom"`
	// ExecutionRolePolicy is the statements the task execution role needs
	// to read the secret at the task's start.
	ExecutionRolePolicy []iampolicy.Statement `json:"executionRolePolicy"`
}
