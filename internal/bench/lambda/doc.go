// Package lambda holds one AWS Lambda handler written four ways, each a
// main package of its own, for the binary-size and cold-start measurements
// of the bench package: it reads the "password" key of a JSON Secrets
// Manager secret (its ARN in DB_SECRET_ARN) and a Parameter Store
// SecureString (its path in API_KEY_PARAM), and answers with their
// lengths, never their values.
//
//   - secretref: the package-level secrets.GetString, the first
//     invocation fetches.
//   - prefetch: a secretref Client made in main with Options.Prefetch, the
//     init phase fetches.
//   - sdk: the SDK's Secrets Manager and SSM clients called directly, as
//     AWS's examples do: clients made in main, both values fetched at every
//     invocation.
//   - cachingclient: the AWS Secrets Manager caching client for the
//     secret; it reads Secrets Manager only, so the SecureString is read
//     with the SDK's SSM client at every invocation.
package lambda
