package audit

import (
	"slices"
	"strings"
)

// template is a CloudFormation or SAM template, decoded.
type template struct {
	parameters map[string]any
	resources  map[string]any
}

// Resource types whose Ref is the name or ARN of a secret or parameter:
// a variable set to one holds a reference.
var referenceTypes = map[string]bool{
	"AWS::SecretsManager::Secret": true,
	"AWS::SSM::Parameter":         true,
}

// templateVariables returns the environment of each Lambda function and ECS
// container of a template, in the order of the resources' logical ids.
func templateVariables(root map[string]any) []variable {
	t := template{parameters: mapOf(root["Parameters"]), resources: mapOf(root["Resources"])}
	var out []variable
	if vars := mapOf(mapOf(mapOf(mapOf(root["Globals"])["Function"])["Environment"])["Variables"]); vars != nil {
		out = append(out, t.functionVariables("Globals.Function.", "Globals", vars)...)
	}
	for _, id := range sortedKeys(t.resources) {
		res := mapOf(t.resources[id])
		props := mapOf(res["Properties"])
		prefix := "Resources." + id + ".Properties."
		switch res["Type"] {
		case "AWS::Lambda::Function", "AWS::Serverless::Function":
			name := id
			if s, ok := props["FunctionName"].(string); ok {
				name = s
			}
			out = append(out, t.functionVariables(prefix, name, mapOf(mapOf(props["Environment"])["Variables"]))...)
		case "AWS::ECS::TaskDefinition":
			if _, ok := props["Family"].(string); !ok {
				props = withFamily(props, id)
			}
			out = append(out, taskVariables(props, prefix, t.evaluate)...)
		}
	}
	return out
}

func (t template) functionVariables(prefix, resource string, vars map[string]any) []variable {
	var out []variable
	for _, name := range sortedKeys(vars) {
		v := variable{location: prefix + "Environment.Variables." + name, resource: resource, name: name}
		out = append(out, t.evaluate(v, vars[name]))
	}
	return out
}

// withFamily returns props with Family set to id, so that fixes name the
// secret after the resource.
func withFamily(props map[string]any, id string) map[string]any {
	out := make(map[string]any, len(props)+1)
	for k, v := range props {
		out[k] = v
	}
	out["Family"] = id
	return out
}

// evaluate sets what v's value is, from the template's value expression:
// a string, a Ref to a parameter (its default) or to a resource, an
// Fn::Sub, or a function whose result the template does not give.
func (t template) evaluate(v variable, expr any) variable {
	switch e := expr.(type) {
	case string:
		v.value, v.known = e, true
		v.extra = dynamicReasons(e)
	case map[string]any:
		if name, ok := e["Ref"].(string); ok && len(e) == 1 {
			return t.ref(v, name)
		}
		if sub, ok := e["Fn::Sub"]; ok && len(e) == 1 {
			return t.sub(v, sub)
		}
	}
	return v
}

func (t template) ref(v variable, name string) variable {
	if strings.HasPrefix(name, "AWS::") {
		v.value, v.known = "${"+name+"}", true
		return v
	}
	if p, ok := t.parameters[name].(map[string]any); ok {
		if noEcho(p) {
			v.extra = append(v.extra, ReasonNoEchoParameter)
		}
		if def, ok := p["Default"].(string); ok {
			v.value, v.known = def, true
			v.extra = append(v.extra, dynamicReasons(def)...)
		}
		return v
	}
	if r, ok := t.resources[name].(map[string]any); ok {
		v.isRef = referenceTypes[str(r, "Type")]
	}
	return v
}

// pseudoValues stand in for pseudo parameters, so that an Fn::Sub of an
// ARN reads as one.
var pseudoValues = map[string]string{
	"AWS::Partition": "aws", "AWS::Region": "us-east-1", "AWS::AccountId": "123456789012", "AWS::URLSuffix": "amazonaws.com",
}

// sub evaluates an Fn::Sub: parameters with defaults and pseudo parameters
// substituted; others left as ${NAME}, which reads as a placeholder.
func (t template) sub(v variable, arg any) variable {
	var tmpl string
	var vars map[string]any
	switch a := arg.(type) {
	case string:
		tmpl = a
	case []any:
		if len(a) == 2 {
			tmpl, _ = a[0].(string)
			vars = mapOf(a[1])
		}
	}
	v.extra = dynamicReasons(tmpl)
	orig := tmpl
	var b strings.Builder
	for {
		i := strings.Index(tmpl, "${")
		j := strings.IndexByte(tmpl[max(i, 0):], '}')
		if i < 0 || j < 0 {
			b.WriteString(tmpl)
			break
		}
		b.WriteString(tmpl[:i])
		name := tmpl[i+2 : i+j]
		tmpl = tmpl[i+j+1:]
		if _, ok := vars[name]; ok {
			b.WriteString("${" + name + "}")
			continue
		}
		if s, ok := pseudoValues[name]; ok {
			b.WriteString(s)
			continue
		}
		p, ok := t.parameters[name].(map[string]any)
		if ok && noEcho(p) && !slices.Contains(v.extra, ReasonNoEchoParameter) {
			v.extra = append(v.extra, ReasonNoEchoParameter)
		}
		if def, isStr := p["Default"].(string); ok && isStr {
			b.WriteString(def)
			v.extra = append(v.extra, dynamicReasons(def)...)
			continue
		}
		b.WriteString("${" + name + "}")
	}
	v.value, v.known, v.approx = b.String(), true, strings.Contains(orig, "${")
	return v
}

func noEcho(p map[string]any) bool {
	s, _ := p["NoEcho"].(string)
	return strings.EqualFold(s, "true")
}

// dynamicReasons flags a CloudFormation dynamic reference to a secret.
func dynamicReasons(s string) []string {
	if strings.Contains(s, "{{resolve:secretsmanager:") || strings.Contains(s, "{{resolve:ssm-secure:") {
		return []string{ReasonDynamicRef}
	}
	return nil
}
