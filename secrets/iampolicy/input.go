package iampolicy

import (
	"github.com/secretref/secretref/secrets"
	"github.com/secretref/secretref/secrets/dbauth"
)

// Input describes what a service reads and how its Client reads it. The
// zero value of each setting is the Client's default.
type Input struct {
	// Refs are the references the service reads: with Get, GetString,
	// GetMany, Load, Bind, Watch or as Options.Prefetch. env: and file:
	// references need no AWS permission and add nothing.
	Refs []string
	// Paths are the Parameter Store paths the service reads with GetPath.
	Paths []string
	// Databases are the Sources the service's database connections read
	// (dbauth.New): their references are read as Refs are (a secret's
	// pending version too, with the same GetSecretValue), and an IAM
	// Source's tokens need rds-db:connect on its database user, or
	// dsql:DbConnect (dsql:DbConnectAdmin for admin) on its Aurora DSQL
	// cluster, in IAM.Region (default Region) and Account. IAM.ResourceID
	// and IAM.User name them.
	Databases []dbauth.Source

	// Partition, Region and Account place the secret names, parameter names
	// and paths of Refs and Paths: those of the Client's AWS configuration.
	// References that are ARNs carry their own. Partition defaults to the
	// partition of Region (aws-cn for cn-north-1, aws-us-gov for
	// us-gov-west-1, aws for most). Each may instead be a CloudFormation
	// substitution such as "${AWS::Region}", to put the policy in an
	// Fn::Sub.
	Partition string
	Region    string
	Account   string

	// DisableRotationSchedule is Options.DisableRotationSchedule: the
	// Client does not read rotation schedules, so the role needs no
	// secretsmanager:DescribeSecret.
	DisableRotationSchedule bool
	// FailoverRegions is Options.FailoverRegions: the role may read the
	// replicas of the secrets, and the copies of the parameters, there.
	FailoverRegions []string
	// DisableBatching is Options.DisableBatching: the Client never reads
	// two values in one call. By default it does, in GetMany, Load and
	// Prefetch and when it coalesces background refreshes, wherever two
	// or more values of one service and region can share a call: the role
	// then needs secretsmanager:BatchGetSecretValue and ssm:GetParameters.
	DisableBatching bool

	// Keys are the customer-managed KMS keys that encrypt what Refs and
	// Paths name. Values encrypted with the AWS managed keys (aws/ssm,
	// aws/secretsmanager) need no kms:Decrypt permission.
	Keys []Key
	// Role is the ARN of the role the service runs as. When it is set,
	// Derive also returns, for each key, the statements to add to the key's
	// policy.
	Role string
}

// Key is a customer-managed KMS key and what it encrypts.
type Key struct {
	// ARN is the key's ARN (arn:aws:kms:REGION:ACCOUNT:key/KEY-ID). An alias
	// ARN does not work in a policy's Resource.
	ARN string
	// Encrypts lists the references of Input.Refs and the paths of
	// Input.Paths, as written there, whose values the key encrypts. Empty:
	// all of them.
	Encrypts []string
}

// Policies are the documents Derive returns.
type Policies struct {
	// Role is the identity-based policy for the role.
	Role Document
	// Keys holds the statements for each key's key policy, in the order of
	// the keys' ARNs; empty when Input.Role is not set.
	Keys []KeyPolicy
}

// KeyPolicy is what one key's policy must add so that the role may decrypt
// with it, under the same conditions as in the role's policy.
type KeyPolicy struct {
	KeyARN    string
	Statement []Statement
}

// ForClient returns the Input for a Client configured with o that reads
// refs: it takes the region of o.AWSConfig and whether o reads rotation
// schedules. Add Paths, Account, Keys and Role as the service needs.
func ForClient(o secrets.Options, refs ...string) Input {
	in := Input{Refs: refs, DisableRotationSchedule: o.DisableRotationSchedule, DisableBatching: o.DisableBatching,
		FailoverRegions: o.FailoverRegions}
	if o.AWSConfig != nil {
		in.Region = o.AWSConfig.Region
	}
	return in
}
