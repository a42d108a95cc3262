package secrets_test

import (
	"go/ast"
	"go/doc"
	"go/parser"
	"go/token"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/secretref/secretref/cache"
)

// parseDocs returns the go doc of the package in dir, from its files that
// are not tests.
func parseDocs(t *testing.T, dir, path string) *doc.Package {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var files []*ast.File
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	p, err := doc.NewFromFiles(fset, files, path)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// go doc reads well: the package doc tells of the package-level Get and
// GetString together (go doc lists Get under Value), and the Options doc
// names every setting it embeds from cache.Settings, where go doc shows
// none of them as fields of Options.
func TestGoDocReadsWell(t *testing.T) {
	p := parseDocs(t, ".", "github.com/secretref/secretref/secrets")
	for _, want := range []string{"[Get]", "[GetString]", "[Default]"} {
		if !strings.Contains(p.Doc, want) {
			t.Errorf("the package doc does not name %s", want)
		}
	}
	var options string
	for _, typ := range p.Types {
		if typ.Name != "Options" {
			continue
		}
		for _, spec := range typ.Decl.Specs {
			st := spec.(*ast.TypeSpec).Type.(*ast.StructType)
			for _, f := range st.Fields.List {
				if len(f.Names) == 0 && f.Doc != nil {
					options = f.Doc.Text()
				}
			}
		}
	}
	for _, f := range reflect.VisibleFields(reflect.TypeFor[cache.Settings]()) {
		if f.IsExported() && !strings.Contains(options, f.Name) {
			t.Errorf("the doc of Options' embedded cache.Settings does not name %s", f.Name)
		}
	}
	if !strings.Contains(options, "[cache.Settings]") {
		t.Error("the doc of Options' embedded cache.Settings does not point to it")
	}
}
