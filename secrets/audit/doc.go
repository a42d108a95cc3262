// Package audit finds plaintext secrets in the configuration of ECS
// services and Lambda functions, and proposes what to put in their place.
//
// [Scan] reads an ECS task definition (the input of aws ecs
// register-task-definition or the output of describe-task-definition), a
// Lambda function configuration (aws lambda get-function-configuration or
// get-function), or a CloudFormation or SAM template holding either, JSON
// or YAML. Every environment variable is looked at, and so is every value
// in an ECS container's command and entryPoint, which
// ecs:DescribeTaskDefinition shows as it shows the environment
// (--db-password=..., --token ..., PGPASSWORD=... in a shell command):
//
//   - by name: the last word of PASSWORD, SECRET, TOKEN, API_KEY,
//     PRIVATE_KEY and the like (SECRET_TTL and PASSWORD_MIN_LENGTH are
//     settings, DB_SECRET_REF a reference); for an argument, its option's
//     name;
//   - by format: AWS access key ids and secret keys, PEM private keys,
//     JWTs, GitHub, Slack and Stripe tokens, URLs and connection strings
//     with a password, HTTP Authorization values (Basic with a user name
//     and password, Bearer with a token);
//   - in a JSON object or array, field by field, each by its key and its
//     value as above, JSON in its strings included;
//   - by entropy (environment variables only): a long random-looking
//     string, punctuated like a generated password or not, and 64 or more
//     hexadecimal digits (a 256-bit key) under a name that does not say it
//     is a digest or an id;
//   - in a template, by how it is set: a dynamic reference to a secret
//     ({{resolve:secretsmanager:...}}), which CloudFormation resolves into
//     the deployed configuration, or a NoEcho parameter.
//
// What is already the fix is not flagged: ARNs, Parameter Store paths,
// secretref references, placeholders filled in elsewhere (${DB_PASSWORD},
// $(cat /run/secrets/db)), ECS secrets/valueFrom entries. The labelled
// cases of the package's tests hold the traps that must not be flagged:
// digests, ids, versions, hosts, addresses, paths, templates, regular
// expressions, settings named after secrets.
//
// Out of reach, and not flagged (TestOutOfReach keeps this list true): a
// secret under a neutral name with no format and no randomness to tell it
// (a word-like password such as Summer2024!, a generated one shorter than
// 20 characters or with two or more runs of four lower-case letters, a key
// in fewer than 64 hexadecimal digits, base64 of a secret without the
// Basic scheme); a hexadecimal key
// under a name that says digest or id; a password given without an option
// name (app SECRET, -p SECRET); a secret encoded (base64 or URL-encoded
// JSON, compressed), deeper than 8 levels of JSON or past its 512th field,
// or in another text format (YAML, INI) in a variable; values the document
// does not hold (environmentFiles, the image, the function's code, a
// template function whose result it does not give, such as Fn::GetAtt or
// Fn::ImportValue); and other fields of a container definition
// (logConfiguration options such as a log driver's token, dockerLabels,
// healthCheck).
//
// A finding never holds the value or any part of it: its location, the
// variable's name (an argument's option), the value's length and the
// reasons only; a secret in a JSON field is reported without the field's
// key. Its fix names a Secrets Manager secret, the variable to set to its
// reference, and the statements iampolicy.Derive gives for that reference;
// for an ECS container also the secrets entry that would inject it instead
// (by the secret's full ARN, which ECS requires: see ECSSecret) and the
// execution role's statement. An AWS access key gets one piece of advice
// instead: the role replaces it, and it is stored nowhere.
package audit
