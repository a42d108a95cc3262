package iampolicy

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/secretref/secretref/secrets"
	"github.com/secretref/secretref/secrets/dbauth"
)

const (
	instanceID = "db-ABCDEFGHIJKLMNOPQRSTUVWXY0"
	clusterID  = "cluster-ABCDEFGHIJKLMNOPQRSTUVWXY0"
	dsqlID     = "abcdefghijklmnopqrstuvwxyz"
)

func iamSource(f func(*dbauth.IAM)) dbauth.Source {
	iam := &dbauth.IAM{Region: "eu-west-1", Host: "orders.cluster-c1a2b3c4d5e6.eu-west-1.rds.amazonaws.com", Port: 5432, User: "orders_iam", ResourceID: clusterID}
	if f != nil {
		f(iam)
	}
	return dbauth.Source{IAM: iam}
}

// A database's Source gives its statements: rds-db:connect on its user at
// its resource id for IAM tokens, dsql:DbConnect or dsql:DbConnectAdmin on
// an Aurora DSQL cluster, and the reads of the references it has, as any
// reference's.
func TestDeriveDatabases(t *testing.T) {
	in := func(dbs ...dbauth.Source) Input {
		return Input{Databases: dbs, Region: "eu-west-1", Account: "123456789012", DisableRotationSchedule: true}
	}
	for _, tc := range []struct {
		name string
		in   Input
		want []string
	}{
		{"an Aurora cluster's user", in(iamSource(nil)),
			[]string{"ConnectWithIAMTokens rds-db:connect arn:aws:rds-db:eu-west-1:123456789012:dbuser:" + clusterID + "/orders_iam"}},
		{"a DB instance's users, the host from Parameter Store",
			in(iamSource(func(i *dbauth.IAM) { i.ResourceID = instanceID }), dbauth.Source{Host: "/prod/db/host", IAM: iamSource(func(i *dbauth.IAM) {
				i.ResourceID, i.User = instanceID, "reports_iam"
			}).IAM}),
			[]string{
				"ReadParameters ssm:GetParameter " + ssm + "/prod/db/host",
				"ConnectWithIAMTokens rds-db:connect arn:aws:rds-db:eu-west-1:123456789012:dbuser:" + instanceID + "/orders_iam " +
					"arn:aws:rds-db:eu-west-1:123456789012:dbuser:" + instanceID + "/reports_iam",
			}},
		{"a database in another region and partition", in(iamSource(func(i *dbauth.IAM) { i.Region = "cn-north-1" })),
			[]string{"ConnectWithIAMTokens rds-db:connect arn:aws-cn:rds-db:cn-north-1:123456789012:dbuser:" + clusterID + "/orders_iam"}},
		{"Aurora DSQL, a custom role and admin",
			in(iamSource(func(i *dbauth.IAM) { i.DSQL, i.ResourceID, i.User = true, dsqlID, "orders" }),
				iamSource(func(i *dbauth.IAM) { i.DSQL, i.ResourceID, i.User = true, dsqlID, dbauth.DSQLAdmin })),
			[]string{
				"ConnectToDSQL dsql:DbConnect arn:aws:dsql:eu-west-1:123456789012:cluster/" + dsqlID,
				"ConnectToDSQLAsAdmin dsql:DbConnectAdmin arn:aws:dsql:eu-west-1:123456789012:cluster/" + dsqlID,
			}},
		{"an RDS-managed secret: the secret only (its pending version is read with the same action)",
			in(dbauth.Source{Secret: "sm:rds!db-3f1c5e2a-8b7d-4c6e-9a0b-1d2e3f4a5b6c"}),
			[]string{"ReadSecrets secretsmanager:GetSecretValue " + sm + "rds!db-3f1c5e2a-8b7d-4c6e-9a0b-1d2e3f4a5b6c-??????"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Derive(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if got := summary(p.Role.Statement); !slices.Equal(got, tc.want) {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

// A database whose policy cannot be derived gets an error that says what
// to give, and where to find a resource id.
func TestDeriveDatabaseErrors(t *testing.T) {
	in := func(src dbauth.Source) Input { return Input{Databases: []dbauth.Source{src}, Account: "123456789012"} }
	for _, tc := range []struct {
		name string
		in   Input
		want string
	}{
		{"no resource id", in(iamSource(func(i *dbauth.IAM) { i.ResourceID = "" })), "DbiResourceId"},
		{"a DSQL cluster without its id", in(iamSource(func(i *dbauth.IAM) { i.ResourceID, i.DSQL = "", true })), "cluster's id"},
		{"the user from a reference", in(dbauth.Source{Username: "/prod/db/user", IAM: iamSource(nil).IAM}), "IAM.User alone"},
		{"no user", in(iamSource(func(i *dbauth.IAM) { i.User = "" })), "no IAM.User"},
		{"a wildcard user", in(iamSource(func(i *dbauth.IAM) { i.User = "*" })), "more than one"},
		{"no account", Input{Databases: []dbauth.Source{iamSource(nil)}}, "Input.Account"},
		{"a bad region", in(iamSource(func(i *dbauth.IAM) { i.Region = "Europe" })), "not a region name"},
	} {
		_, err := Derive(tc.in)
		if !errors.Is(err, secrets.ErrInvalidArgument) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want ErrInvalidArgument saying %q", tc.name, err, tc.want)
		}
	}
}
