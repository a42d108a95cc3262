package exampletest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// Binary is a program a test package builds once, in TestMain.
type Binary struct {
	// Package is what to build: an import path, or a directory relative to
	// the module root such as "./examples/ecs/after".
	Package string
	// Name is the executable's file name.
	Name string
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
	_, here, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(here), "..", "..")
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	path := filepath.Join(dir, b.Name)
	args := append([]string{"build", "-o", path}, b.BuildFlags...)
	cmd := exec.Command(goTool, append(args, b.Package)...)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s: %v\n%s", b.Package, err, out)
	}
	b.Path = path
	return nil
}
