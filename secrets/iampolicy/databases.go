package iampolicy

import (
	"strings"

	"github.com/secretref/secretref/secrets/dbauth"
)

// The actions a database connection with an IAM token needs.
const (
	actRDSConnect       = "rds-db:connect"
	actDSQLConnect      = "dsql:DbConnect"
	actDSQLConnectAdmin = "dsql:DbConnectAdmin"
)

// databaseRefs returns the references the Sources of dbs read, in order.
func databaseRefs(dbs []dbauth.Source) []string {
	var refs []string
	for _, src := range dbs {
		for _, ref := range []string{src.Secret, src.Host, src.Port, src.Username, src.Password, src.DBName} {
			if ref != "" {
				refs = append(refs, ref)
			}
		}
	}
	return refs
}

// database adds what src's IAM tokens need: rds-db:connect on
// arn:PARTITION:rds-db:REGION:ACCOUNT:dbuser:RESOURCE_ID/USER, or for
// Aurora DSQL dsql:DbConnect (dsql:DbConnectAdmin for the admin role) on
// the cluster's ARN.
func (d *deriver) database(src dbauth.Source) error {
	iam := src.IAM
	if iam == nil {
		return nil // a password: its references need reading only
	}
	name := iam.User + "@" + iam.Host
	switch {
	case src.Username != "":
		return invalidArg("database %s: its user comes from the reference %q, which a policy cannot name: give it in IAM.User alone", name, src.Username)
	case iam.User == "":
		return invalidArg("database at %s: no IAM.User, which the policy names", iam.Host)
	case iam.ResourceID == "" && iam.DSQL:
		return invalidArg("database %s: no IAM.ResourceID: the Aurora DSQL cluster's id (the first label of its endpoint)", name)
	case iam.ResourceID == "":
		return invalidArg("database %s: no IAM.ResourceID: rds-db:connect names the database's resource id, not its name: "+
			"the DB instance's DbiResourceId (db-...) or the Aurora cluster's DbClusterResourceId (cluster-...), "+
			"shown in the RDS console under Configuration and by aws rds describe-db-instances or describe-db-clusters", name)
	case strings.ContainsAny(iam.ResourceID, "/*?:") || strings.ContainsAny(iam.User, "*?"):
		return invalidArg("database %s: resource id %q or user names more than one database user", name, iam.ResourceID)
	}
	p, err := d.databasePlace(iam)
	if err != nil {
		return err
	}
	switch {
	case !iam.DSQL:
		d.connects[actRDSConnect] = append(d.connects[actRDSConnect], p.arn("rds-db", "dbuser:"+iam.ResourceID+"/"+iam.User))
	case iam.User == dbauth.DSQLAdmin:
		d.connects[actDSQLConnectAdmin] = append(d.connects[actDSQLConnectAdmin], p.arn("dsql", "cluster/"+iam.ResourceID))
	default:
		d.connects[actDSQLConnect] = append(d.connects[actDSQLConnect], p.arn("dsql", "cluster/"+iam.ResourceID))
	}
	return nil
}

// databasePlace returns where the database of iam is: its region, and the
// account and partition of the Input.
func (d *deriver) databasePlace(iam *dbauth.IAM) (place, error) {
	p := d.home
	if iam.Region != "" && iam.Region != p.region {
		if !regionPattern.MatchString(iam.Region) {
			return place{}, invalidArg("database %s@%s: IAM.Region %q is not a region name such as eu-west-1", iam.User, iam.Host, iam.Region)
		}
		p.region, p.partition = iam.Region, partitionOf(iam.Region)
	}
	switch {
	case p.region == "":
		return place{}, invalidArg("database %s@%s: no IAM.Region nor Input.Region", iam.User, iam.Host)
	case p.account == "":
		return place{}, invalidArg("database %s@%s: set Input.Account, the database's account", iam.User, iam.Host)
	}
	return p, nil
}

// databaseStatements returns the statements for the connections, one per
// action.
func (d *deriver) databaseStatements() []Statement {
	var out []Statement
	for _, a := range []struct{ sid, action string }{
		{"ConnectWithIAMTokens", actRDSConnect},
		{"ConnectToDSQL", actDSQLConnect},
		{"ConnectToDSQLAsAdmin", actDSQLConnectAdmin},
	} {
		if len(d.connects[a.action]) > 0 {
			out = append(out, allow(a.sid, List{a.action}, d.connects[a.action]))
		}
	}
	return out
}
