// Package audit finds plaintext secrets in the configuration of ECS
// services and Lambda functions, and proposes what to put in their place.
//
// [Scan] reads an ECS task definition (the input of aws ecs
// register-task-definition or the output of describe-task-definition), a
// Lambda function configuration (aws lambda get-function-configuration or
// get-function), or a CloudFormation or SAM template holding either, JSON
// or YAML. Every environment variable is looked at:
//
//   - by name: the last word of PASSWORD, SECRET, TOKEN, API_KEY,
//     PRIVATE_KEY and the like (SECRET_TTL and PASSWORD_MIN_LENGTH are
//     settings, DB_SECRET_REF a reference);
//   - by format: AWS access key ids and secret keys, PEM private keys,
//     JWTs, GitHub, Slack and Stripe tokens, URLs and connection strings
//     with a password;
//   - by entropy: a long random-looking string;
//   - in a template, by how it is set: a dynamic reference to a secret
//     ({{resolve:secretsmanager:...}}), which CloudFormation resolves into
//     the deployed configuration, or a NoEcho parameter.
//
// What is already the fix is not flagged: ARNs, Parameter Store paths,
// secretref references, ECS secrets/valueFrom entries.
//
// A finding never holds the value or any part of it: its location, the
// variable's name, the value's length and the reasons only. Its fix names a
// Secrets Manager secret, the variable to set to its reference (and, for
// an ECS container, the secrets entry that would inject it instead), and
// the statements iampolicy.Derive gives for that reference.
package audit
