// Package gocmd runs the go command from tests: to build the programs a test
// runs as processes of their own (the emulator, the examples).
package gocmd

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
)

// Root returns the directory of the module that holds this package.
func Root() string {
	_, here, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(here), "..", "..", "..")
}

// Build runs go build -o out with flags and pkg in dir (Root when empty).
// The go command is found on PATH, where go test puts its own first.
func Build(dir, out, pkg string, flags ...string) error {
	return BuildEnv(dir, out, pkg, nil, flags...)
}

// BuildEnv is Build with env added to the go command's environment: GOOS,
// GOARCH and CGO_ENABLED for a program built as it is deployed elsewhere
// (an AWS Lambda function on arm64).
func BuildEnv(dir, out, pkg string, env []string, flags ...string) error {
	goTool, err := exec.LookPath("go")
	if err != nil {
		return fmt.Errorf("the go command is not on PATH: %w", err)
	}
	if dir == "" {
		dir = Root()
	}
	args := append([]string{"build", "-o", out}, flags...)
	cmd := exec.Command(goTool, append(args, pkg)...)
	cmd.Dir = dir
	if env != nil {
		cmd.Env = append(os.Environ(), env...)
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s: %v\n%s", pkg, err, out)
	}
	return nil
}
