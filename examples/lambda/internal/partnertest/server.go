// Package partnertest is a fake partner API for the example functions'
// tests: it accepts an order only with its current credentials, and can
// rotate them.
package partnertest

import (
	"crypto/hmac"
	"crypto/subtle"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/secretref/secretref/examples/lambda/internal/partner"
)

// Server is a partner API on a loopback port.
type Server struct {
	// URL is the server's base URL, for partner.Client.BaseURL.
	URL string

	mu       sync.Mutex
	creds    partner.Credentials
	accepted int
	rejected int
}

// NewServer starts a server that accepts creds, closed when t ends.
func NewServer(t testing.TB, creds partner.Credentials) *Server {
	s := &Server{creds: creds}
	srv := httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

// Rotate makes the server accept creds and nothing else from now on.
func (s *Server) Rotate(creds partner.Credentials) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.creds = creds
}

// Take returns how many orders the server accepted and rejected since the
// last Take.
func (s *Server) Take() (accepted, rejected int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	accepted, rejected = s.accepted, s.rejected
	s.accepted, s.rejected = 0, 0
	return accepted, rejected
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil || r.Method != http.MethodPost || r.URL.Path != "/orders" {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	var o partner.Order
	if err := json.Unmarshal(body, &o); err != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	if !s.authorized(r, body) {
		// Like a real API, say no more than that the credentials failed.
		http.Error(w, "invalid credentials", http.StatusUnauthorized)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(partner.Receipt{OrderID: o.ID, Confirmation: "confirmed-" + o.ID})
}

// authorized checks the request's API key and signature against the
// current credentials, and counts the outcome.
func (s *Server) authorized(r *http.Request, body []byte) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	wantAuth := "Bearer " + s.creds.APIKey
	ok := subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), []byte(wantAuth)) == 1 &&
		hmac.Equal([]byte(r.Header.Get(partner.SignatureHeader)), []byte(partner.Sign(s.creds.SigningKey, body)))
	if ok {
		s.accepted++
	} else {
		s.rejected++
	}
	return ok
}
