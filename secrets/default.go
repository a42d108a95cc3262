package secrets

import (
	"context"
	"sync"
	"sync/atomic"
)

var (
	defaultClient   atomic.Pointer[Client]
	defaultClientMu sync.Mutex // serialises creating the default Client
)

// Default returns the Client behind the package-level Get and GetString,
// creating it with New(ctx) on first use. A failed creation is not
// remembered: the next call tries again.
func Default(ctx context.Context) (*Client, error) {
	if c := defaultClient.Load(); c != nil {
		return c, nil
	}
	defaultClientMu.Lock()
	defer defaultClientMu.Unlock()
	if c := defaultClient.Load(); c != nil {
		return c, nil
	}
	c, err := New(ctx)
	if err != nil {
		return nil, err
	}
	defaultClient.Store(c)
	return c, nil
}

// SetDefault makes c the Client behind the package-level functions, for
// tests and for programs that configure their own, and returns the one it
// replaces (nil if none was made yet). It does not close that one: code
// may still hold it, as Default returned it. Close it when nothing does.
func SetDefault(c *Client) (previous *Client) {
	defaultClientMu.Lock()
	defer defaultClientMu.Unlock()
	return defaultClient.Swap(c)
}

// Get is Client.Get on the default Client: for a Lambda handler or a small
// program that needs no configuration beyond the environment's.
func Get(ctx context.Context, ref string) (Value, error) {
	if ctx == nil {
		return Value{}, nilContext(ref)
	}
	c, err := Default(ctx)
	if err != nil {
		return Value{}, &RefError{Ref: ref, Err: err}
	}
	return c.Get(ctx, ref)
}

// GetString is Client.GetString on the default Client.
func GetString(ctx context.Context, ref string) (string, error) {
	v, err := Get(ctx, ref)
	return v.Reveal(), err
}
