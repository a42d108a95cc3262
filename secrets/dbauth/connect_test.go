package dbauth_test

import (
	"context"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/secretref/secretref/internal/testing/poll"
	"github.com/secretref/secretref/internal/testing/syncbuf"
	"github.com/secretref/secretref/providers"
	"github.com/secretref/secretref/providers/memory"
	"github.com/secretref/secretref/secrets"
	"github.com/secretref/secretref/secrets/dbauth"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// The unit tests keep their secrets in the memory store, which plays the
// AWSPENDING steps of a rotation as Secrets Manager does.
const secretName = "prod/orders/db"

var secretRef = "sm:" + secretName

// newClient returns a Client reading store, closed when t ends. Its
// MinRefreshInterval is off, so that only dbauth can keep concurrent
// rejections from making one fetch each.
func newClient(t *testing.T, store *memory.Store) *secrets.Client { return newClientTB(t, store) }

func newClientTB(t testing.TB, store *memory.Store) *secrets.Client {
	t.Helper()
	c, err := secrets.New(context.Background(), func(o *secrets.Options) {
		o.Providers = map[string]providers.Provider{secrets.SchemeSecretsManager: store, secrets.SchemeParameterStore: store}
		o.TTL = time.Hour
		o.MinRefreshInterval = -1
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func newAuth(t *testing.T, c *secrets.Client, optFns ...func(*dbauth.Options)) *dbauth.Auth {
	t.Helper()
	a, err := dbauth.New(c, dbauth.Source{Secret: secretRef}, optFns...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close() })
	return a
}

// newOrdersAuth returns a memory store holding the orders secret with
// password-v1, a Client on it and an Auth on that Client.
func newOrdersAuth(t *testing.T, optFns ...func(*dbauth.Options)) (*memory.Store, *secrets.Client, *dbauth.Auth) {
	t.Helper()
	store := memory.New()
	store.Put(secretName, secretJSON(t, "orders", "password-v1"))
	c := newClient(t, store)
	return store, c, newAuth(t, c, optFns...)
}

func secretJSON(t *testing.T, user, password string) string {
	t.Helper()
	b, err := json.Marshal(map[string]any{"engine": "postgres", "host": "db.internal", "port": 5432, "username": user, "password": password, "dbname": "orders"})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// noPasswords fails t if text holds any of passwords; it says which by
// position and length only.
func noPasswords(t *testing.T, what, text string, passwords ...string) {
	t.Helper()
	for i, p := range passwords {
		if strings.Contains(text, p) {
			t.Errorf("%s holds password #%d (%d bytes)", what, i+1, len(p))
		}
	}
}

// 100 connection attempts rejected at the same moment make one refresh of
// the secret (and one read of its pending version) between them, and all
// then connect with the rotated password.
func TestConcurrentRejectionsShareOneRefresh(t *testing.T) {
	const n = 100
	store, _, a := newOrdersAuth(t)
	if _, err := a.Credentials(context.Background()); err != nil { // cache version 1
		t.Fatal(err)
	}
	// Rotated behind the cache's back: the database and the secret have
	// version 2, the cache still version 1.
	store.Put(secretName, secretJSON(t, "orders", "password-v2"))
	db := newFakeDB("password-v2")
	fetches := store.Calls()
	db.holdDials(n)

	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Go(func() {
			conn, err := dbauth.Connect(context.Background(), a, db.connect)
			if err == nil && conn.creds.Password != "password-v2" {
				err = errors.New("connected with another password than version 2's")
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := store.Calls() - fetches; got != 2 {
		t.Errorf("%d fetches after %d simultaneous rejections, want 2 (the secret and its pending version, once)", got, n)
	}
	if got := db.dials.Load(); got != 2*n {
		t.Errorf("%d connection attempts, want %d (each rejected once, then accepted)", got, 2*n)
	}
}

// connect is a dial function for dbauth.Connect.
func (db *fakeDB) connect(ctx context.Context, c dbauth.Credentials) (*fakeConn, error) {
	dc, _ := db.connector(c)
	conn, err := dc.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return conn.(*fakeConn), nil
}

// Between setSecret and finishSecret only the pending version holds the
// password the database accepts: it is tried, used for the next
// connections, and given up for the current version once that is it.
func TestPendingVersionDuringRotation(t *testing.T) {
	ctx := context.Background()
	var log syncbuf.Buffer
	store, c, a := newOrdersAuth(t, func(o *dbauth.Options) { o.Logger = slog.New(slog.NewTextHandler(&log, nil)) })
	db := newFakeDB("password-v1")
	if _, err := dbauth.Connect(ctx, a, db.connect); err != nil {
		t.Fatal(err)
	}

	pending := store.PutPending(secretName, secretJSON(t, "orders", "password-v2")) // createSecret
	db.accept("password-v2")                                                        // setSecret
	conn, err := dbauth.Connect(ctx, a, db.connect)
	if err != nil {
		t.Fatal(err)
	}
	if conn.creds.Version != pending {
		t.Fatalf("connected with version %q, want the pending version %s", conn.creds.Version, pending)
	}
	if !strings.Contains(log.String(), "accepted the pending ones") || !strings.Contains(log.String(), "version="+pending) {
		t.Errorf("the switch to the pending version was not logged:\n%s", log.String())
	}
	dials := db.dials.Load()
	if conn, err = dbauth.Connect(ctx, a, db.connect); err != nil || conn.creds.Version != pending {
		t.Fatalf("next connection: %v, version %q; want the pending version", err, conn.creds.Version)
	}
	if got := db.dials.Load() - dials; got != 1 {
		t.Errorf("the next connection took %d attempts, want 1", got)
	}

	if err := store.SetStage(secretName, memory.StageCurrent, pending); err != nil { // finishSecret
		t.Fatal(err)
	}
	if _, err := c.Refresh(ctx, secretRef); err != nil {
		t.Fatal(err)
	}
	creds, err := a.Credentials(ctx)
	if err != nil || creds.Version != pending {
		t.Fatalf("after finishSecret: version %q, %v; want %s", creds.Version, err, pending)
	}
	if a.Retired(conn.creds) {
		t.Error("a connection opened with the pending version is retired once that version is current")
	}
}

// Credentials the database rejects in every version give, within the
// caller's deadline, an error that says so and holds no password.
func TestRejectedEverywhere(t *testing.T) {
	passwords := []string{"wrong-current-password", "wrong-pending-password", "the-right-password"}
	for _, tc := range []struct {
		name       string
		window     time.Duration
		timeout    time.Duration
		wantCtxErr error
	}{
		{name: "deadline first", window: time.Hour, timeout: 300 * time.Millisecond, wantCtxErr: context.DeadlineExceeded},
		{name: "rotation window first", window: 300 * time.Millisecond, timeout: time.Hour},
	} {
		t.Run(tc.name, func(t *testing.T) {
			store := memory.New()
			store.Put(secretName, secretJSON(t, "orders", passwords[0]))
			store.PutPending(secretName, secretJSON(t, "orders", passwords[1]))
			a := newAuth(t, newClient(t, store), func(o *dbauth.Options) { o.RotationWindow = tc.window })
			db := newFakeDB(passwords[2])

			ctx, cancel := context.WithTimeout(context.Background(), tc.timeout)
			defer cancel()
			start := time.Now()
			_, err := dbauth.Connect(ctx, a, db.connect)
			if elapsed := time.Since(start); elapsed > 30*time.Second {
				t.Errorf("Connect returned after %v", elapsed)
			}
			var authErr *authError
			switch {
			case !errors.Is(err, secrets.ErrAccessDenied):
				t.Fatalf("error %v, want one wrapping ErrAccessDenied", err)
			case !errors.As(err, &authErr):
				t.Errorf("error %v does not wrap the driver's", err)
			case tc.wantCtxErr != nil && !errors.Is(err, tc.wantCtxErr):
				t.Errorf("error %v does not wrap %v", err, tc.wantCtxErr)
			case tc.wantCtxErr == nil && errors.Is(err, context.DeadlineExceeded):
				t.Errorf("error %v wraps a deadline that did not pass", err)
			case !strings.Contains(err.Error(), secretRef):
				t.Errorf("error %v does not name the reference", err)
			}
			noPasswords(t, "the error", err.Error(), passwords...)
			if db.dials.Load() < 3 {
				t.Errorf("%d connection attempts, want the current and the pending version tried at least", db.dials.Load())
			}
		})
	}
}

// A password that no version holds fails at once when no rotation can be
// under way: the secret has no pending version, or only one on the current
// version (as a finished rotation leaves it), and the current version has
// not changed within the rotation window. The error says so, and holds no
// password. When the current version has just changed, the attempt waits,
// as the database may not have been changed yet.
func TestWrongPasswordFailsFast(t *testing.T) {
	const wrong = "wrong-password-everywhere"
	for _, tc := range []struct {
		name string
		// setUp gives store its versions; the Auth has read the first
		// before, the others after.
		setUp func(t *testing.T, store *memory.Store)
		wait  bool
	}{
		{name: "no pending version", setUp: func(t *testing.T, store *memory.Store) {}},
		{name: "pending on the current version", setUp: func(t *testing.T, store *memory.Store) {
			// A rotation that finished before the Auth started.
			v := store.PutPending(secretName, secretJSON(t, "orders", wrong))
			if err := store.SetStage(secretName, memory.StageCurrent, v); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "current version changed just now", wait: true, setUp: func(t *testing.T, store *memory.Store) {
			store.Put(secretName, secretJSON(t, "orders", wrong+"-2"))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			store := memory.New()
			store.Put(secretName, secretJSON(t, "orders", wrong))
			if !tc.wait {
				tc.setUp(t, store) // before the Auth's first read
			}
			c := newClient(t, store)
			a := newAuth(t, c)
			if _, err := a.Credentials(context.Background()); err != nil {
				t.Fatal(err)
			}
			if tc.wait {
				tc.setUp(t, store)
				if _, err := c.Refresh(context.Background(), secretRef); err != nil {
					t.Fatal(err)
				}
			}
			db := newFakeDB("the-right-password")

			// The rotation window is an hour: only failing at once, or the
			// context, ends the attempt.
			timeout := 20 * time.Second
			if tc.wait {
				timeout = 300 * time.Millisecond
			}
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			defer cancel()
			_, err := dbauth.Connect(ctx, a, db.connect)
			if !errors.Is(err, secrets.ErrAccessDenied) {
				t.Fatalf("error %v, want one wrapping ErrAccessDenied", err)
			}
			noPasswords(t, "the error", err.Error(), wrong, wrong+"-2")
			if tc.wait {
				if !errors.Is(err, context.DeadlineExceeded) {
					t.Errorf("error %v: the attempt did not wait for the database to follow the new version", err)
				}
				return
			}
			if errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "no rotation is under way") {
				t.Errorf("error %v, want one saying that no rotation is under way, before the deadline", err)
			}
			if got := db.dials.Load(); got != 1 {
				t.Errorf("%d connection attempts, want 1", got)
			}
		})
	}
}

// newRotatingWrongAuth returns an Auth whose secret is mid-rotation with a
// password the database rejects in both versions, and that database.
func newRotatingWrongAuth(t *testing.T) (*dbauth.Auth, *fakeDB) {
	store := memory.New()
	store.Put(secretName, secretJSON(t, "orders", "wrong-password"))
	store.PutPending(secretName, secretJSON(t, "orders", "wrong-pending-password"))
	a := newAuth(t, newClient(t, store))
	db := newFakeDB("right-password")
	return a, db
}

// An attempt waiting for its next round (a rotation is under way) returns
// as soon as its context is cancelled.
func TestCancelWhileRetrying(t *testing.T) {
	a, db := newRotatingWrongAuth(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := dbauth.Connect(ctx, a, db.connect)
		done <- err
	}()
	poll.Until(t, "a retry", func() bool { return db.dials.Load() >= 2 })
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) || !errors.Is(err, secrets.ErrAccessDenied) {
			t.Fatalf("error %v, want one wrapping context.Canceled and ErrAccessDenied", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Connect did not return after its context was cancelled")
	}
}

// A dial bounded by the caller's deadline can fail with an i/o timeout an
// instant before the context's timer fires, while ctx.Err is still nil: the
// attempt ended by the deadline, after rejections, and says so, rather than
// that the database could not be reached. The context here is such a
// moment held still: its deadline has passed and it has not ended.
func TestDeadlinePassedBeforeTheContextEnds(t *testing.T) {
	a, db := newRotatingWrongAuth(t)
	ctx := &timerNotFired{Context: context.Background()}
	ctx.deadline.Store(time.Now().Add(time.Hour).UnixNano())
	_, err := dbauth.Connect(ctx, a, func(ctx context.Context, c dbauth.Credentials) (*fakeConn, error) {
		if db.dials.Load() == 0 {
			return db.connect(ctx, c) // rejected
		}
		ctx.(*timerNotFired).deadline.Store(time.Now().Add(-time.Millisecond).UnixNano())
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: os.ErrDeadlineExceeded}
	})
	if !errors.Is(err, secrets.ErrAccessDenied) || !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, secrets.ErrUnavailable) {
		t.Fatalf("error %v, want one wrapping ErrAccessDenied and context.DeadlineExceeded", err)
	}
}

// timerNotFired is a context whose deadline may have passed but which has
// not ended.
type timerNotFired struct {
	context.Context
	deadline atomic.Int64 // Unix nanoseconds
}

func (c *timerNotFired) Deadline() (time.Time, bool) { return time.Unix(0, c.deadline.Load()), true }

// A database that cannot be reached gives ErrUnavailable at once; a secret
// that cannot be read gives the Client's error.
func TestClassifiedFailures(t *testing.T) {
	store := memory.New()
	store.Put(secretName, secretJSON(t, "orders", "a-password"))
	c := newClient(t, store)
	db := newFakeDB("a-password")
	db.down.Store(true)

	_, err := dbauth.Connect(context.Background(), newAuth(t, c), db.connect)
	var opErr *net.OpError
	if !errors.Is(err, secrets.ErrUnavailable) || !errors.As(err, &opErr) || !strings.Contains(err.Error(), secretRef) {
		t.Errorf("database down: %v, want ErrUnavailable wrapping the dial error and naming the reference", err)
	}
	noPasswords(t, "the error", err.Error(), "a-password")

	missing, err := dbauth.New(c, dbauth.Source{Secret: "sm:prod/none"})
	if err != nil {
		t.Fatal(err)
	}
	defer missing.Close()
	if _, err := dbauth.Connect(context.Background(), missing, db.connect); !errors.Is(err, secrets.ErrNotFound) {
		t.Errorf("no such secret: %v, want ErrNotFound", err)
	}
	if got := db.dials.Load(); got != 1 {
		t.Errorf("%d connection attempts, want 1 (none without credentials)", got)
	}
}

func TestIsUnavailable(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"connection refused", &net.OpError{Op: "dial", Err: errors.New("connection refused")}, true},
		{"deadline", context.DeadlineExceeded, true},
		{"shutting down", sqlStateError("57P01"), true},
		{"starting up", sqlStateError("57P03"), true},
		{"connection exception", sqlStateError("08006"), true},
		{"wrong password", sqlStateError("28P01"), false},
		{"no such database", sqlStateError("3D000"), false},
		{"cancelled", context.Canceled, false},
		{"driver.ErrBadConn", driver.ErrBadConn, false},
	} {
		if got := dbauth.IsUnavailable(tc.err); got != tc.want {
			t.Errorf("%s: IsUnavailable = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestIsAuthFailure(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{sqlStateError("28P01"), true},
		{sqlStateError("28000"), true},
		{&wrapped{sqlStateError("28P01")}, true},
		{sqlStateError("3D000"), false},
		{errors.New("password authentication failed"), false},
	} {
		if got := dbauth.IsAuthFailure(tc.err); got != tc.want {
			t.Errorf("IsAuthFailure(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

type sqlStateError string

func (e sqlStateError) Error() string    { return "SQLSTATE " + string(e) }
func (e sqlStateError) SQLState() string { return string(e) }

type wrapped struct{ err error }

func (w *wrapped) Error() string { return "connecting: " + w.err.Error() }
func (w *wrapped) Unwrap() error { return w.err }
