// Package doccheck finds doc comments that name what the code does not
// have, the way they drift when code changes and comments do not: an
// identifier that exists nowhere in the module (an option since removed),
// an unexported function named in the documentation users read (go doc
// shows it, the user cannot call it), and a field or method of the
// module's own types that the type does not have.
package doccheck

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"unicode"
)

// Problem is one name in a comment that the code does not have.
type Problem struct {
	Pos  string // file:line, relative to the module's root
	Name string
	Why  string
}

func (p Problem) String() string { return fmt.Sprintf("%s: %s: %s", p.Pos, p.Name, p.Why) }

// pkg is what one directory's non-test files declare, and their comments.
type pkg struct {
	unexported map[string]bool            // camelCase top-level functions, methods and types
	members    map[string]map[string]bool // type name -> fields and methods
	embeds     map[string][]string        // type name -> the type names it embeds
	userDocs   []*ast.CommentGroup        // the package doc and exported declarations' docs
	comments   []*ast.CommentGroup        // every comment
}

// camel matches identifiers of two humps or more (GetSecretValue), and
// lowerCamel unexported ones (stepLocked).
var (
	camel       = regexp.MustCompile(`\b[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]*)+\b`)
	lowerCamel  = regexp.MustCompile(`\b[a-z]+[A-Z][A-Za-z0-9]*\b`)
	selector    = regexp.MustCompile(`\b([A-Z][A-Za-z0-9]*)\.([A-Z][A-Za-z0-9]*)\b`)
	codeQuoted  = regexp.MustCompile("`[^`]*`")
	urlOrPathRe = regexp.MustCompile(`\S*[/:]\S*`)
)

// Check reads the Go files under root (not tests, which it reads only for
// the names of their functions; not testdata) and
// reports the names their comments use that the code does not have, except
// the words in external: AWS, SDK and standard-library names.
func Check(root string, external map[string]bool) ([]Problem, error) {
	fset := token.NewFileSet()
	known := map[string]bool{}
	pkgs := map[string]*pkg{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ParseComments)
		if err != nil {
			return err
		}
		if strings.HasSuffix(path, "_test.go") {
			// A comment may name a test; tests' own comments are not read.
			for _, d := range f.Decls {
				if fn, ok := d.(*ast.FuncDecl); ok {
					known[fn.Name.Name] = true
				}
			}
			return nil
		}
		dir := filepath.Dir(path)
		if pkgs[dir] == nil {
			pkgs[dir] = &pkg{unexported: map[string]bool{}, members: map[string]map[string]bool{}, embeds: map[string][]string{}}
		}
		pkgs[dir].add(f)
		ast.Inspect(f, func(n ast.Node) bool {
			if id, ok := n.(*ast.Ident); ok {
				known[id.Name] = true
			}
			return true
		})
		return nil
	})
	if err != nil {
		return nil, err
	}
	members := allMembers(pkgs)
	var out []Problem
	at := func(cg *ast.CommentGroup) string {
		p := fset.Position(cg.Pos())
		rel, _ := filepath.Rel(root, p.Filename)
		return fmt.Sprintf("%s:%d", rel, p.Line)
	}
	for _, p := range pkgs {
		for _, cg := range p.comments {
			text := plain(cg.Text())
			for _, w := range camel.FindAllString(text, -1) {
				singular := strings.TrimSuffix(w, "s")
				if !known[w] && !external[w] && !known[singular] && !external[singular] {
					out = append(out, Problem{at(cg), w, "named in a comment, declared nowhere in the module"})
				}
			}
			for _, m := range selector.FindAllStringSubmatch(text, -1) {
				if has, ok := members[m[1]]; ok && !has[m[2]] {
					out = append(out, Problem{at(cg), m[0], m[1] + " has no field or method " + m[2]})
				}
			}
		}
		for _, cg := range p.userDocs {
			for _, w := range lowerCamel.FindAllString(plain(cg.Text()), -1) {
				if p.unexported[w] {
					out = append(out, Problem{at(cg), w, "unexported, named in documentation users read"})
				}
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Pos < out[j].Pos })
	return out, nil
}

// plain drops from a comment's text what is not prose: quoted code, URLs,
// paths and ARNs.
func plain(text string) string {
	text = codeQuoted.ReplaceAllString(text, " ")
	var lines []string
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, "\t") || strings.HasPrefix(l, "    ") {
			continue // a code block
		}
		lines = append(lines, urlOrPathRe.ReplaceAllStringFunc(l, func(w string) string {
			if selector.MatchString(strings.TrimRight(w, ".,:;)")) && !strings.ContainsAny(w, "/:") {
				return w
			}
			return " "
		}))
	}
	return strings.Join(lines, "\n")
}

func (p *pkg) add(f *ast.File) {
	if f.Doc != nil {
		p.userDocs = append(p.userDocs, f.Doc)
	}
	p.comments = append(p.comments, f.Comments...)
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			p.addFunc(d)
		case *ast.GenDecl:
			p.addGen(d)
		}
	}
}

func (p *pkg) addFunc(d *ast.FuncDecl) {
	name := d.Name.Name
	if d.Recv != nil && len(d.Recv.List) == 1 {
		recv := typeName(d.Recv.List[0].Type)
		p.member(recv, name)
		if ast.IsExported(name) && ast.IsExported(recv) && d.Doc != nil {
			p.userDocs = append(p.userDocs, d.Doc)
		}
	} else if ast.IsExported(name) && d.Doc != nil {
		p.userDocs = append(p.userDocs, d.Doc)
	}
	if !ast.IsExported(name) && hasUpper(name) {
		p.unexported[name] = true
	}
}

func (p *pkg) addGen(d *ast.GenDecl) {
	for _, spec := range d.Specs {
		switch s := spec.(type) {
		case *ast.TypeSpec:
			if !ast.IsExported(s.Name.Name) {
				if hasUpper(s.Name.Name) {
					p.unexported[s.Name.Name] = true
				}
				continue
			}
			if d.Doc != nil {
				p.userDocs = append(p.userDocs, d.Doc)
			}
			if s.Doc != nil {
				p.userDocs = append(p.userDocs, s.Doc)
			}
			p.addFields(s)
		case *ast.ValueSpec:
			if len(s.Names) > 0 && ast.IsExported(s.Names[0].Name) && d.Doc != nil {
				p.userDocs = append(p.userDocs, d.Doc)
			}
		}
	}
}

// addFields records the fields of an exported struct or interface type,
// and the doc comments of its exported fields.
func (p *pkg) addFields(s *ast.TypeSpec) {
	name := s.Name.Name
	p.member(name, "")
	var fields []*ast.Field
	switch t := s.Type.(type) {
	case *ast.StructType:
		fields = t.Fields.List
	case *ast.InterfaceType:
		fields = t.Methods.List
	}
	for _, f := range fields {
		if len(f.Names) == 0 {
			p.embeds[name] = append(p.embeds[name], typeName(f.Type))
			p.member(name, typeName(f.Type))
			continue
		}
		for _, n := range f.Names {
			p.member(name, n.Name)
			if ast.IsExported(n.Name) && f.Doc != nil {
				p.userDocs = append(p.userDocs, f.Doc)
			}
		}
	}
}

func (p *pkg) member(typ, name string) {
	if p.members[typ] == nil {
		p.members[typ] = map[string]bool{}
	}
	if name != "" {
		p.members[typ][name] = true
	}
}

// allMembers merges the members of every package's types by type name,
// with those of the types each embeds. A type name declared in several
// packages (Options) takes the members of all of them: a check by name
// cannot tell them apart, and must not report what one of them has.
func allMembers(pkgs map[string]*pkg) map[string]map[string]bool {
	out := map[string]map[string]bool{}
	embeds := map[string][]string{}
	for _, p := range pkgs {
		for typ, ms := range p.members {
			if out[typ] == nil {
				out[typ] = map[string]bool{}
			}
			for m := range ms {
				out[typ][m] = true
			}
		}
		for typ, es := range p.embeds {
			embeds[typ] = append(embeds[typ], es...)
		}
	}
	for range 3 { // embedding chains are short
		for typ, es := range embeds {
			for _, e := range es {
				for m := range out[e] {
					out[typ][m] = true
				}
			}
		}
	}
	return out
}

// typeName returns the name of a type expression: T, *T, pkg.T, T[K, V].
func typeName(e ast.Expr) string {
	switch t := e.(type) {
	case *ast.Ident:
		return t.Name
	case *ast.StarExpr:
		return typeName(t.X)
	case *ast.SelectorExpr:
		return t.Sel.Name
	case *ast.IndexExpr:
		return typeName(t.X)
	case *ast.IndexListExpr:
		return typeName(t.X)
	}
	return ""
}

func hasUpper(s string) bool {
	return strings.IndexFunc(s, unicode.IsUpper) >= 0
}
