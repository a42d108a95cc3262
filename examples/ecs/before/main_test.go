package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/secretref/secretref/examples/ecs/internal/db"
)

func TestHealthz(t *testing.T) {
	conn, err := db.Open(context.Background(), db.Config{Host: "db.internal", User: "orders", Password: "before-test-password"})
	if err != nil {
		t.Fatal(err)
	}
	h := routes(conn)
	for _, tc := range []struct {
		name  string
		close bool
		want  int
	}{
		{name: "connected", want: http.StatusOK},
		{name: "connection lost", close: true, want: http.StatusServiceUnavailable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.close {
				conn.Close()
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/healthz", nil))
			if rec.Code != tc.want {
				t.Errorf("GET /healthz: %d, want %d", rec.Code, tc.want)
			}
		})
	}
}
