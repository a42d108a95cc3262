package main

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/secretref/secretref/internal/testing/readmeblock"
)

var update = flag.Bool("update", false, "rewrite the README's copy of main.go")

// The README's Lambda section shows this program as it is, so that what a
// reader copies compiles.
func TestREADMEShowsThisProgram(t *testing.T) {
	src, err := os.ReadFile("main.go")
	if err != nil {
		t.Fatal(err)
	}
	readmeblock.Check(t, filepath.Join("..", "..", "..", "README.md"), "file", "examples/lambda/minimal/main.go", src, *update)
}
