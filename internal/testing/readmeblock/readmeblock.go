// Package readmeblock checks Markdown files against the code: with Check
// (and -update, which rewrites them) the blocks that a program's output
// fills, a fenced code block right after a line <!-- KIND: NAME -->; with
// GoSnippets and CheckImports, that Go snippets show the import path of
// every package they use.
package readmeblock

import (
	"bytes"
	"os"
	"testing"
)

// Check compares the block after <!-- kind: name --> in the Markdown file at
// path with want, and when update is set writes want there instead of
// failing.
func Check(t *testing.T, path, kind, name string, want []byte, update bool) {
	t.Helper()
	doc, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	marker := []byte("<!-- " + kind + ": " + name + " -->\n")
	i := bytes.Index(doc, marker)
	if i < 0 {
		t.Fatalf("%s has no %q", path, marker)
	}
	open := i + len(marker)
	start := bytes.IndexByte(doc[open:], '\n')
	if start < 0 || !bytes.HasPrefix(doc[open:], []byte("```")) {
		t.Fatalf("%s: no code block after %q", path, marker)
	}
	start += open + 1
	end := bytes.Index(doc[start:], []byte("```\n"))
	if end < 0 {
		t.Fatalf("%s: the code block after %q does not end", path, marker)
	}
	end += start
	if bytes.Equal(doc[start:end], want) {
		return
	}
	if !update {
		t.Errorf("%s: the block after %q differs from the output (go test -update rewrites it); the output:\n%s", path, marker, want)
		return
	}
	out := append(append(append([]byte{}, doc[:start]...), want...), doc[end:]...)
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
}
