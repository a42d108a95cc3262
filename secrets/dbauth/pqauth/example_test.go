package pqauth_test

import (
	"context"
	"database/sql"
	"fmt"
	"log"

	"github.com/lib/pq"

	"github.com/secretref/secretref/providers"
	"github.com/secretref/secretref/providers/memory"
	"github.com/secretref/secretref/secrets"
	"github.com/secretref/secretref/secrets/dbauth"
	"github.com/secretref/secretref/secrets/dbauth/pqauth"
)

// A database/sql pool on lib/pq whose connections read their credentials
// from the secret; base holds the other settings.
func ExampleConnector() {
	store := memory.New() // stands in for Secrets Manager
	store.Put("prod/orders/db", `{"host":"orders.cluster.internal","port":5432,"username":"orders","password":"example-pw","dbname":"orders"}`)
	client, err := secrets.New(context.Background(), func(o *secrets.Options) {
		o.Providers = map[string]providers.Provider{"sm": store, "ssm": store}
	})
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	auth, err := dbauth.New(client, dbauth.Source{Secret: "sm:prod/orders/db"})
	if err != nil {
		log.Fatal(err)
	}
	defer auth.Close()

	base, err := pq.NewConfig("sslmode=verify-full")
	if err != nil {
		log.Fatal(err)
	}
	connector, err := pqauth.Connector(auth, base)
	if err != nil {
		log.Fatal(err)
	}
	db := sql.OpenDB(connector)
	defer db.Close()
	fmt.Printf("%T\n", db.Driver())
	// Output: pq.Driver
}
