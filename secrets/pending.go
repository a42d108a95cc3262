package secrets

import "github.com/secretref/secretref/providers"

// PendingRef returns the reference to the version a rotation of ref's
// secret is putting in place: ref at the staging label its provider keeps
// that version under (providers.Staged; AWSPENDING for Secrets Manager),
// as Candidates reads it. It returns "" when the provider keeps no such
// version or ref pins a stage or a version. Read it with Refresh to see a
// rotation as it happens: outside one, a Secrets Manager secret may have
// no pending version (ErrNotFound) or have it on the current version.
func (c *Client) PendingRef(ref string) (string, error) {
	b, err := c.binding(ref)
	if err != nil {
		return "", err
	}
	staged, ok := c.providers[b.ref.Scheme].(providers.Staged)
	if !ok || b.ref.Stage != "" || b.ref.VersionID != "" {
		return "", nil
	}
	r := b.ref
	r.Stage = staged.PendingStage()
	return r.String(), nil
}
