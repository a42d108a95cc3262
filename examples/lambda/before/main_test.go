package main

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/secretref/secretref/examples/lambda/internal/partner"
	"github.com/secretref/secretref/examples/lambda/internal/partnertest"
	"github.com/secretref/secretref/internal/testing/exampletest"
)

// The function works until the partner rotates its API key; then every
// invocation fails until the function's configuration is redeployed.
func TestRotationBreaksTheFunction(t *testing.T) {
	const apiKey = "before-test-api-key"
	creds := partner.Credentials{APIKey: apiKey, SigningKey: []byte(signingKey)}
	srv := partnertest.NewServer(t, creds)
	f := &function{partner: &partner.Client{BaseURL: srv.URL, HTTP: http.DefaultClient}, creds: creds}

	for _, tc := range []struct {
		name    string
		rotate  bool
		wantErr error
	}{
		{name: "with the configured key", wantErr: nil},
		{name: "after the partner rotated the key", rotate: true, wantErr: partner.ErrRejected},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.rotate {
				srv.Rotate(partner.Credentials{APIKey: "before-test-rotated-key", SigningKey: []byte(signingKey)})
			}
			r, err := f.handle(context.Background(), partner.Order{ID: "o-1", AmountCents: 1250})
			if err != nil {
				exampletest.NoSecrets(t, "the error", err.Error(), apiKey, signingKey)
			}
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("handle: %v, want %v", err, tc.wantErr)
			}
			if err == nil && r.OrderID != "o-1" {
				t.Errorf("receipt for order %q, want o-1", r.OrderID)
			}
		})
	}
}
