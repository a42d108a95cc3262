// Package mysqlauth connects to MySQL with the MySQL driver
// (github.com/go-sql-driver/mysql) using credentials that a [dbauth.Auth]
// reads through a secrets Client, or IAM authentication tokens, and
// recognises MySQL's rejection of credentials for package dbauth, whose
// default recognises PostgreSQL's. It lives apart so that only a program
// that imports it compiles the MySQL driver.
//
//	auth, err := dbauth.New(client, dbauth.Source{Secret: ref}, func(o *dbauth.Options) {
//		o.IsAuthFailure = mysqlauth.IsAuthFailure
//	})
//	base, err := mysql.ParseDSN("tcp(orders.cluster.internal:3306)/orders?tls=rds")
//	connector, err := mysqlauth.Connector(auth, base)
//	db := sql.OpenDB(connector)
package mysqlauth

import (
	"errors"

	"github.com/go-sql-driver/mysql"
)

// erAccessDenied is MySQL's ER_ACCESS_DENIED_ERROR: "Access denied for
// user ... (using password: YES)".
const erAccessDenied = 1045

// IsAuthFailure reports whether err, from the MySQL driver's connection
// attempt, says the server rejected the credentials (error 1045).
func IsAuthFailure(err error) bool {
	var myErr *mysql.MySQLError
	return errors.As(err, &myErr) && myErr.Number == erAccessDenied
}
