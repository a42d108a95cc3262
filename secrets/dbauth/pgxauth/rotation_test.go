package pgxauth_test

import (
	"flag"
	"testing"
	"time"
)

const (
	loadGoroutines = 32
	minRotations   = 5
)

// loadDuration is how long each load test runs: 10 s in CI; a soak run
// gives it longer (go test -run UnderLoad -args -load=10m). The load tests
// run in parallel, each on a server of its own.
var loadDuration = flag.Duration("load", 10*time.Second, "how long each test under load runs")

// Single user, as RDS rotates the master user password it manages: 32
// goroutines query for 10 s through a pool whose connections live 200 ms,
// while the one user's password is rotated at least 5 times through the
// four steps of a rotation function. The secret has the name and form of
// an RDS-managed secret (rds!db-UUID, username and password only), the
// connection string giving the host, port and database. Between setSecret
// and finishSecret only AWSPENDING holds the password the database
// accepts. No query may fail. Secrets: memory store (AWSPENDING).
func TestSingleUserRotationUnderLoad(t *testing.T) {
	t.Parallel()
	r := newManagedRig(t, "orders", 2*time.Second)
	db := r.openDB(t)
	db.SetConnMaxLifetime(200 * time.Millisecond)
	db.SetMaxOpenConns(8)
	db.SetMaxIdleConns(8)

	l := startLoad(sqlQuery(db), loadGoroutines)
	start := time.Now()
	rotations := 0
	for rotations < minRotations || time.Since(start) < *loadDuration {
		r.rotate(t, "orders", true)
		rotations++
	}
	queries, failed, err := l.finish()
	t.Logf("rotation under load: %d queries, %d failed, %d rotations", queries, failed, rotations)
	if failed != 0 {
		r.noPasswords(t, "the failures", err.Error())
		t.Errorf("%d of %d queries failed; the first: %v", failed, queries, err)
	}
}

// Alternating users: each rotation re-passwords the user not in use and
// makes it current. No query may fail, and after each rotation no session
// of the previous user, whose password the next rotation changes, may
// remain. The connections live long, so that only their retirement can
// close them. Secrets: memory store (AWSPENDING).
func TestAlternatingUsersRotationUnderLoad(t *testing.T) {
	t.Parallel()
	users := [2]string{"orders", "orders_clone"}
	r := newRig(t, users[0], 500*time.Millisecond)
	r.pg.CreateRole(t, r.admin, users[1], r.newPassword())
	db := r.openDB(t)
	db.SetConnMaxLifetime(time.Hour)
	db.SetMaxOpenConns(8)
	db.SetMaxIdleConns(8)

	l := startLoad(sqlQuery(db), loadGoroutines)
	start := time.Now()
	rotations := 0
	for rotations < minRotations || time.Since(start) < *loadDuration {
		previous, next := users[rotations%2], users[(rotations+1)%2]
		r.rotate(t, next, false)
		rotations++
		r.await(t, "the sessions of "+previous+" to close", func() bool {
			return r.pg.Sessions(t, r.admin, previous) == 0
		})
	}
	queries, failed, err := l.finish()
	t.Logf("rotation under load, alternating users: %d queries, %d failed, %d rotations", queries, failed, rotations)
	if failed != 0 {
		r.noPasswords(t, "the failures", err.Error())
		t.Errorf("%d of %d queries failed; the first: %v", failed, queries, err)
	}
}
