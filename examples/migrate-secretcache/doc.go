// Package migratesecretcache holds two versions of one piece of code that
// reads a service's database credentials from AWS Secrets Manager: before,
// with the AWS Secrets Manager caching client for Go (secretcache), and
// after, with secretref. Its test runs both against the kumo emulator.
package migratesecretcache
