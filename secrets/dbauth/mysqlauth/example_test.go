package mysqlauth_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log"

	"github.com/go-sql-driver/mysql"

	"github.com/secretref/secretref/providers"
	"github.com/secretref/secretref/providers/memory"
	"github.com/secretref/secretref/secrets"
	"github.com/secretref/secretref/secrets/dbauth"
	"github.com/secretref/secretref/secrets/dbauth/mysqlauth"
)

// A database/sql pool for MySQL: mysqlauth.Connector makes the driver's
// connector from each set of credentials, and mysqlauth.IsAuthFailure
// tells dbauth which failures are rejected credentials.
func Example() {
	store := memory.New() // stands in for Secrets Manager
	store.Put("prod/orders/db", `{"engine":"mysql","host":"db.internal","port":3306,"username":"orders","password":"example-pw","dbname":"orders"}`)
	client, err := secrets.New(context.Background(), func(o *secrets.Options) {
		o.Providers = map[string]providers.Provider{"sm": store, "ssm": store}
	})
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	auth, err := dbauth.New(client, dbauth.Source{Secret: "sm:prod/orders/db"}, func(o *dbauth.Options) {
		o.IsAuthFailure = mysqlauth.IsAuthFailure
	})
	if err != nil {
		log.Fatal(err)
	}
	defer auth.Close()

	base, err := mysql.ParseDSN("tcp(db.internal:3306)/?tls=true") // the settings but the credentials
	if err != nil {
		log.Fatal(err)
	}
	connector, err := mysqlauth.Connector(auth, base)
	if err != nil {
		log.Fatal(err)
	}
	db := sql.OpenDB(connector)
	defer db.Close()
	creds, err := auth.Credentials(context.Background()) // what db's next connection uses
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(creds)
	// Output: orders@db.internal:3306/orders (password [REDACTED], version 1)
}

func ExampleIsAuthFailure() {
	rejected := fmt.Errorf("connecting: %w", &mysql.MySQLError{Number: 1045, Message: "Access denied for user 'orders'"})
	unknownDB := &mysql.MySQLError{Number: 1049, Message: "Unknown database 'orders'"}
	fmt.Println(mysqlauth.IsAuthFailure(rejected), mysqlauth.IsAuthFailure(unknownDB), mysqlauth.IsAuthFailure(errors.New("EOF")))
	// Output: true false false
}
