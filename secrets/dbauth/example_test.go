package dbauth_test

import (
	"context"
	"fmt"
	"log"

	"github.com/secretref/secretref/providers"
	"github.com/secretref/secretref/providers/memory"
	"github.com/secretref/secretref/secrets"
	"github.com/secretref/secretref/secrets/dbauth"
)

// rejected is how a PostgreSQL driver reports a wrong password.
type rejected struct{}

func (rejected) Error() string    { return "password authentication failed (SQLSTATE 28P01)" }
func (rejected) SQLState() string { return "28P01" }

// Between a rotation's setSecret and finishSecret steps the database
// accepts only the password of the pending version: Connect finds it.
func ExampleConnect() {
	store := memory.New() // stands in for Secrets Manager
	store.Put("prod/orders/db", `{"host":"db.internal","username":"orders","password":"example-pw-1"}`)
	store.PutPending("prod/orders/db", `{"host":"db.internal","username":"orders","password":"example-pw-2"}`)

	ctx := context.Background()
	client, err := secrets.New(ctx, func(o *secrets.Options) {
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

	// A driver's connect function, for a database whose password setSecret
	// has changed.
	dial := func(ctx context.Context, c dbauth.Credentials) (string, error) {
		if c.Password != "example-pw-2" {
			return "", rejected{}
		}
		return "connected to " + c.Host + " as " + c.Username, nil
	}
	conn, err := dbauth.Connect(ctx, auth, dial)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(conn)
	creds, _ := auth.Credentials(ctx) // what the next connection uses
	fmt.Println(creds)
	// Output:
	// connected to db.internal as orders
	// orders@db.internal/ (password [REDACTED], version 2)
}
