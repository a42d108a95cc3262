// Package bench measures secretref against the libraries a Go service would
// otherwise use to read AWS Secrets Manager — the AWS Secrets Manager
// caching client (github.com/aws/aws-secretsmanager-caching-go/v2) and
// gocloud.dev's runtimevar — on one stand-in Secrets Manager and on the kumo
// emulator, and simulates a fleet of instances refreshing their secrets
// through the cache.
//
// It holds only tests and benchmarks. BENCHMARKS.md at the repository root
// gives the command that runs them and the results.
package bench
