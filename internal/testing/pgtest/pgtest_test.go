package pgtest_test

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/secretref/secretref/internal/testing/pgtest"
)

// A role logs in with its password over loopback, is refused with a wrong
// one, and the server can be stopped and resumed on the same port.
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
	if n := s.Sessions(t, admin, "app"); n != 0 {
		t.Errorf("%d sessions of app after logging out", n)
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
