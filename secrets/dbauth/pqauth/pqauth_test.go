package pqauth_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/lib/pq"

	"github.com/secretref/secretref/internal/testing/pgtest"
	"github.com/secretref/secretref/providers"
	"github.com/secretref/secretref/providers/memory"
	"github.com/secretref/secretref/secrets"
	"github.com/secretref/secretref/secrets/dbauth"
	"github.com/secretref/secretref/secrets/dbauth/pqauth"
)

const secretName = "prod/orders/db"

// Through lib/pq, a query after each step of three single-user rotations
// succeeds, each on a new connection; and credentials rejected in every
// version give a classified error without a password. Secrets: memory
// store (AWSPENDING).
func TestRotationWithPQ(t *testing.T) {
	ctx := context.Background()
	pg := pgtest.Start(t)
	admin := pg.Admin(t)
	var passwords []string
	newPassword := func() string {
		pw := pgtest.RandomPassword()
		passwords = append(passwords, pw)
		return pw
	}
	secretJSON := func(password string) string {
		b, err := json.Marshal(map[string]any{"host": pg.Host, "port": pg.Port, "username": "orders", "password": password, "dbname": pgtest.Database})
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	noPasswords := func(what, text string) {
		t.Helper()
		for i, p := range passwords {
			if strings.Contains(text, p) {
				t.Errorf("%s holds password #%d (%d bytes)", what, i+1, len(p))
			}
		}
	}
	pw := newPassword()
	pg.CreateRole(t, admin, "orders", pw)
	store := memory.New()
	store.Put(secretName, secretJSON(pw))
	client, err := secrets.New(ctx, func(o *secrets.Options) {
		o.Providers = map[string]providers.Provider{secrets.SchemeSecretsManager: store, secrets.SchemeParameterStore: store}
		o.TTL = time.Hour
	})
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	auth, err := dbauth.New(client, dbauth.Source{Secret: "sm:" + secretName})
	if err != nil {
		t.Fatal(err)
	}
	defer auth.Close()
	base, err := pq.NewConfig("sslmode=disable")
	if err != nil {
		t.Fatal(err)
	}
	connector, err := pqauth.Connector(auth, base)
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(connector)
	defer db.Close()
	db.SetMaxIdleConns(0) // every query on a new connection

	query := func(step string) {
		t.Helper()
		var user string
		if err := db.QueryRowContext(ctx, "SELECT current_user").Scan(&user); err != nil {
			noPasswords("the error", err.Error())
			t.Fatalf("after %s: %v", step, err)
		}
	}
	query("start")
	for range 3 {
		pw := newPassword()
		version := store.PutPending(secretName, secretJSON(pw))
		query("createSecret")
		pg.SetPassword(t, admin, "orders", pw)
		query("setSecret")
		if err := pg.Login(ctx, "orders", pw); err != nil {
			t.Fatalf("testSecret: %v", err)
		}
		if err := store.SetStage(secretName, memory.StageCurrent, version); err != nil {
			t.Fatal(err)
		}
		query("finishSecret")
	}

	store.Put(secretName, secretJSON(newPassword()))
	store.PutPending(secretName, secretJSON(newPassword()))
	if _, err := client.Refresh(ctx, "sm:"+secretName); err != nil {
		t.Fatal(err)
	}
	pg.SetPassword(t, admin, "orders", newPassword())
	deadline, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	err = db.PingContext(deadline)
	var pqErr *pq.Error
	if !errors.Is(err, secrets.ErrAccessDenied) || !errors.As(err, &pqErr) || pqErr.Code != "28P01" {
		t.Fatalf("wrong password in every version: %v, want ErrAccessDenied wrapping pq's 28P01", err)
	}
	noPasswords("the error", err.Error())
}
