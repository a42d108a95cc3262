// Package dbauth keeps a service's database connections working through a
// rotation of their credentials, or with no stored password at all (IAM
// authentication tokens). It reads the credentials through a
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
// [github.com/secretref/secretref/secrets/dbauth/pqauth] (lib/pq) and
// [github.com/secretref/secretref/secrets/dbauth/mysqlauth] (MySQL, whose
// authentication failures it also recognises).
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
// that holds the password is the one that rotates. A secret that holds the
// password alone is named in [Source.Password].
//
// # RDS-managed secrets
//
// When RDS manages a DB instance's or an Aurora cluster's master user
// password, it keeps it in Secrets Manager in a secret it names
// rds!db-UUID or rds!cluster-UUID, holding {"username","password"} only,
// and rotates it every 7 days by default, as a single-user rotation. Name
// it in [Source.Secret] ("sm:rds!db-...", or its ARN), and give the host,
// port and database in the driver's connection string or with [Source]'s
// Host, Port and DBName references. At each step of RDS's rotation:
//
//   - createSecret puts a new version labelled AWSPENDING: nothing changes;
//   - setSecret changes the master password: open sessions go on; a new
//     connection with the cached password is rejected, and the attempts
//     rejected at that moment share one forced refresh and one read of
//     AWSPENDING, and connect with the pending password, which new
//     connections then use first;
//   - testSecret logs in with it: nothing changes;
//   - finishSecret makes it AWSCURRENT (AWSPENDING may stay on it): within
//     a TTL the Client reads it, and connections go on with the same
//     password, now the current one.
//
// # IAM authentication tokens
//
// With [Source.IAM], a connection logs in with an IAM authentication token
// instead of a stored password: RDS and Aurora (PostgreSQL, MySQL) for a
// database user granted rds_iam (PostgreSQL) or created with
// AWSAuthenticationPlugin (MySQL), and Aurora DSQL. A token is signed
// locally, by BuildAuthToken of github.com/aws/aws-sdk-go-v2/feature/rds/auth,
// with the role's credentials, and accepted at connect for 15 minutes; the
// database checks it then only. See [IAM] for when tokens are renewed.
// A rejected token is followed by the current one, or by one new token
// signed with credentials fetched again; if that is rejected too, the
// attempt fails at once with [secrets.ErrAccessDenied] (the user may lack
// rds_iam, or the role rds-db:connect). The driver packages require TLS,
// which the database requires of a token. Package
// [github.com/secretref/secretref/secrets/iampolicy] derives the
// rds-db:connect statement the role needs from the same Source.
//
// # When the database rejects the credentials
//
// A connection attempt whose credentials the database rejects (recognised
// by [Options.IsAuthFailure]: SQLSTATE 28P01 or 28000 by default):
//
//  1. joins one forced [secrets.Client.Refresh] of the reference that
//     rotates, shared by every attempt failing at the same moment, and
//     reads the secret's pending version (AWSPENDING for Secrets Manager:
//     the label its provider names, see [providers.Staged]), which a
//     rotation function puts at its createSecret step and promotes at
//     finishSecret;
//  2. tries the refreshed current credentials, then the pending ones;
//  3. while both are rejected and a rotation can be under way (the secret
//     has a pending version other than the current one, or its current
//     version changed within the rotation window), tries again after
//     short jittered waits (100 ms doubling to 1 s), for at most
//     [Options.RotationWindow] (default one minute), and returns as soon
//     as its context is done. Otherwise it fails at once: a password that
//     no version holds is not worth waiting for.
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
// flight; the sessions of those already idle are closed at once, and
// opened again with the new credentials when database/sql next uses the
// connection (one on which a statement was prepared keeps its session
// until it is returned). No query fails for a retirement: database/sql
// may hand a connection returned a moment ago straight to a query on its
// last try, so a connection it takes from the pool is never refused.
package dbauth
