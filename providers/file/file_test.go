package file_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/secretref/secretref/providers"
	"github.com/secretref/secretref/providers/file"
	"github.com/secretref/secretref/providers/providertest"
)

func TestConformance(t *testing.T) {
	dir := t.TempDir()
	write := func(_ context.Context, name string, v []byte) (string, error) {
		return "", os.WriteFile(name, v, 0o600)
	}
	providertest.Run(t, providertest.Harness{
		Provider:    file.New(),
		Name:        func(w string) string { return filepath.Join(dir, w) },
		Put:         write,
		PutBinary:   nil, // a file has no string/binary distinction: its bytes come back as a string secret
		Unversioned: true,
		BackendError: func(err error) bool {
			var pathErr *fs.PathError
			return errors.As(err, &pathErr)
		},
	})
}

func TestRejectsFilesOverMaxSize(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big")
	if err := os.WriteFile(path, make([]byte, 11), 0o600); err != nil {
		t.Fatal(err)
	}
	p := file.New(func(o *file.Options) { o.MaxSize = 10 })
	_, err := p.Fetch(context.Background(), providers.Request{Name: path})
	if !errors.Is(err, providers.ErrInvalidReference) {
		t.Fatalf("error %v, want ErrInvalidReference", err)
	}
}

func TestDirectoryIsInvalidReference(t *testing.T) {
	_, err := file.New().Fetch(context.Background(), providers.Request{Name: t.TempDir()})
	if !errors.Is(err, providers.ErrInvalidReference) {
		t.Fatalf("error %v, want ErrInvalidReference", err)
	}
}
