// Package partner is the client of the partner API that the example Lambda
// functions forward orders to. Each request carries an API key as a bearer
// token and is signed with a separate signing key (HMAC-SHA256 of the
// body), as many payment and fulfilment APIs require.
package partner

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
)

// ErrRejected means the partner API refused the credentials: they may have
// been rotated since the caller read them.
var ErrRejected = errors.New("partner: credentials rejected")

// SignatureHeader carries the body's signature, "sha256=" and the hex HMAC.
const SignatureHeader = "X-Signature"

// Credentials authenticate a request to the partner API.
type Credentials struct {
	APIKey     string
	SigningKey []byte
}

// Order is what the functions receive and forward.
type Order struct {
	ID          string `json:"id"`
	AmountCents int64  `json:"amount_cents"`
}

// Receipt is the partner's acknowledgement of an order.
type Receipt struct {
	OrderID      string `json:"order_id"`
	Confirmation string `json:"confirmation"`
}

// Client calls the partner API at BaseURL.
type Client struct {
	BaseURL string
	HTTP    *http.Client
}

// Submit sends o with creds. It returns an error wrapping ErrRejected when
// the partner refuses the credentials.
func (c *Client) Submit(ctx context.Context, creds Credentials, o Order) (Receipt, error) {
	body, err := json.Marshal(o)
	if err != nil {
		return Receipt{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.BaseURL+"/orders", bytes.NewReader(body))
	if err != nil {
		return Receipt{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+creds.APIKey)
	req.Header.Set(SignatureHeader, Sign(creds.SigningKey, body))
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return Receipt{}, fmt.Errorf("partner: submitting order %s: %w", o.ID, err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return Receipt{}, fmt.Errorf("order %s: %w (HTTP %d)", o.ID, ErrRejected, resp.StatusCode)
	case resp.StatusCode != http.StatusOK:
		return Receipt{}, fmt.Errorf("partner: order %s: HTTP %d", o.ID, resp.StatusCode)
	}
	var r Receipt
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		return Receipt{}, fmt.Errorf("partner: order %s: reading the receipt: %w", o.ID, err)
	}
	return r, nil
}

// Sign returns the value of SignatureHeader for body.
func Sign(key, body []byte) string {
	m := hmac.New(sha256.New, key)
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}
