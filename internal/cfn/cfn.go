// Package cfn reads CloudFormation and SAM templates, and the JSON
// documents the AWS CLI prints, into plain Go values, and resolves the
// intrinsic functions whose inputs are known.
//
// YAML templates write intrinsic functions in short form (!Ref X,
// !Sub "...", !GetAtt A.B); Decode turns each into the long form JSON
// templates use ({"Ref": "X"}, {"Fn::Sub": "..."}, {"Fn::GetAtt": ["A",
// "B"]}), so the two read the same.
package cfn

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"
)

// maxNodes bounds the values one document may expand to, YAML aliases
// included, so that a small file cannot make Decode build a huge tree.
const maxNodes = 1 << 20

// Decode reads a JSON or YAML document into nested map[string]any, []any,
// string (every scalar, numbers and booleans as written) and nil values.
func Decode(data []byte) (any, error) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '[') {
		return decodeJSON(trimmed)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("not JSON or YAML%s", yamlLine(err))
	}
	d := decoder{budget: maxNodes}
	return d.node(&doc, 0)
}

func decodeJSON(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		// A parser's message may quote the input, which may be a secret:
		// say where, not what.
		var syntax *json.SyntaxError
		if errors.As(err, &syntax) {
			return nil, fmt.Errorf("not JSON (at byte %d)", syntax.Offset)
		}
		return nil, errors.New("not JSON (it ends too early)")
	}
	if dec.More() {
		return nil, errors.New("not JSON: more than one value")
	}
	return plainJSON(v), nil
}

// plainJSON turns numbers and booleans into their text, as Decode gives
// YAML scalars.
func plainJSON(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			v[k] = plainJSON(e)
		}
	case []any:
		for i, e := range v {
			v[i] = plainJSON(e)
		}
	case json.Number:
		return v.String()
	case bool:
		if v {
			return "true"
		}
		return "false"
	}
	return v
}

// yamlLinePattern finds the line a YAML parser error names.
var yamlLinePattern = regexp.MustCompile(`line ([0-9]+)`)

// yamlLine returns " (line N)" for an error that names a line. The rest of
// the parser's message is left out: it may quote the input.
func yamlLine(err error) string {
	if m := yamlLinePattern.FindStringSubmatch(err.Error()); m != nil {
		return " (line " + m[1] + ")"
	}
	return ""
}

type decoder struct{ budget int }

// maxDepth bounds nesting, aliases included.
const maxDepth = 512

func (d *decoder) node(n *yaml.Node, depth int) (any, error) {
	d.budget--
	if d.budget < 0 {
		return nil, errors.New("document expands to too many values")
	}
	if depth > maxDepth {
		return nil, errors.New("document nested too deep")
	}
	var v any
	switch n.Kind {
	case 0: // an empty document
		return nil, nil
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return d.node(n.Content[0], depth+1)
	case yaml.AliasNode:
		return d.node(n.Alias, depth+1)
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			v = nil
		} else {
			v = n.Value
		}
	case yaml.SequenceNode:
		list := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			e, err := d.node(c, depth+1)
			if err != nil {
				return nil, err
			}
			list = append(list, e)
		}
		v = list
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, err := d.node(n.Content[i], depth+1)
			if err != nil {
				return nil, err
			}
			key, ok := k.(string)
			if !ok {
				return nil, fmt.Errorf("line %d: a mapping key that is not a scalar", n.Content[i].Line)
			}
			e, err := d.node(n.Content[i+1], depth+1)
			if err != nil {
				return nil, err
			}
			m[key] = e
		}
		v = m
	default:
		return nil, fmt.Errorf("line %d: unexpected YAML node", n.Line)
	}
	return longForm(n, v), nil
}

// longForm wraps v in the intrinsic function that n's short-form tag names.
func longForm(n *yaml.Node, v any) any {
	tag, ok := strings.CutPrefix(n.Tag, "!")
	if !ok || strings.HasPrefix(tag, "!") || tag == "" {
		return v // untagged, or a standard YAML tag (!!str, !!int, ...)
	}
	switch tag {
	case "Ref", "Condition":
		return map[string]any{tag: v}
	case "GetAtt":
		// !GetAtt Resource.Attribute; the attribute may have dots itself.
		if s, ok := v.(string); ok {
			res, attr, _ := strings.Cut(s, ".")
			v = []any{res, attr}
		}
	}
	return map[string]any{"Fn::" + tag: v}
}
