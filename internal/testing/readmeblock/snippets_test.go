package readmeblock

import (
	"go/build"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/secretref/secretref/internal/testing/gocmd"
)

const module = "github.com/secretref/secretref"

// The README's Go snippets show the import path of every package they use,
// and each path is one a reader can import: the module's own, the standard
// library's, or one the module or its nested modules require.
func TestREADMESnippetsShowTheirImports(t *testing.T) {
	root := gocmd.Root()
	doc, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	snippets := GoSnippets(doc)
	if len(snippets) < 8 {
		t.Fatalf("%d Go snippets in README.md; the check finds them no more", len(snippets))
	}
	known := knownPackages(t, root)
	for _, p := range CheckImports(snippets, known) {
		t.Errorf("README.md %s", p)
	}
}

// knownPackages reports whether an import path is a package of the module,
// of the standard library, or of a module one of the repository's go.mod
// files requires.
func knownPackages(t *testing.T, root string) func(string) bool {
	t.Helper()
	var required []string
	requireLine := regexp.MustCompile(`^\s*(?:require\s+)?([a-z0-9.-]+\.[a-z]+/\S+)\s+v\S+`)
	for _, modfile := range []string{"go.mod", "secrets/otelsecrets/go.mod", "examples/ecs/go.mod", "examples/migrate-secretcache/go.mod", "internal/bench/go.mod"} {
		b, err := os.ReadFile(filepath.Join(root, modfile))
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(b), "\n") {
			if m := requireLine.FindStringSubmatch(line); m != nil {
				required = append(required, m[1])
			}
		}
	}
	return func(p string) bool {
		if rest, ok := strings.CutPrefix(p, module); ok {
			matches, _ := filepath.Glob(filepath.Join(root, filepath.FromSlash(rest), "*.go"))
			return slices.ContainsFunc(matches, func(f string) bool { return !strings.HasSuffix(f, "_test.go") })
		}
		if !strings.Contains(strings.Split(p, "/")[0], ".") {
			_, err := build.Default.Import(p, "", build.FindOnly)
			return err == nil
		}
		return slices.ContainsFunc(required, func(m string) bool { return p == m || strings.HasPrefix(p, m+"/") })
	}
}

func TestCheckImports(t *testing.T) {
	snippets := GoSnippets([]byte("text\n```go\nimport (\n\t\"fmt\"\n\n\t\"example.com/secrets\"\n)\n\nc, err := secrets.New(ctx)\nfmt.Println(c, err)\n```\n" +
		"```sh\nnot go\n```\n" +
		"```go\nimport \"os\"\n\nfunc main() { lambda.Start(handler); c.Close() }\n```\n" +
		"```go\nimport \"example.com/v5/pgxpool\"\n\nx := 1\n```\n" +
		"```go\nfmt.Println(c) // imported by an earlier snippet only\n```\n"))
	if len(snippets) != 4 || snippets[0].Line != 3 {
		t.Fatalf("snippets %+v", snippets)
	}
	got := CheckImports(snippets, func(p string) bool { return p != "example.com/v5/pgxpool" })
	want := []string{
		"line 16: imports \"os\" and does not use it",
		"line 16: uses package lambda without showing its import path",
		"line 21: imports \"example.com/v5/pgxpool\" and does not use it",
		"line 21: imports \"example.com/v5/pgxpool\", which is neither in the standard library nor a package the modules have or require",
		"line 26: uses package fmt without showing its import path",
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("problems\n%q\nwant\n%q", got, want)
	}
	whole := GoSnippets([]byte("```go\n// Command x.\npackage main\n\nimport \"os\"\n\nfunc main() { os.Exit(run()) }\n\nfunc run() int { return 0 }\n```\n"))
	if got := CheckImports(whole, func(string) bool { return true }); len(got) != 0 {
		t.Errorf("a whole file: problems %q, want none", got)
	}
	for p, name := range map[string]string{"github.com/jackc/pgx/v5/pgxpool": "pgxpool", "github.com/jackc/pgx/v5": "pgx", "go.yaml.in/yaml/v3": "yaml", "gopkg.in/yaml.v3": "yaml", "fmt": "fmt"} {
		if got := PackageName(p); got != name {
			t.Errorf("PackageName(%q) = %q, want %q", p, got, name)
		}
	}
}
