package file

import (
	"errors"
	"io/fs"
	"testing"

	"github.com/secretref/secretref/providers"
)

// The tests run as root on some machines, where no file is unreadable, so
// the classification of a permission error is checked directly.
func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want error
	}{
		{fs.ErrNotExist, providers.ErrNotFound},
		{&fs.PathError{Op: "open", Path: "/x", Err: fs.ErrPermission}, providers.ErrAccessDenied},
		{errors.New("i/o error"), providers.ErrUnavailable},
	} {
		if got := classify(tc.err); !errors.Is(got, tc.want) || !errors.Is(got, tc.err) {
			t.Errorf("classify(%v) = %v, want it to match %v and the original", tc.err, got, tc.want)
		}
	}
}
