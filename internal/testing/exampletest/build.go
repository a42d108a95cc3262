package exampletest

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/secretref/secretref/internal/testing/gocmd"
)

// Binary is a program a test package builds once, in TestMain.
type Binary struct {
	// Package is what to build: an import path, or a directory relative to
	// the module root such as "./examples/ecs/after".
	Package string
	// Name is the executable's file name.
	Name string
	// Module is the directory, relative to the module root, of the module
	// to build Package in; empty for the root module itself.
	Module string
	// BuildFlags are added to go build's command line ("-tags", "lambda.norpc").
	BuildFlags []string
	// Path is where Main built the executable.
	Path string
}

// Main builds bins into a temporary directory, runs m's tests and removes
// the directory. Call it from TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(exampletest.Main(m, &server)) }
//
// The binaries are built without -race even when the tests run with it:
// they are the programs under test, not the test.
func Main(m *testing.M, bins ...*Binary) int {
	dir, err := os.MkdirTemp("", "secretref-examples-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "exampletest:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	for _, b := range bins {
		if err := b.build(dir); err != nil {
			fmt.Fprintln(os.Stderr, "exampletest:", err)
			return 1
		}
	}
	return m.Run()
}

func (b *Binary) build(dir string) error {
	path := filepath.Join(dir, b.Name)
	if err := gocmd.Build(filepath.Join(gocmd.Root(), b.Module), path, b.Package, b.BuildFlags...); err != nil {
		return err
	}
	b.Path = path
	return nil
}
