// Package file serves secrets from files: secrets mounted into a container
// (a Kubernetes or Docker secret volume) and local development.
package file

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/secretref/secretref/providers"
)

// DefaultMaxSize bounds the files a Provider reads: a secret is small, and a
// reference to a device or a log file must not exhaust memory.
const DefaultMaxSize = 1 << 20

// Options configures a Provider.
type Options struct {
	// MaxSize is the largest file read, in bytes. Default DefaultMaxSize.
	MaxSize int64
}

// Provider reads files. It is safe for concurrent use. Files have no
// versions; a reader detects a change by the contents.
type Provider struct {
	maxSize int64
}

var _ providers.Provider = (*Provider)(nil)

// New returns a Provider.
func New(optFns ...func(*Options)) *Provider {
	o := Options{MaxSize: DefaultMaxSize}
	for _, fn := range optFns {
		fn(&o)
	}
	if o.MaxSize <= 0 {
		o.MaxSize = DefaultMaxSize
	}
	return &Provider{maxSize: o.MaxSize}
}

// Fetch returns the contents of the file at req.Name.
func (p *Provider) Fetch(ctx context.Context, req providers.Request) (*providers.Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if req.Stage != "" || req.VersionID != "" || req.SkipDecryption {
		return nil, providers.Classify(providers.ErrInvalidReference, errors.New("files have no versions or encryption"))
	}
	f, err := os.Open(req.Name)
	if err != nil {
		return nil, classify(err)
	}
	defer f.Close()
	if info, err := f.Stat(); err == nil && info.IsDir() {
		return nil, providers.Classify(providers.ErrInvalidReference, fmt.Errorf("%s is a directory", req.Name))
	}
	b, err := io.ReadAll(io.LimitReader(f, p.maxSize+1))
	if err != nil {
		return nil, classify(err)
	}
	if int64(len(b)) > p.maxSize {
		return nil, providers.Classify(providers.ErrInvalidReference, fmt.Errorf("file %s is larger than %d bytes", req.Name, p.maxSize))
	}
	return &providers.Result{Value: b}, nil
}

func classify(err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return providers.Classify(providers.ErrNotFound, err)
	case errors.Is(err, fs.ErrPermission):
		return providers.Classify(providers.ErrAccessDenied, err)
	}
	return providers.Classify(providers.ErrUnavailable, err)
}
