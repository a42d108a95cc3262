package main

import (
	"encoding/json"
	"net/http"
)

// health is what /healthz reports: whether the database answers, and the
// version of the credentials in use (never the credentials).
type health struct {
	Status            string `json:"status"`
	CredentialVersion string `json:"credential_version"`
}

func routes(d *database) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		c := d.current()
		status, h := http.StatusOK, health{Status: "ok", CredentialVersion: c.version}
		if err := c.conn.Ping(r.Context()); err != nil {
			status, h.Status = http.StatusServiceUnavailable, "database unavailable"
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(h)
	})
	return mux
}
