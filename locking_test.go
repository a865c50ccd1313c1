package gregor_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// LOCKING.md lists every mutex with its place in the lock order. This
// test keeps the list and the code in step: a mutex added without a row,
// or a row whose mutex is gone, fails it, and so does a mutex at package
// level, which every cluster in the process would share.
func TestLockingDocListsEveryMutex(t *testing.T) {
	declared, global := declaredMutexes(t, ".")
	for _, name := range global {
		t.Errorf("%s is a package-level mutex: clusters share no global state, so it belongs in a struct (Cluster, Broker, ...)", name)
	}
	doc, err := os.ReadFile("LOCKING.md")
	if err != nil {
		t.Fatal(err)
	}
	listed := listedMutexes(string(doc))
	for _, name := range declared {
		if !slices.Contains(listed, name) {
			t.Errorf("mutex %s is not in LOCKING.md: add a row saying what it guards and where it sits in the order", name)
		}
	}
	for _, name := range listed {
		if !slices.Contains(declared, name) {
			t.Errorf("LOCKING.md lists %s, which the code no longer declares", name)
		}
	}
	if len(declared) == 0 {
		t.Fatal("found no mutexes at all; is the test running at the module root?")
	}
}

// declaredMutexes returns, as package.Type.field, every sync.Mutex and
// sync.RWMutex field of a named struct in the module's non-test code, and
// separately every package-level mutex variable.
func declaredMutexes(t *testing.T, root string) (fields, globals []string) {
	t.Helper()
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		pkg := f.Name.Name
		for _, decl := range f.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok {
				continue
			}
			for _, spec := range gd.Specs {
				switch s := spec.(type) {
				case *ast.TypeSpec:
					st, ok := s.Type.(*ast.StructType)
					if !ok {
						continue
					}
					for _, field := range st.Fields.List {
						if !isMutex(field.Type) {
							continue
						}
						for _, n := range field.Names {
							fields = append(fields, pkg+"."+s.Name.Name+"."+n.Name)
						}
					}
				case *ast.ValueSpec:
					if isMutex(s.Type) {
						for _, n := range s.Names {
							globals = append(globals, pkg+"."+n.Name+" ("+path+")")
						}
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return fields, globals
}

func isMutex(e ast.Expr) bool {
	sel, ok := e.(*ast.SelectorExpr)
	if !ok {
		return false
	}
	x, ok := sel.X.(*ast.Ident)
	return ok && x.Name == "sync" && (sel.Sel.Name == "Mutex" || sel.Sel.Name == "RWMutex")
}

// listedMutexes returns the package.Type.field names in the lock column
// of LOCKING.md's order table.
func listedMutexes(doc string) []string {
	name := regexp.MustCompile("`([a-z]+\\.[A-Za-z]+\\.[A-Za-z]+)`")
	var out []string
	for _, line := range strings.Split(doc, "\n") {
		cols := strings.Split(line, "|")
		// | # | lock | guards | why |
		if len(cols) < 4 || strings.TrimSpace(cols[1]) == "#" {
			continue
		}
		for _, m := range name.FindAllStringSubmatch(cols[2], -1) {
			out = append(out, m[1])
		}
	}
	return out
}
