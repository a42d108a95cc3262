// Package drift has the comments that drift: its state is decided by
// phaseOf.
package drift

// Options configures nothing.
type Options struct {
	// TTL is a field.
	TTL int
}

// New takes Options.TTL and Options.Gone, and is registered with
// WithProvider.
func New() {}

func phaseOf() {}
