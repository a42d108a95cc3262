package pqauth_test

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/lib/pq"

	"github.com/secretref/secretref/internal/testing/pgtest"
	"github.com/secretref/secretref/secrets"
	"github.com/secretref/secretref/secrets/dbauth"
	"github.com/secretref/secretref/secrets/dbauth/pqauth"
)

var fakeCreds = credentials.NewStaticCredentialsProvider("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "")

// Through lib/pq, a connection logs in with an IAM token over TLS: the
// base without an sslmode gets verify-full, checked against the test's CA.
// PostgreSQL cannot check a token: the Build function makes each token
// the role's password until it expires, as the database's part. A base
// that allows a connection without TLS is refused, saying why.
func TestIAMWithPQ(t *testing.T) {
	ctx := context.Background()
	pg := pgtest.Start(t)
	admin := pg.Admin(t)
	pg.CreateRole(t, admin, "orders_iam", pgtest.RandomPassword())
	pg.GrantIAM(t, admin, "orders_iam")
	var mu sync.Mutex
	auth, err := dbauth.New(nil, dbauth.Source{IAM: &dbauth.IAM{
		Region: "eu-west-1", Host: pg.Host, Port: int(pg.Port), User: "orders_iam", DBName: pgtest.Database,
		Credentials: fakeCreds, Lifetime: time.Minute,
		Build: func(ctx context.Context, req dbauth.TokenRequest) (string, error) {
			tok, err := dbauth.RDSToken(ctx, req)
			if err != nil {
				return "", err
			}
			mu.Lock()
			defer mu.Unlock()
			return tok, pgtest.SetPasswordUntil(ctx, admin, req.User, tok, time.Now().Add(req.Lifetime))
		},
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer auth.Close()

	if _, err := pqauth.Connector(auth, mustConfig(t, "sslmode=prefer")); !errors.Is(err, secrets.ErrInvalidArgument) || !strings.Contains(err.Error(), "only over TLS") {
		t.Errorf("sslmode=prefer: %v, want ErrInvalidArgument saying that TLS is needed", err)
	}
	connector, err := pqauth.Connector(auth, mustConfig(t, "sslrootcert="+pg.CAFile))
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(connector)
	defer db.Close()
	var ssl bool
	if err := db.QueryRowContext(ctx, "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").Scan(&ssl); err != nil {
		t.Fatal(err)
	}
	if !ssl {
		t.Error("the session does not use TLS")
	}
}

func mustConfig(t *testing.T, dsn string) pq.Config {
	t.Helper()
	cfg, err := pq.NewConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}
