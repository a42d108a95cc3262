package pgxauth_test

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/secretref/secretref/internal/testing/pgtest"
	"github.com/secretref/secretref/secrets/dbauth"
	"github.com/secretref/secretref/secrets/dbauth/pgxauth"
)

// PostgreSQL cannot check a SigV4 token, so the IAM tests play the
// database's part: an authority that, each time the Auth builds a token,
// makes it the role's password until the token's lifetime ends (ALTER
// ROLE ... VALID UNTIL). The database then refuses an expired token at
// connect, as RDS does, while open sessions go on; it refuses a token
// that is replaced, even before it expires, which RDS does not: the
// authority is harsher than RDS. The role is in rds_iam, which logs in over
// TLS only. The lifetime is 2 s instead of 15 minutes, so that tokens
// change every 1.3 s or so.
const iamLifetime = 2 * time.Second

const iamUser = "orders_iam"

type authority struct {
	mu     sync.Mutex
	admin  *pgx.Conn // its own: a pgx.Conn serves one call at a time
	tokens atomic.Int64
	last   atomic.Pointer[string]
}

// iamRig is a server, the authority and an Auth of IAM tokens for iamUser.
type iamRig struct {
	pg    *pgtest.Server
	au    *authority
	creds *countingCreds
	auth  *dbauth.Auth
}

func newIAMRig(t testing.TB) *iamRig { return newIAMRigLifetime(t, iamLifetime) }

// newIAMRigLifetime is newIAMRig with tokens of the given lifetime.
func newIAMRigLifetime(t testing.TB, lifetime time.Duration) *iamRig {
	t.Helper()
	pg := pgtest.Start(t)
	admin := pg.Admin(t)
	pg.CreateRole(t, admin, iamUser, pgtest.RandomPassword())
	pg.GrantIAM(t, admin, iamUser)
	r := &iamRig{pg: pg, au: &authority{admin: pg.Admin(t)}, creds: &countingCreds{}}
	var err error
	r.auth, err = dbauth.New(nil, dbauth.Source{IAM: &dbauth.IAM{
		Region: "eu-west-1", Host: pg.Host, Port: int(pg.Port), User: iamUser, DBName: pgtest.Database,
		Credentials: r.creds, Lifetime: lifetime, Build: r.au.build,
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.auth.Close() })
	return r
}

// build is IAM.Build: BuildAuthToken's token, made the role's password
// until its lifetime, counted from now, ends.
func (au *authority) build(ctx context.Context, req dbauth.TokenRequest) (string, error) {
	tok, err := dbauth.RDSToken(ctx, req)
	if err != nil {
		return "", err
	}
	au.mu.Lock()
	defer au.mu.Unlock()
	if err := pgtest.SetPasswordUntil(ctx, au.admin, req.User, tok, time.Now().Add(req.Lifetime)); err != nil {
		return "", err
	}
	au.tokens.Add(1)
	au.last.Store(&tok)
	return tok, nil
}

// countingCreds gives fake static credentials and counts its calls: each
// would be a call to STS or IMDS.
type countingCreds struct{ calls atomic.Int64 }

func (c *countingCreds) Retrieve(context.Context) (aws.Credentials, error) {
	c.calls.Add(1)
	return aws.Credentials{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", Source: "test"}, nil
}

// iamConnString verifies the server against the test's CA and leaves
// sslmode out: IAM authentication makes it verify-full.
func (r *iamRig) iamConnString(settings string) string {
	return "sslrootcert='" + r.pg.CAFile + "' connect_timeout=30 " + settings
}

func (r *iamRig) openDB(t testing.TB) *sql.DB {
	t.Helper()
	connector, err := pgxauth.Connector(r.auth, r.iamConnString(""))
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(connector)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func (r *iamRig) openPool(t testing.TB, max int) *pgxauth.Pool {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(r.iamConnString("pool_max_conns=" + strconv.Itoa(max)))
	if err != nil {
		t.Fatal(err)
	}
	cfg.MaxConnLifetime = 200 * time.Millisecond
	cfg.MaxConnLifetimeJitter = 50 * time.Millisecond
	pool, err := pgxauth.NewPool(context.Background(), cfg, r.auth)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// noToken fails t if text holds a token or a signature.
func noToken(t testing.TB, what, text string) {
	t.Helper()
	if strings.Contains(text, "X-Amz-Signature") || strings.Contains(text, "X-Amz-Credential") {
		t.Errorf("%s holds a token", what)
	}
}

// IAM tokens under load, through database/sql and through a native
// pgxpool pool at once: 32 goroutines each for 10 s, on pools whose
// connections live 200 ms, while the token changes every 1.3 s or so and
// the authority refuses each token once it is replaced or expired. No
// query may fail; at least 5 token changes; every session is over TLS
// (the sslmode the connection string leaves out is verify-full); the
// credentials are retrieved once.
func TestIAMTokenRotationUnderLoad(t *testing.T) {
	t.Parallel()
	r := newIAMRig(t)
	db := r.openDB(t)
	db.SetConnMaxLifetime(200 * time.Millisecond)
	db.SetMaxOpenConns(8)
	db.SetMaxIdleConns(8)
	pool := r.openPool(t, 8)

	admin := r.pg.Admin(t)
	sqlLoad := startLoad(sqlQuery(db), loadGoroutines)
	poolLoad := startLoad(poolQuery(pool), loadGoroutines)
	start := time.Now()
	for time.Since(start) < *loadDuration || r.au.tokens.Load() < minRotations+1 {
		time.Sleep(100 * time.Millisecond)
		if n := r.pg.PlainSessions(t, admin, iamUser); n != 0 {
			t.Errorf("%d sessions of %s without TLS", n, iamUser)
		}
	}
	for _, l := range []struct {
		name string
		l    *load
	}{{"database/sql", sqlLoad}, {"pgxpool", poolLoad}} {
		queries, failed, err := l.l.finish()
		t.Logf("token rotation under load: %d queries, %d failed, %d tokens (%s)", queries, failed, r.au.tokens.Load(), l.name)
		if failed != 0 {
			noToken(t, "the failures", err.Error())
			t.Errorf("%s: %d of %d queries failed; the first: %v", l.name, failed, queries, err)
		}
	}
	if n := r.creds.calls.Load(); n != 1 {
		t.Errorf("%d credential retrievals, want 1", n)
	}
	if n := r.pg.Sessions(t, admin, iamUser); n == 0 {
		t.Error("no session of " + iamUser + " while the pools are open")
	}
}

// A connection storm: 8 goroutines open and close connections through
// the connector for 3 s, each connection with a token. Tokens are built as
// the lifetime requires, not per connection, and the credentials are
// retrieved once: no network call per connection. The rate is logged
// (BENCHMARKS.md has the cost of one connection).
func TestIAMConnectionStorm(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r := newIAMRig(t)
	connector, err := pgxauth.Connector(r.auth, r.iamConnString(""))
	if err != nil {
		t.Fatal(err)
	}
	defer connector.Close()
	var opened, failed atomic.Int64
	var first atomic.Pointer[error]
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				conn, err := connector.Connect(ctx)
				if err != nil {
					failed.Add(1)
					first.CompareAndSwap(nil, &err)
					continue
				}
				_ = conn.Close()
				opened.Add(1)
			}
		})
	}
	start := time.Now()
	time.Sleep(3 * time.Second)
	close(stop)
	wg.Wait()
	elapsed := time.Since(start)
	tokens := r.au.tokens.Load()
	t.Logf("connection storm: %d connections in %v (%.0f a second), %d failed, %d tokens, %d credential retrievals",
		opened.Load(), elapsed.Round(time.Millisecond), float64(opened.Load())/elapsed.Seconds(), failed.Load(), tokens, r.creds.calls.Load())
	if p := first.Load(); p != nil {
		noToken(t, "the failure", (*p).Error())
		t.Errorf("%d connections failed; the first: %v", failed.Load(), *p)
	}
	if most := int64(elapsed/(iamLifetime*2/3)) + 2; tokens > most {
		t.Errorf("%d tokens for %v, want at most %d: one per two thirds of the lifetime", tokens, elapsed, most)
	}
	if n := r.creds.calls.Load(); n != 1 {
		t.Errorf("%d credential retrievals for %d connections, want 1", n, opened.Load())
	}
}

// A session opened with a token goes on after the token expires, while
// the database refuses that token at connect; a new connection gets a new
// token.
func TestIAMSessionOutlivesItsToken(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r := newIAMRig(t)
	db := r.openDB(t)
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var one int
	if err := conn.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		t.Fatal(err)
	}
	old := *r.au.last.Load()
	time.Sleep(iamLifetime + 200*time.Millisecond)

	if err := conn.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		t.Errorf("the session opened with the expired token: %v", err)
	}
	var pgErr *pgconn.PgError
	if c, err := pgx.Connect(ctx, r.pg.TLSDSN(iamUser, old)); !errors.As(err, &pgErr) || pgErr.Code != "28P01" {
		if c != nil {
			_ = c.Close(ctx)
		}
		t.Errorf("connecting with the expired token: %v, want SQLSTATE 28P01", err)
	}
	if err := db.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		t.Errorf("a new connection: %v", err)
	}
	if n := r.au.tokens.Load(); n != 2 {
		t.Errorf("%d tokens, want 2", n)
	}
}
