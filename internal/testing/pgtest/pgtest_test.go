package pgtest_test

import (
	"context"
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/secretref/secretref/internal/testing/pgtest"
)

// A role logs in with its password over loopback, is refused with a wrong
// one, and the server can be stopped and resumed on the same port, which
// is below the kernel's ephemeral range so that no outgoing connection
// takes it meanwhile.
func TestServer(t *testing.T) {
	ctx := context.Background()
	s := pgtest.Start(t)
	admin := s.Admin(t)
	password := pgtest.RandomPassword()
	s.CreateRole(t, admin, "app", password)

	if err := s.Login(ctx, "app", password); err != nil {
		t.Fatalf("login with the role's password: %v", err)
	}
	var pgErr *pgconn.PgError
	if err := s.Login(ctx, "app", "wrong"); !errors.As(err, &pgErr) || pgErr.Code != "28P01" {
		t.Fatalf("login with a wrong password: %v, want SQLSTATE 28P01", err)
	}
	next := pgtest.RandomPassword()
	s.SetPassword(t, admin, "app", next)
	if err := s.Login(ctx, "app", next); err != nil {
		t.Fatalf("login with the new password: %v", err)
	}
	s.AwaitSessions(t, admin, "app", 0) // the server process of a closed session exits after the client

	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		if low, err := strconv.Atoi(strings.Fields(string(b))[0]); err == nil && int(s.Port) >= low {
			t.Errorf("port %d is in the kernel's ephemeral range, from %d", s.Port, low)
		}
	}
	port := s.Port
	s.Stop(t)
	if err := s.Login(ctx, "app", next); err == nil {
		t.Fatal("login to a stopped server succeeded")
	}
	s.Resume(t)
	if s.Port != port {
		t.Fatalf("resumed on port %d, want %d", s.Port, port)
	}
	if err := s.Login(ctx, "app", next); err != nil {
		t.Fatalf("login after Resume: %v", err)
	}
}

// A member of IAMRole logs in over TLS only, the server verified against
// CAFile; a password set until a time is refused at login after it, as RDS
// refuses an expired IAM token, while a session opened before goes on. A
// password as long as an IAM token (about 1 KB) works.
func TestTLSAndPasswordsThatExpire(t *testing.T) {
	ctx := context.Background()
	s := pgtest.Start(t)
	admin := s.Admin(t)
	token := strings.Repeat("t", 1200) + pgtest.RandomPassword()
	s.CreateRole(t, admin, "iam_app", pgtest.RandomPassword())
	s.GrantIAM(t, admin, "iam_app")
	valid := time.Now().Add(2 * time.Second)
	if err := pgtest.SetPasswordUntil(ctx, admin, "iam_app", token, valid); err != nil {
		t.Fatal(err)
	}

	var pgErr *pgconn.PgError
	if _, err := pgx.Connect(ctx, s.DSN("iam_app", token)); !errors.As(err, &pgErr) || pgErr.Code != "28000" {
		t.Fatalf("login without TLS: %v, want SQLSTATE 28000 (pg_hba.conf rejects it)", err)
	}
	open, err := pgx.Connect(ctx, s.TLSDSN("iam_app", token))
	if err != nil {
		t.Fatalf("login over TLS before the password expires: %v", err)
	}
	defer open.Close(ctx)
	if n, plain := s.Sessions(t, admin, "iam_app"), s.PlainSessions(t, admin, "iam_app"); n != 1 || plain != 0 {
		t.Errorf("%d sessions of iam_app, %d without TLS; want 1 over TLS", n, plain)
	}
	time.Sleep(time.Until(valid) + 100*time.Millisecond)
	if _, err := pgx.Connect(ctx, s.TLSDSN("iam_app", token)); !errors.As(err, &pgErr) || pgErr.Code != "28P01" {
		t.Fatalf("login after the password expired: %v, want SQLSTATE 28P01", err)
	}
	var one int
	if err := open.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil {
		t.Errorf("the session opened before the password expired: %v", err)
	}
}
