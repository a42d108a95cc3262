// Package dbauth keeps a service's database connections working through a
// rotation of their credentials. It reads the credentials through a
// [secrets.Client] each time a connection is opened (a cache hit in the
// common case), and when the database rejects them it finds the rotated
// ones within the caller's deadline; connections opened with credentials
// that were replaced are closed as they go idle.
//
// The package knows no database driver. Its [Connector] is a
// database/sql driver.Connector built from a function that turns
// [Credentials] into a driver's connector; ready ones live in packages of
// their own so that a program compiles only the driver it imports:
// [github.com/secretref/secretref/secrets/dbauth/pgxauth] (pgx, for
// database/sql and for pgxpool) and
// [github.com/secretref/secretref/secrets/dbauth/pqauth] (lib/pq).
// [github.com/secretref/secretref/secrets/dbauth/mysqlauth] recognises
// MySQL's authentication failures.
//
//	auth, err := dbauth.New(client, dbauth.Source{Secret: "sm:prod/orders/db"})
//	connector, err := pgxauth.Connector(auth, "sslmode=verify-full")
//	db := sql.OpenDB(connector)
//
// # Where the credentials are
//
// [Source.Secret] names a JSON secret in the form AWS's rotation functions
// and RDS keep: engine, host, port, username, password, dbname (other
// fields are ignored). Fields may also come from references of their own,
// such as the host from Parameter Store and the password from Secrets
// Manager; a field a reference gives replaces the secret's. The reference
// that holds the password is the one that rotates.
//
// # When the database rejects the credentials
//
// A connection attempt whose credentials the database rejects (recognised
// by [Options.IsAuthFailure]: SQLSTATE 28P01 or 28000 by default):
//
//  1. joins one forced [secrets.Client.Refresh] of the reference that
//     rotates, shared by every attempt failing at the same moment, and
//     reads the secret's AWSPENDING version, which a rotation function
//     puts at its createSecret step and promotes at finishSecret;
//  2. tries the refreshed current credentials, then the pending ones;
//  3. while both are rejected, tries again after short jittered waits
//     (100 ms doubling to 1 s), for at most [Options.RotationWindow]
//     (default one minute), and returns as soon as its context is done.
//
// It never sleeps for a fixed time. Once pending credentials are accepted,
// new connections use them first until the secret's current version
// changes. The error of an attempt that gives up wraps
// [secrets.ErrAccessDenied] and the driver's error, names the reference,
// and never holds a password; a database that cannot be reached gives
// [secrets.ErrUnavailable].
//
// # Both rotation strategies
//
// Single user: the rotation function changes the password of the one
// user (setSecret) before it promotes the new version (finishSecret). Open
// sessions survive ALTER ROLE; new connections need the new password,
// which between the two steps only AWSPENDING holds: the attempts that the
// database rejects then find it there.
//
// Alternating users: each rotation re-passwords the user that is not in
// use and makes it current, so the previous user's credentials keep
// working until the next rotation changes its password. Nothing fails at
// the rotation itself; what matters is that the previous user's
// connections are gone before the next one. When the Client sees the new
// version (New watches the reference, which makes the Client read it again
// each TTL), connections opened with other credentials are retired: each
// is closed when it is returned to the pool, without breaking a query in
// flight, and those already idle are closed at once.
package dbauth
