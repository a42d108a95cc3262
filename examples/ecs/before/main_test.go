package main

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/secretref/secretref/internal/testing/pgtest"
)

func TestHealthz(t *testing.T) {
	pg := pgtest.Start(t)
	password := pgtest.RandomPassword()
	pg.CreateRole(t, pg.Admin(t), "orders", password)
	cfg, err := pgx.ParseConfig(pg.DSN("orders", password))
	if err != nil {
		t.Fatal(err)
	}
	db := stdlib.OpenDB(*cfg)
	defer db.Close()
	h := routes(db)
	for _, tc := range []struct {
		name string
		stop bool
		want int
	}{
		{name: "connected", want: http.StatusOK},
		{name: "database stopped", stop: true, want: http.StatusServiceUnavailable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.stop {
				pg.Stop(t)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/healthz", nil))
			if rec.Code != tc.want {
				t.Errorf("GET /healthz: %d, want %d", rec.Code, tc.want)
			}
		})
	}
}
