package pgxauth_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
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

var secretRef = "sm:" + secretName

// rig is a PostgreSQL server, a secret in the memory store (which plays a
// rotation's AWSPENDING steps as Secrets Manager does; kumo drops
// AWSCURRENT when a version is put with AWSPENDING), and an Auth reading
// it through a Client.
type rig struct {
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
	t.Helper()
	r := &rig{pg: pgtest.Start(t), store: memory.New()}
	r.admin = r.pg.Admin(t)
	pw := r.newPassword()
	r.pg.CreateRole(t, r.admin, user, pw)
	r.store.Put(secretName, r.secretJSON(t, user, pw))
	var err error
	r.client, err = secrets.New(context.Background(), func(o *secrets.Options) {
		o.Providers = map[string]providers.Provider{secrets.SchemeSecretsManager: r.store, secrets.SchemeParameterStore: r.store}
		o.TTL = ttl
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.client.Close() })
	r.auth, err = dbauth.New(r.client, dbauth.Source{Secret: secretRef}, func(o *dbauth.Options) {
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

// secretJSON is the secret a rotation function keeps for user.
func (r *rig) secretJSON(t testing.TB, user, password string) string {
	t.Helper()
	b, err := json.Marshal(map[string]any{
		"engine": "postgres", "host": r.pg.Host, "port": r.pg.Port,
		"username": user, "password": password, "dbname": pgtest.Database,
	})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// openDB opens a database/sql pool through pgxauth.Connector.
func (r *rig) openDB(t testing.TB) *sql.DB {
	t.Helper()
	connector, err := pgxauth.Connector(r.auth, "sslmode=disable connect_timeout=30")
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(connector)
	t.Cleanup(func() { _ = db.Close() })
	return db
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
	version := r.store.PutPending(secretName, r.secretJSON(t, user, pw)) // createSecret
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
	if err := r.store.SetStage(secretName, memory.StageCurrent, version); err != nil { // finishSecret
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

func startLoad(db *sql.DB, goroutines int) *load {
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
				var one int
				err := db.QueryRowContext(ctx, "SELECT 1").Scan(&one)
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

// finish stops the load and returns its counts and first failures.
func (l *load) finish() (queries, failed int64, err error) {
	close(l.stop)
	l.wg.Wait()
	return l.queries.Load(), l.failed.Load(), errors.Join(l.errs...)
}
