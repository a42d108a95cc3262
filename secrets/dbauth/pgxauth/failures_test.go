package pgxauth_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/secretref/secretref/internal/testing/kumotest"
	"github.com/secretref/secretref/internal/testing/pgtest"
	"github.com/secretref/secretref/secrets"
	"github.com/secretref/secretref/secrets/dbauth"
	"github.com/secretref/secretref/secrets/dbauth/pgxauth"
)

// A password the database rejects in the current and the pending version
// gives, within the caller's deadline, an error wrapping ErrAccessDenied
// and PostgreSQL's, without any password in its text. Secrets: memory
// store (AWSPENDING).
func TestWrongPasswordInEveryVersion(t *testing.T) {
	r := newRig(t, "orders", time.Hour)
	r.store.Put(r.name, r.secretJSON(t, "orders", r.newPassword()))
	r.store.PutPending(r.name, r.secretJSON(t, "orders", r.newPassword()))
	if err := r.client.Invalidate(r.ref()); err != nil { // the Auth's watch has read the first version
		t.Fatal(err)
	}
	db := r.openDB(t)

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	start := time.Now()
	err := db.PingContext(ctx)
	if elapsed := time.Since(start); elapsed > time.Minute {
		t.Errorf("Ping returned after %v, with a 3s deadline", elapsed)
	}
	var pgErr *pgconn.PgError
	switch {
	case !errors.Is(err, secrets.ErrAccessDenied):
		t.Fatalf("error %v, want one wrapping ErrAccessDenied", err)
	case !errors.Is(err, context.DeadlineExceeded):
		t.Errorf("error %v does not wrap the deadline", err)
	case !errors.As(err, &pgErr) || pgErr.Code != "28P01":
		t.Errorf("error %v does not wrap PostgreSQL's 28P01", err)
	}
	r.noPasswords(t, "the error", err.Error())
	t.Logf("the error: %v", err)
}

// A database that stops gives ErrUnavailable, and the same pool queries
// again once it is back. Secrets: kumo (no rotation here).
func TestDatabaseDownThenBack(t *testing.T) {
	ctx := context.Background()
	pg := pgtest.Start(t)
	admin := pg.Admin(t)
	password := pgtest.RandomPassword()
	pg.CreateRole(t, admin, "orders", password)

	kumo := kumotest.Start(t)
	secret, err := json.Marshal(map[string]any{"engine": "postgres", "host": pg.Host, "port": pg.Port, "username": "orders", "password": password, "dbname": pgtest.Database})
	if err != nil {
		t.Fatal(err)
	}
	created, err := kumo.SecretsManager(t).CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String(secretName), SecretString: aws.String(string(secret))})
	if err != nil {
		t.Fatal(err)
	}
	cfg := kumo.Config(t)
	client, err := secrets.New(ctx, func(o *secrets.Options) { o.AWSConfig = &cfg })
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	auth, err := dbauth.New(client, dbauth.Source{Secret: aws.ToString(created.ARN)})
	if err != nil {
		t.Fatal(err)
	}
	defer auth.Close()
	connector, err := pgxauth.Connector(auth, "sslmode=disable connect_timeout=5")
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(connector)
	defer db.Close()

	query := func() error {
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		var one int
		err := db.QueryRowContext(ctx, "SELECT 1").Scan(&one)
		if err != nil && containsPassword(err, password) {
			t.Fatalf("an error holds the password (%d bytes)", len(password))
		}
		return err
	}
	if err := query(); err != nil {
		t.Fatal(err)
	}
	pg.Stop(t)
	// The pool's open connections fail first, with the driver's errors;
	// then the connector's attempts to connect anew.
	var down error
	for i := 0; ; i++ {
		if down = query(); errors.Is(down, secrets.ErrUnavailable) {
			break
		}
		if i == 100 {
			t.Fatalf("the database is down, and queries fail with %v, not ErrUnavailable", down)
		}
	}
	t.Logf("database down: %v", down)
	pg.Resume(t)
	if err := query(); err != nil {
		t.Fatalf("the database is back, and the query fails: %v", err)
	}
}

func containsPassword(err error, password string) bool {
	for e := err; e != nil; e = errors.Unwrap(e) {
		if len(password) > 0 && len(e.Error()) >= len(password) && contains(e.Error(), password) {
			return true
		}
	}
	return contains(err.Error(), password)
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}
