package readmeblock

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path"
	"regexp"
	"strconv"
	"strings"
)

// Snippet is a fenced Go code block of a Markdown file: ```go ... ```.
type Snippet struct {
	Line int // of its first line of code
	Code string
}

// GoSnippets returns the Go code blocks of a Markdown document, in order.
func GoSnippets(doc []byte) []Snippet {
	var out []Snippet
	var cur *Snippet
	var code strings.Builder
	for i, line := range strings.Split(string(doc), "\n") {
		switch {
		case cur == nil && strings.TrimSpace(line) == "```go":
			cur = &Snippet{Line: i + 2}
			code.Reset()
		case cur != nil && strings.TrimSpace(line) == "```":
			cur.Code = code.String()
			out = append(out, *cur)
			cur = nil
		case cur != nil:
			code.WriteString(line + "\n")
		}
	}
	return out
}

// CheckImports returns what is wrong with the imports of snippets, read in
// order as parts of one program: a package used but not imported, an
// import not used, an import path known reports false for. A snippet may
// be a file's declarations or a function's statements, after its imports;
// a name declared in an earlier snippet (c, auth) is a variable there, not
// a package. Each problem starts with the snippet's line.
func CheckImports(snippets []Snippet, known func(path string) bool) []string {
	var problems []string
	declared := map[string]bool{}
	for _, s := range snippets {
		f, err := parseSnippet(s.Code)
		if err != nil {
			problems = append(problems, fmt.Sprintf("line %d: not Go: %v", s.Line, err))
			continue
		}
		imported := map[string]string{} // package name -> path
		for _, spec := range f.Imports {
			p, _ := strconv.Unquote(spec.Path.Value)
			name := PackageName(p)
			if spec.Name != nil {
				name = spec.Name.Name
			}
			imported[name] = p
			if !known(p) {
				problems = append(problems, fmt.Sprintf("line %d: imports %q, which is neither in the standard library nor a package the modules have or require", s.Line, p))
			}
		}
		for name := range declarations(f) {
			declared[name] = true
		}
		used, missing := map[string]bool{}, map[string]bool{}
		for _, name := range selectorBases(f) {
			switch {
			case imported[name] != "":
				used[name] = true
			case !declared[name] && !missing[name]:
				missing[name] = true
				problems = append(problems, fmt.Sprintf("line %d: uses package %s without showing its import path", s.Line, name))
			}
		}
		for name, p := range imported {
			if !used[name] {
				problems = append(problems, fmt.Sprintf("line %d: imports %q and does not use it", s.Line, p))
			}
		}
	}
	return problems
}

var majorVersion = regexp.MustCompile(`^v[0-9]+$`)

// PackageName returns the name a package is imported under by default:
// the last element of its path, the one before a major version (v5), and
// without a .vN suffix (yaml.v3).
func PackageName(importPath string) string {
	dir, name := path.Split(importPath)
	if majorVersion.MatchString(name) && dir != "" {
		name = path.Base(dir)
	}
	if i := strings.Index(name, ".v"); i > 0 {
		name = name[:i]
	}
	return name
}

// parseSnippet parses code as a file: a whole one (a program the README
// shows as it is in the repository), or its imports, then declarations
// or, failing that, statements, which are put in a function.
func parseSnippet(code string) (*ast.File, error) {
	if f, err := parser.ParseFile(token.NewFileSet(), "", code, 0); err == nil {
		return f, nil // a whole file, from its package clause
	}
	const header = "package snippet\n"
	fset := token.NewFileSet()
	imports, err := parser.ParseFile(fset, "", header+code, parser.ImportsOnly)
	if err != nil {
		return nil, err
	}
	split := 0
	for _, d := range imports.Decls {
		split = max(split, fset.Position(d.End()).Offset-len(header))
	}
	head, body := code[:split], code[split:]
	f, err := parser.ParseFile(token.NewFileSet(), "", header+head+body, 0)
	if err == nil {
		return f, nil
	}
	var src bytes.Buffer
	src.WriteString(header + head + "\nfunc _() {\n" + body + "\n}\n")
	return parser.ParseFile(token.NewFileSet(), "", src.Bytes(), 0)
}

// declarations returns the names a snippet declares, in any scope.
func declarations(f *ast.File) map[string]bool {
	out := map[string]bool{}
	ast.Inspect(f, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok && id.Obj != nil && id.Obj.Name == id.Name && id.Name != "_" {
			out[id.Name] = true
		}
		return true
	})
	return out
}

// selectorBases returns the names that a selector (x.Y) starts with and
// that the snippet does not declare where they are used: packages, or
// variables of earlier snippets.
func selectorBases(f *ast.File) []string {
	var out []string
	ast.Inspect(f, func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok {
			if id, ok := sel.X.(*ast.Ident); ok && id.Obj == nil {
				out = append(out, id.Name)
			}
		}
		return true
	})
	return out
}
