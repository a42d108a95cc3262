package cfn

import "strings"

// Resolve returns v with each Ref, Fn::Sub and Fn::Join whose inputs are all
// in values (template parameters and pseudo parameters such as
// AWS::Region, by name) replaced by the string it gives. What it cannot
// resolve it leaves as it is, so the result may still hold functions.
func Resolve(v any, values map[string]string) any {
	switch v := v.(type) {
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = Resolve(e, values)
		}
		return out
	case map[string]any:
		if len(v) == 1 {
			for fn, arg := range v {
				if s, ok := intrinsic(fn, Resolve(arg, values), values); ok {
					return s
				}
			}
		}
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = Resolve(e, values)
		}
		return out
	}
	return v
}

// intrinsic evaluates fn of an already resolved arg.
func intrinsic(fn string, arg any, values map[string]string) (string, bool) {
	switch fn {
	case "Ref":
		name, ok := arg.(string)
		if !ok {
			return "", false
		}
		s, ok := values[name]
		return s, ok
	case "Fn::Sub":
		switch a := arg.(type) {
		case string:
			return sub(a, values, nil)
		case []any:
			if len(a) != 2 {
				return "", false
			}
			tmpl, ok1 := a[0].(string)
			vars, ok2 := a[1].(map[string]any)
			if !ok1 || !ok2 {
				return "", false
			}
			return sub(tmpl, values, vars)
		}
	case "Fn::Join":
		a, ok := arg.([]any)
		if !ok || len(a) != 2 {
			return "", false
		}
		sep, ok := a[0].(string)
		parts, ok2 := a[1].([]any)
		if !ok || !ok2 {
			return "", false
		}
		strs := make([]string, len(parts))
		for i, p := range parts {
			if strs[i], ok = p.(string); !ok {
				return "", false
			}
		}
		return strings.Join(strs, sep), true
	}
	return "", false
}

// sub substitutes ${NAME} in tmpl from vars, then values; ${!Literal}
// stands for ${Literal}. It fails when a name is known to neither.
func sub(tmpl string, values map[string]string, vars map[string]any) (string, bool) {
	var b strings.Builder
	for {
		i := strings.Index(tmpl, "${")
		if i < 0 {
			b.WriteString(tmpl)
			return b.String(), true
		}
		j := strings.IndexByte(tmpl[i:], '}')
		if j < 0 {
			b.WriteString(tmpl)
			return b.String(), true
		}
		b.WriteString(tmpl[:i])
		name := tmpl[i+2 : i+j]
		tmpl = tmpl[i+j+1:]
		if lit, ok := strings.CutPrefix(name, "!"); ok {
			b.WriteString("${" + lit + "}")
			continue
		}
		if v, ok := vars[name]; ok {
			s, ok := v.(string)
			if !ok {
				return "", false
			}
			b.WriteString(s)
			continue
		}
		s, ok := values[name]
		if !ok {
			return "", false
		}
		b.WriteString(s)
	}
}
