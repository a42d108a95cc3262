package secrets

import (
	"context"
	"errors"

	"github.com/secretref/secretref/providers"
)

// Candidates returns the values to try while a secret is being rotated: its
// current value first and, when its provider keeps a rotation's new version
// under a staging label (Secrets Manager's AWSPENDING) and the secret has
// one that differs from the current one, that value second. A client whose
// credential is rejected between a rotation function's setSecret and
// finishSecret steps can then try both. For other backends it returns the
// current value alone. When the pending version cannot be read for another
// reason than its absence, Candidates returns the current value and that
// error.
func (c *Client) Candidates(ctx context.Context, ref string) ([]Value, error) {
	if ctx == nil {
		return nil, nilContext(ref)
	}
	b, err := c.binding(ref)
	if err != nil {
		return nil, err
	}
	if b.ref.Stage != "" || b.ref.VersionID != "" {
		return nil, invalidRef(ref, "Candidates reads the current and pending versions; drop the stage or version id")
	}
	cur, err := b.get(ctx)
	if err != nil {
		return nil, err
	}
	staged, ok := c.providers[b.ref.Scheme].(providers.Staged)
	if !ok {
		return []Value{cur}, nil
	}
	key := b.h.Key().ref()
	key.Stage = staged.PendingStage()
	p, err := c.cache.Get(ctx, keyOf(key))
	pending := Value{p}
	switch {
	case errors.Is(err, ErrNotFound):
		return []Value{cur}, nil
	case err != nil:
		return []Value{cur}, &RefError{Ref: ref, Err: clientError(err)}
	case pending.Version() != "" && pending.Version() == cur.Version():
		return []Value{cur}, nil
	}
	if b.ref.Key != "" {
		if pending, err = extractKey(pending, b.ref.Key); err != nil {
			return []Value{cur}, &RefError{Ref: ref, Err: err}
		}
	}
	return []Value{cur, pending}, nil
}
