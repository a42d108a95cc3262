package audit

import (
	"encoding/json"
	"slices"
	"strings"
)

// maxJSONDepth bounds how deep classify looks into JSON values, JSON in
// their strings included; maxJSONFields bounds the fields it looks at.
const (
	maxJSONDepth  = 8
	maxJSONFields = 512
)

// jsonFieldPrefix starts the reason for a secret in a field of a JSON
// value: the field's own reason follows. Neither the field's name nor its
// place is given: both come from the value.
const jsonFieldPrefix = "in a JSON field: "

// jsonReasons returns, when value is a JSON object or array, the reasons
// its fields give, each once: a field is looked at as a variable named
// after its key (its parent's, in an array), as classify does. ok is false
// when value is not a JSON object or array.
func jsonReasons(value string, depth int) (reasons []string, ok bool) {
	trimmed := strings.TrimSpace(value)
	if trimmed == "" || trimmed[0] != '{' && trimmed[0] != '[' {
		return nil, false
	}
	dec := json.NewDecoder(strings.NewReader(trimmed))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil || dec.More() {
		return nil, false
	}
	w := jsonWalk{depth: depth, budget: maxJSONFields}
	w.walk("", v, 0)
	return w.reasons, true
}

type jsonWalk struct {
	depth, budget int
	reasons       []string
}

func (w *jsonWalk) walk(key string, v any, level int) {
	if level > w.depth || w.budget <= 0 {
		return
	}
	switch v := v.(type) {
	case map[string]any:
		for _, k := range sortedKeys(v) {
			w.walk(k, v[k], level+1)
		}
	case []any:
		for _, e := range v {
			w.walk(key, e, level+1)
		}
	case string:
		w.field(key, v, level)
	case json.Number:
		// A number is a secret only where the key says so: a PIN, a
		// numeric password.
		if secretName(key) != "" {
			w.field(key, v.String(), level)
		}
	}
}

func (w *jsonWalk) field(key, value string, level int) {
	w.budget--
	for _, r := range classifyAt(key, value, w.depth-level, true) {
		if !strings.HasPrefix(r, jsonFieldPrefix) {
			r = jsonFieldPrefix + r
		}
		if !slices.Contains(w.reasons, r) {
			w.reasons = append(w.reasons, r)
		}
	}
}
