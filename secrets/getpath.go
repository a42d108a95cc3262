package secrets

import (
	"context"
	"fmt"
	"strings"

	"github.com/secretref/secretref/providers"
)

// GetPath returns every Parameter Store parameter under path (directly
// under it, or at any depth when recursive is set), decrypted, keyed by full
// parameter name, through GetParametersByPath and all its pages. Each value
// is also cached under its own name, so a later Get of "/path/name" is a
// hit; a listing does not replace a value that a fetch begun after it
// cached. The listing itself is not cached, but concurrent GetPaths of one
// path share one listing. It runs on a context detached from ctx's
// cancellation, bounded by Options.LoadTimeout and ended by Close (the
// GetPath then fails with ErrClosed); when ctx is done first, GetPath
// returns ctx's error at once.
//
// It needs ssm:GetParametersByPath on the path's ARN
// (arn:aws:ssm:REGION:ACCOUNT:parameter/PATH) and kms:Decrypt on the keys of
// SecureStrings encrypted with customer-managed keys.
func (c *Client) GetPath(ctx context.Context, path string, recursive bool) (map[string]Value, error) {
	if ctx == nil {
		return nil, nilContext(path)
	}
	if err := checkPath(path); err != nil {
		return nil, err
	}
	if c.closed.Load() {
		return nil, &RefError{Ref: path, Err: ErrClosed}
	}
	pf, ok := c.providers[SchemeParameterStore].(providers.PathFetcher)
	if !ok {
		return nil, &RefError{Ref: path, Err: fmt.Errorf("%w: the %q provider cannot list paths", ErrInvalidArgument, SchemeParameterStore)}
	}
	key := path
	if recursive {
		key += "\x00recursive"
	}
	done := c.listings.DoChan(key, func() (any, error) {
		lctx, cancel := c.detached(ctx)
		defer cancel()
		return c.list(lctx, pf, path, recursive)
	})
	select {
	case l := <-done:
		if l.Err != nil {
			return nil, &RefError{Ref: path, Err: l.Err}
		}
		return l.Val.(map[string]Value), nil
	case <-ctx.Done():
		return nil, &RefError{Ref: path, Err: ctx.Err()}
	}
}

// list makes one listing of path and caches its values. A panic of the
// provider fails the listing; a listing ended by Close fails with
// ErrClosed.
func (c *Client) list(ctx context.Context, pf providers.PathFetcher, path string, recursive bool) (vals map[string]Value, err error) {
	defer func() {
		if p := recover(); p != nil {
			vals, err = nil, fmt.Errorf("%w: the %q provider panicked listing a path (%s)", ErrUnavailable, SchemeParameterStore, panicType(p))
		}
		if err != nil && c.root.Err() != nil {
			vals, err = nil, ErrClosed
		}
	}()
	stamp := c.cache.Stamp()
	callCtx, end, err := c.calls.begin(ctx, ProviderCall{Scheme: SchemeParameterStore, Operation: OperationFetchPath,
		Refs: []Ref{{Scheme: SchemeParameterStore, Name: path}}})
	if err != nil {
		return nil, err
	}
	res, err := func() (map[string]*providers.Result, error) {
		defer endOnPanic(end, 1)
		return pf.FetchPath(callCtx, path, recursive, "")
	}()
	end([]error{err})
	if err != nil {
		return nil, err
	}
	vals = make(map[string]Value, len(res))
	for name, r := range res {
		v := resultValue(r)
		if err := c.cache.Put(keyOf(Ref{Scheme: SchemeParameterStore, Name: name}), v.p, stamp); err != nil {
			return nil, clientError(err)
		}
		vals[name] = v
	}
	return vals, nil
}

// checkPath accepts "/" and the parameter paths ParseRef accepts, with or
// without a trailing '/'.
func checkPath(path string) error {
	if path == "/" {
		return nil
	}
	if !strings.HasPrefix(path, "/") {
		return invalidRef(path, "a parameter path must start with '/'")
	}
	r, err := ParseRef(strings.TrimSuffix(path, "/"))
	if err != nil {
		return err
	}
	if r.Key != "" || r.Stage != "" || r.VersionID != "" || r.SkipDecryption {
		return invalidRef(path, "a parameter path takes no #key, selector or parameters")
	}
	return nil
}
