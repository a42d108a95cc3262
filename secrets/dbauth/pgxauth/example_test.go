package pgxauth_test

import (
	"context"
	"database/sql"
	"fmt"
	"log"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/secretref/secretref/providers"
	"github.com/secretref/secretref/providers/memory"
	"github.com/secretref/secretref/secrets"
	"github.com/secretref/secretref/secrets/dbauth"
	"github.com/secretref/secretref/secrets/dbauth/pgxauth"
)

// exampleAuth returns an Auth of a secret kept in a memory store, which
// stands in for Secrets Manager.
func exampleAuth() (*dbauth.Auth, func()) {
	store := memory.New()
	store.Put("prod/orders/db", `{"engine":"postgres","host":"orders.cluster.internal","port":5432,"username":"orders","password":"example-pw","dbname":"orders"}`)
	client, err := secrets.New(context.Background(), func(o *secrets.Options) {
		o.Providers = map[string]providers.Provider{"sm": store, "ssm": store}
	})
	if err != nil {
		log.Fatal(err)
	}
	auth, err := dbauth.New(client, dbauth.Source{Secret: "sm:prod/orders/db"})
	if err != nil {
		log.Fatal(err)
	}
	return auth, func() { _ = auth.Close(); _ = client.Close() }
}

// A database/sql pool whose connections read their credentials from the
// secret; the connection string holds the other settings.
func ExampleConnector() {
	auth, done := exampleAuth()
	defer done()

	connector, err := pgxauth.Connector(auth, "sslmode=verify-full application_name=orders")
	if err != nil {
		log.Fatal(err)
	}
	db := sql.OpenDB(connector)
	defer db.Close()
	creds, err := auth.Credentials(context.Background()) // what db's next connection uses
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%T\n%v\n", db.Driver(), creds)
	// Output:
	// *stdlib.Driver
	// orders@orders.cluster.internal:5432/orders (password [REDACTED], version 1)
}

// A native pgx pool: ConfigurePool installs the hooks before the pool is
// made.
func ExampleConfigurePool() {
	auth, done := exampleAuth()
	defer done()

	cfg, err := pgxpool.ParseConfig("sslmode=verify-full pool_max_conns=10")
	if err != nil {
		log.Fatal(err)
	}
	if err := pgxauth.ConfigurePool(cfg, auth); err != nil {
		log.Fatal(err)
	}
	fmt.Println(cfg.BeforeConnect != nil, cfg.AfterRelease != nil)
	// Output: true true
}
