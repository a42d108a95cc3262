package secrets

import (
	"context"
	"errors"
	"fmt"
	"os"
	"reflect"
	"slices"
	"strings"
)

// FieldError is the error of one struct field that Load could not fill. Its
// message names the field, the reference and the problem, never the value.
type FieldError struct {
	Field string // the field's path from the struct Load was given, like "Config.DB.Password"
	Ref   string // the reference in the field's tag
	Err   error  // the cause: a *RefError, or ErrInvalidValue for a value that does not convert
}

func (e *FieldError) Error() string {
	return fmt.Sprintf("secrets: field %s (%q): %v", e.Field, e.Ref, e.Err)
}

func (e *FieldError) Unwrap() error { return e.Err }

// target is one tagged field to fill.
type target struct {
	path     string
	ref      string
	optional bool
	field    reflect.Value // settable
}

// Load fills the struct dst points to from the `secret` tags of its fields,
// fetching every reference with one GetMany:
//
//	type Config struct {
//		DBUser     string        `secret:"sm:prod/db#username"`
//		DBPassword secrets.Value `secret:"sm:prod/db#password"`
//		APIKey     []byte        `secret:"/prod/payments/api-key"`
//		Timeout    time.Duration `secret:"/prod/payments/timeout"`
//		Optional   string        `secret:"/prod/feature/x,optional"`
//	}
//
// A tag may take its reference, or part of it, from the environment, where
// an ECS task definition or a Lambda function's configuration puts it:
// `secret:"${DB_SECRET_REF}#password"` reads the field password of the
// secret whose reference DB_SECRET_REF holds. A variable that is not set is
// an error naming it and the field.
//
// A tagged field may be a string, []byte, Value, bool, any int, uint or
// float kind, time.Duration (parsed by time.ParseDuration), or a struct or
// pointer to a struct (the value is decoded as JSON into it). Untagged
// struct fields, and pointers to structs, are filled recursively. With
// ",optional", a reference that does not exist leaves the field as it is.
//
// Load changes dst only when it can fill every field. Otherwise it returns
// the errors of all failing fields joined, each a *FieldError naming the
// field and the reference, and for a value that does not convert, the Go
// type, never the value.
func (c *Client) Load(ctx context.Context, dst any) error {
	if ctx == nil {
		return nilContext("")
	}
	rv := reflect.ValueOf(dst)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("secrets: %w: Load needs a non-nil pointer to a struct, not %T", ErrInvalidArgument, dst)
	}
	var col collector
	root := rv.Elem()
	col.collect(root, root.Type().Name(), nil)
	if len(col.errs) > 0 {
		return errors.Join(col.errs...)
	}
	targets, links := col.targets, col.links
	refs := make([]string, 0, len(targets))
	for _, t := range targets {
		refs = append(refs, t.ref)
	}
	vals, err := c.GetMany(ctx, refs...)
	causes := refErrors(err)

	var errs []error
	converted := make([]reflect.Value, len(targets))
	for i, t := range targets {
		v, ok := vals[t.ref]
		if !ok {
			cause := causes[t.ref]
			if t.optional && (errors.Is(cause, ErrNotFound) || errors.Is(cause, ErrKeyNotFound)) {
				continue
			}
			errs = append(errs, &FieldError{Field: t.path, Ref: t.ref, Err: cause})
			continue
		}
		out := reflect.New(t.field.Type()).Elem()
		if err := convert(v, out); err != nil {
			errs = append(errs, &FieldError{Field: t.path, Ref: t.ref, Err: err})
			continue
		}
		converted[i] = out
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	for i, t := range targets {
		if converted[i].IsValid() {
			t.field.Set(converted[i])
		}
	}
	for _, link := range links {
		link()
	}
	return nil
}

// refErrors indexes the *RefErrors that GetMany joined by reference.
func refErrors(err error) map[string]error {
	out := map[string]error{}
	if err == nil {
		return out
	}
	list := []error{err}
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		list = joined.Unwrap()
	}
	for _, e := range list {
		var re *RefError
		if errors.As(e, &re) {
			out[re.Ref] = e
		}
	}
	return out
}

var valueType = reflect.TypeFor[Value]()

// collector gathers the tagged fields of a struct and what is wrong with
// their tags: every tag's error, not only the first.
type collector struct {
	targets []target
	links   []func() // pointer fields to set once everything converted
	errs    []error
}

// collect finds the tagged fields of the struct v (named path), recursing
// into untagged struct and pointer-to-struct fields. A nil pointer is given
// a new struct, linked into v only when Load succeeds and the struct has a
// tagged field. onPath holds the struct types being walked, so that a
// recursive type ends the walk.
func (col *collector) collect(v reflect.Value, path string, onPath []reflect.Type) {
	t := v.Type()
	if slices.Contains(onPath, t) {
		return
	}
	onPath = append(onPath, t)
	for i := range t.NumField() {
		sf := t.Field(i)
		fv := v.Field(i)
		name := path + "." + sf.Name
		if tag, tagged := sf.Tag.Lookup("secret"); tagged {
			tg, err := parseTag(name, tag, sf)
			if err != nil {
				col.errs = append(col.errs, err)
				continue
			}
			tg.field = fv
			col.targets = append(col.targets, tg)
			continue
		}
		if sf.IsExported() {
			col.nested(fv, sf, name, onPath)
		}
	}
}

// nested collects the fields of the untagged field fv (sf, named name) when
// it is a struct or a pointer to one.
func (col *collector) nested(fv reflect.Value, sf reflect.StructField, name string, onPath []reflect.Type) {
	switch {
	case sf.Type.Kind() == reflect.Struct && sf.Type != valueType:
		col.collect(fv, name, onPath)
	case sf.Type.Kind() == reflect.Pointer && sf.Type.Elem().Kind() == reflect.Struct && sf.Type.Elem() != valueType:
		if !fv.IsNil() {
			col.collect(fv.Elem(), name, onPath)
			return
		}
		fresh := reflect.New(sf.Type.Elem())
		before := len(col.targets)
		col.collect(fresh.Elem(), name, onPath)
		if len(col.targets) > before {
			col.links = append(col.links, func() { fv.Set(fresh) })
		}
	}
}

// parseTag parses `secret:"REFERENCE[,optional]"` on field sf, expanding
// ${VARIABLE}s in REFERENCE.
func parseTag(name, tag string, sf reflect.StructField) (target, error) {
	ref, opts, _ := strings.Cut(tag, ",")
	bad := func(format string, args ...any) (target, error) {
		return target{}, fmt.Errorf("secrets: %w: field %s: "+format, append([]any{ErrInvalidArgument, name}, args...)...)
	}
	ref, err := expandEnv(ref)
	if err != nil {
		return bad("%v", err)
	}
	t := target{path: name, ref: ref}
	switch {
	case !sf.IsExported():
		return bad("a tagged field must be exported")
	case ref == "":
		return bad("empty reference in its secret tag")
	case !convertible(sf.Type):
		return bad("Load cannot fill a %s", sf.Type)
	}
	for opt := range strings.SplitSeq(opts, ",") {
		switch opt {
		case "":
		case "optional":
			t.optional = true
		default:
			return bad("unknown secret tag option %q", opt)
		}
	}
	return t, nil
}

// expandEnv replaces each ${VARIABLE} in ref with the variable's value. An
// unset or empty variable, or a malformed ${...}, is an error naming it.
func expandEnv(ref string) (string, error) {
	var b strings.Builder
	for {
		before, after, found := strings.Cut(ref, "${")
		b.WriteString(before)
		if !found {
			return b.String(), nil
		}
		name, rest, closed := strings.Cut(after, "}")
		if !closed || !isEnvName(name) {
			return "", fmt.Errorf("malformed ${...} in its secret tag: want ${VARIABLE}")
		}
		v := os.Getenv(name)
		if v == "" {
			return "", fmt.Errorf("environment variable %s is not set; it must hold the reference", name)
		}
		b.WriteString(v)
		ref = rest
	}
}
