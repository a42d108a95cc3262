package dbauth

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	rdsauth "github.com/aws/aws-sdk-go-v2/feature/rds/auth"

	"github.com/secretref/secretref/secrets"
)

// TokenLifetime is how long RDS and Aurora accept an IAM authentication
// token at connect: BuildAuthToken signs it for 900 seconds. It is the
// default of IAM.Lifetime.
const TokenLifetime = 15 * time.Minute

// DSQLAdmin is the database role of Aurora DSQL for which a token must be
// an admin token (dsql:DbConnectAdmin); other roles need dsql:DbConnect.
const DSQLAdmin = "admin"

// IAM makes connections log in with IAM authentication tokens instead of a
// stored password: RDS and Aurora (PostgreSQL, MySQL) with an IAM-enabled
// database user, or Aurora DSQL. A token is signed locally with the role's
// credentials, is accepted at connect for 15 minutes, and is checked only
// then: a connection opened with it goes on after it expires.
//
// An Auth builds a token when a connection needs one and the last is near
// its end: a third of its lifetime before it expires, and never past the
// signing credentials' own expiry. Many connections share one token, and
// building one makes no network call (the credentials come through an
// aws.CredentialsCache), except when the cached credentials are about to
// expire. A token change neither retires connections nor splits a pool.
// The database accepts a token only over TLS: the driver packages make TLS
// the default and refuse a configuration without it.
type IAM struct {
	// Region is the database's region, which the token is signed for.
	Region string
	// Host and Port are the endpoint connections dial: a DB instance's,
	// a cluster's or a proxy's (the token is signed for it). Source's Host
	// and Port references, when set, replace them.
	Host string
	Port int
	// User is the database user (created with the rds_iam role on
	// PostgreSQL, or with AWSAuthenticationPlugin on MySQL); a Source
	// Username reference replaces it. DBName is the database to connect
	// to, if not the driver's default; a Source DBName reference replaces
	// it.
	User   string
	DBName string
	// Credentials sign the tokens: the task's or function's role, such as
	// aws.Config.Credentials. A provider that is not an
	// *aws.CredentialsCache is wrapped in one.
	Credentials aws.CredentialsProvider

	// ResourceID is the database's resource id, which an rds-db:connect
	// policy names (not its name): the DbiResourceId of a DB instance
	// ("db-ABCDEFGHIJKLMNOPQRSTUVWXY0", in the console under Configuration)
	// or the DbClusterResourceId of an Aurora cluster ("cluster-..."); for
	// Aurora DSQL, the cluster id. Only package iampolicy reads it.
	ResourceID string
	// DSQL says the database is an Aurora DSQL cluster. Its tokens need
	// Build: give it the Aurora DSQL token function of the AWS SDK
	// (github.com/aws/aws-sdk-go-v2/feature/dsql/auth), the admin one for
	// User DSQLAdmin; this module does not depend on it.
	DSQL bool
	// Lifetime is how long the database accepts a token at connect.
	// Default TokenLifetime; RDS's tokens are valid no longer. A test that
	// plays the database's part sets it short.
	Lifetime time.Duration
	// Build makes a token. Default RDSToken, for RDS and Aurora.
	Build func(ctx context.Context, req TokenRequest) (string, error)
}

// TokenRequest is what an IAM token is built for.
type TokenRequest struct {
	Host   string
	Port   int
	Region string
	User   string
	// Credentials gives the credentials that sign the token, retrieved
	// already: it makes no call.
	Credentials aws.CredentialsProvider
	// Lifetime is IAM.Lifetime.
	Lifetime time.Duration
}

// RDSToken builds an RDS or Aurora IAM authentication token with
// feature/rds/auth's BuildAuthToken, for req's endpoint, region and user.
// It is the default of IAM.Build.
func RDSToken(ctx context.Context, req TokenRequest) (string, error) {
	return rdsauth.BuildAuthToken(ctx, net.JoinHostPort(req.Host, strconv.Itoa(req.Port)), req.Region, req.User, req.Credentials)
}

// check returns what is wrong with iam in src, or nil; it fills in the
// defaults.
func (iam *IAM) check(src Source) error {
	invalid := func(format string, args ...any) error {
		return fmt.Errorf("dbauth: %w: IAM authentication: "+format, append([]any{secrets.ErrInvalidArgument}, args...)...)
	}
	switch {
	case src.Secret != "" || src.Password != "":
		return invalid("a token replaces the password: the Source takes no Secret or Password reference")
	case iam.Region == "":
		return invalid("no Region (the database's)")
	case iam.Credentials == nil:
		return invalid("no Credentials to sign tokens with (aws.Config.Credentials)")
	case iam.Lifetime < 0:
		return invalid("negative Lifetime")
	case iam.DSQL && iam.Build == nil:
		return invalid("Aurora DSQL tokens need Build: the AWS SDK's DSQL token function")
	case iam.Build == nil && iam.Lifetime > TokenLifetime:
		return invalid("Lifetime %v: RDS accepts a token for %v at most", iam.Lifetime, TokenLifetime)
	case iam.Port < 0 || iam.Port > 65535:
		return invalid("Port %d is not from 1 to 65535", iam.Port)
	}
	if iam.Lifetime == 0 {
		iam.Lifetime = TokenLifetime
	}
	if iam.Build == nil {
		iam.Build = RDSToken
	}
	return nil
}

// name is what errors and logs call the credentials of iam: it has no
// reference.
func (iam *IAM) name() string {
	service := "rds-db"
	if iam.DSQL {
		service = "dsql"
	}
	return "iam:" + service + ":" + iam.User + "@" + net.JoinHostPort(iam.Host, strconv.Itoa(iam.Port))
}

// iamCredentials returns the credentials iam and the values of refs give,
// without the token.
func iamCredentials(iam *IAM, refs *[numFields]string, vals *values) (Credentials, error) {
	c := Credentials{Host: iam.Host, Port: iam.Port, Username: iam.User, DBName: iam.DBName}
	if err := overlay(&c, refs, vals); err != nil { // no Password reference: check refused it
		return Credentials{}, err
	}
	if c.Host == "" || c.Port == 0 || c.Username == "" {
		return Credentials{}, fmt.Errorf("dbauth: %w: IAM authentication: a token is signed for a host, a port and a user; "+
			"give them in IAM or in the Source's references (host %q, port %d, user %q)", secrets.ErrInvalidArgument, c.Host, c.Port, c.Username)
	}
	return c, nil
}

// initIAM makes a an Auth of IAM tokens for src.
func (a *Auth) initIAM(src Source) error {
	iam := *src.IAM
	if err := iam.check(src); err != nil {
		return err
	}
	if len(a.used) > 0 && a.client == nil {
		return fmt.Errorf("dbauth: %w: nil Client, and the Source has references", secrets.ErrInvalidArgument)
	}
	a.iam = newTokens(iam)
	a.ref = iam.name()
	return nil
}

// iamRound returns what to try after the database rejected last: the
// current token if it rejected another, else a new one, signed with
// credentials fetched again (the role's may have been replaced). Another
// round is worth it only when the token changed under the attempt: a token
// built for it that is rejected too will not do better.
func (a *Auth) iamRound(ctx context.Context, since uint64, last *cred) (*recovery, error) {
	base, err := a.current(ctx)
	if err != nil {
		return nil, err
	}
	k, built, err := a.iam.attach(ctx, base, last.token)
	if err != nil {
		return nil, err
	}
	return &recovery{seq: since, basis: k, cands: []*cred{k}, rotating: !built}, nil
}
