package pgxauth_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/secretref/secretref/internal/testing/pgtest"
	"github.com/secretref/secretref/internal/testing/syncbuf"
	"github.com/secretref/secretref/providers"
	"github.com/secretref/secretref/providers/memory"
	"github.com/secretref/secretref/secrets"
	"github.com/secretref/secretref/secrets/dbauth"
	"github.com/secretref/secretref/secrets/dbauth/pgxauth"
)

const secretName = "prod/orders/db"

// rig is a PostgreSQL server, a secret in the memory store (which plays a
// rotation's AWSPENDING steps as Secrets Manager does; kumo drops
// AWSCURRENT when a version is put with AWSPENDING), and an Auth reading
// it through a Client.
type rig struct {
	// name is the secret's; managed: it is in the form of an RDS-managed
	// secret (username and password only), the connection string giving
	// the rest.
	name    string
	managed bool

	pg     *pgtest.Server
	admin  *pgx.Conn
	store  *memory.Store
	client *secrets.Client
	auth   *dbauth.Auth
	log    syncbuf.Buffer

	mu        sync.Mutex
	passwords []string // every password the test made, to check output for
}

// newRig starts a server with a role user whose password is in the
// secret. ttl is the Client's.
func newRig(t testing.TB, user string, ttl time.Duration) *rig {
	return startRig(t, &rig{name: secretName}, user, ttl)
}

// managedSecretName is a secret name in RDS's form for a DB instance's
// master user password.
const managedSecretName = "rds!db-3f1c5e2a-8b7d-4c6e-9a0b-1d2e3f4a5b6c"

// newManagedRig is newRig with an RDS-managed secret: its name and form.
func newManagedRig(t testing.TB, user string, ttl time.Duration) *rig {
	return startRig(t, &rig{name: managedSecretName, managed: true}, user, ttl)
}

func startRig(t testing.TB, r *rig, user string, ttl time.Duration) *rig {
	t.Helper()
	r.pg, r.store = pgtest.Start(t), memory.New()
	r.admin = r.pg.Admin(t)
	pw := r.newPassword()
	r.pg.CreateRole(t, r.admin, user, pw)
	r.store.Put(r.name, r.secretJSON(t, user, pw))
	var err error
	r.client, err = secrets.New(context.Background(), func(o *secrets.Options) {
		o.Providers = map[string]providers.Provider{secrets.SchemeSecretsManager: r.store, secrets.SchemeParameterStore: r.store}
		o.TTL = ttl
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.client.Close() })
	r.auth, err = dbauth.New(r.client, dbauth.Source{Secret: r.ref()}, func(o *dbauth.Options) {
		o.Logger = slog.New(slog.NewTextHandler(&r.log, nil))
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = r.auth.Close()
		r.noPasswords(t, "the log", r.log.String())
	})
	return r
}

func (r *rig) newPassword() string {
	pw := pgtest.RandomPassword()
	r.mu.Lock()
	r.passwords = append(r.passwords, pw)
	r.mu.Unlock()
	return pw
}

// noPasswords fails t if text holds a password the test made; it says
// which by position and length only.
func (r *rig) noPasswords(t testing.TB, what, text string) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, p := range r.passwords {
		if strings.Contains(text, p) {
			t.Errorf("%s holds password #%d (%d bytes)", what, i+1, len(p))
		}
	}
}

// ref is the reference to the secret.
func (r *rig) ref() string { return "sm:" + r.name }

// secretJSON is the secret a rotation function keeps for user, or RDS for
// its master user.
func (r *rig) secretJSON(t testing.TB, user, password string) string {
	t.Helper()
	fields := map[string]any{"username": user, "password": password}
	if !r.managed {
		fields["engine"], fields["host"], fields["port"], fields["dbname"] = "postgres", r.pg.Host, r.pg.Port, pgtest.Database
	}
	b, err := json.Marshal(fields)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// openDB opens a database/sql pool through pgxauth.Connector.
func (r *rig) openDB(t testing.TB) *sql.DB {
	t.Helper()
	connector, err := pgxauth.Connector(r.auth, r.connString("sslmode=disable connect_timeout=30"))
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(connector)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// connString is settings with, for an RDS-managed secret, the host, port
// and database it does not hold.
func (r *rig) connString(settings string) string {
	if !r.managed {
		return settings
	}
	return fmt.Sprintf("host=%s port=%d dbname=%s %s", r.pg.Host, r.pg.Port, pgtest.Database, settings)
}

// rotate plays the four steps of a rotation function with a pause of
// random length after each: createSecret puts a new version of user's
// credentials as AWSPENDING, setSecret sets its password in the database,
// testSecret logs in with it, finishSecret makes it AWSCURRENT. During
// setSecret, it waits until the service has seen its connections rejected
// and taken the pending version, when single is set (with alternating
// users nothing is rejected).
func (r *rig) rotate(t testing.TB, user string, single bool) {
	t.Helper()
	ctx := context.Background()
	pw := r.newPassword()
	version := r.store.PutPending(r.name, r.secretJSON(t, user, pw)) // createSecret
	pause()
	r.pg.SetPassword(t, r.admin, user, pw) // setSecret
	if single {
		r.await(t, "the service to take the pending version "+version, func() bool {
			return strings.Contains(r.log.String(), "accepted the pending ones") &&
				strings.Contains(r.log.String(), "version="+version+"\n")
		})
	}
	pause()
	if err := r.pg.Login(ctx, user, pw); err != nil { // testSecret
		t.Fatalf("testSecret: %v", err)
	}
	pause()
	if err := r.store.SetStage(r.name, memory.StageCurrent, version); err != nil { // finishSecret
		t.Fatal(err)
	}
	pause()
}

func pause() { time.Sleep(rand.N(300 * time.Millisecond)) }

// await polls cond until it holds, failing t after a minute: the machine
// may be busy, and a condition that never holds is a failure, not a slow
// success.
func (r *rig) await(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// load runs queries on a pool from many goroutines and counts them.
type load struct {
	queries, failed atomic.Int64
	stop            chan struct{}
	wg              sync.WaitGroup
	mu              sync.Mutex
	errs            []error // the first few failures
}

func startLoad(query func(context.Context) error, goroutines int) *load {
	l := &load{stop: make(chan struct{})}
	for range goroutines {
		l.wg.Go(func() {
			for {
				select {
				case <-l.stop:
					return
				default:
				}
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				err := query(ctx)
				cancel()
				l.queries.Add(1)
				if err != nil {
					l.failed.Add(1)
					l.mu.Lock()
					if len(l.errs) < 5 {
						l.errs = append(l.errs, err)
					}
					l.mu.Unlock()
				}
			}
		})
	}
	return l
}

// sqlQuery runs SELECT 1 through db.
func sqlQuery(db *sql.DB) func(context.Context) error {
	return func(ctx context.Context) error {
		var one int
		return db.QueryRowContext(ctx, "SELECT 1").Scan(&one)
	}
}

// poolQuery runs SELECT 1 through a pgxpool pool, or a Pool.
func poolQuery(p interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}) func(context.Context) error {
	return func(ctx context.Context) error {
		var one int
		return p.QueryRow(ctx, "SELECT 1").Scan(&one)
	}
}

// finish stops the load and returns its counts and first failures.
func (l *load) finish() (queries, failed int64, err error) {
	close(l.stop)
	l.wg.Wait()
	return l.queries.Load(), l.failed.Load(), errors.Join(l.errs...)
}
