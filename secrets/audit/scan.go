package audit

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws/arn"

	"github.com/secretref/secretref/internal/cfn"
)

// Scan reads one document (JSON or YAML) and reports every environment
// variable in it that looks like a plaintext secret. file names the
// document in the report. A document of no kind Scan reads gives an error
// wrapping ErrUnrecognized; no error quotes the document.
func Scan(file string, data []byte, opts Options) (*Report, error) {
	v, err := cfn.Decode(data)
	if err != nil {
		return nil, fmt.Errorf("audit: %s: %w", file, err)
	}
	root, _ := v.(map[string]any)
	r := &Report{File: file, Findings: []Finding{}}
	var vars []variable
	var at place
	switch {
	case isMap(root["Resources"]):
		r.Kind = CloudFormationTemplate
		vars = templateVariables(root)
	case isMap(root["taskDefinition"]) && isList(mapOf(root["taskDefinition"])["containerDefinitions"]):
		r.Kind = ECSTaskDefinition
		td := mapOf(root["taskDefinition"])
		vars, at = taskVariables(td, "taskDefinition.", variable.set), taskPlace(td)
	case isList(root["containerDefinitions"]):
		r.Kind = ECSTaskDefinition
		vars, at = taskVariables(root, "", variable.set), taskPlace(root)
	case isMap(root["Configuration"]) && isString(mapOf(root["Configuration"])["FunctionName"]):
		r.Kind = LambdaFunction
		fn := mapOf(root["Configuration"])
		vars, at = functionVariables(fn, "Configuration."), functionPlace(fn)
	case isString(root["FunctionName"]) || isString(root["FunctionArn"]):
		r.Kind = LambdaFunction
		vars, at = functionVariables(root, ""), functionPlace(root)
	default:
		return nil, fmt.Errorf("audit: %s: %w", file, ErrUnrecognized)
	}
	at = at.or(place{opts.Partition, opts.Region, opts.Account})
	if at.region == "" {
		at = at.or(cloudFormationPlace)
	} else {
		// Derive takes the partition from the region.
		at.account = cmp.Or(at.account, cloudFormationPlace.account)
	}
	for _, v := range vars {
		if f, ok := v.finding(at); ok {
			r.Findings = append(r.Findings, f)
		}
	}
	return r, nil
}

// variable is one environment variable of a document.
type variable struct {
	location string
	resource string // what it configures: a task family, a function, a template resource
	name     string
	value    string
	known    bool     // the document holds the value
	approx   bool     // ... with template substitutions: its length is not the deployed one
	isRef    bool     // the template sets it to a secret or parameter resource's name or ARN
	extra    []string // reasons from how a template sets it
	ecs      bool
	argument bool // a value in a container's command or entryPoint, name its option's
}

func (v variable) finding(at place) (Finding, bool) {
	var reasons []string
	switch {
	case v.isRef:
	case v.known && v.argument:
		reasons = classifyArgument(v.name, v.value)
	case v.known:
		reasons = classify(v.name, v.value)
	default:
		if kind := secretName(v.name); kind != "" {
			reasons = []string{nameReason(kind)}
		}
	}
	for _, r := range v.extra {
		if !slices.Contains(reasons, r) {
			reasons = append(reasons, r)
		}
	}
	if len(reasons) == 0 {
		return Finding{}, false
	}
	f := Finding{Location: v.location, Variable: v.name, Reasons: reasons, Fix: proposeFix(v, reasons, at)}
	if v.known && !v.approx {
		n := len(v.value)
		f.Length = &n
	}
	return f, true
}

// taskVariables returns the environment of each container of an ECS task
// definition, and the values in its command and entryPoint, in the field
// names of the ECS API or, in a template, of CloudFormation. Its "secrets"
// are already the fix, and are not read.
func taskVariables(td map[string]any, prefix string, eval evalFunc) []variable {
	family := str(td, "family", "Family")
	cdKey := keyOf(td, "containerDefinitions", "ContainerDefinitions")
	var out []variable
	for i, c := range listOf(td[cdKey]) {
		c := mapOf(c)
		resource := family
		if resource == "" {
			resource = str(c, "name", "Name")
		}
		envKey := keyOf(c, "environment", "Environment")
		for j, e := range listOf(c[envKey]) {
			e := mapOf(e)
			name := str(e, "name", "Name")
			if name == "" {
				continue
			}
			out = append(out, eval(variable{
				location: fmt.Sprintf("%s%s[%d].%s[%d]", prefix, cdKey, i, envKey, j),
				resource: resource, name: name, ecs: true,
			}, first(e, "value", "Value")))
		}
		out = append(out, argumentVariables(c, fmt.Sprintf("%s%s[%d].", prefix, cdKey, i), resource, eval)...)
	}
	return out
}

// functionVariables returns a Lambda function configuration's environment.
func functionVariables(fn map[string]any, prefix string) []variable {
	vars := mapOf(mapOf(fn["Environment"])["Variables"])
	var out []variable
	for _, name := range sortedKeys(vars) {
		out = append(out, variable{location: prefix + "Environment.Variables." + name, resource: str(fn, "FunctionName"), name: name}.set(vars[name]))
	}
	return out
}

// place is where fixes put secrets: the fields of an ARN before the
// resource.
type place struct{ partition, region, account string }

func (p place) or(q place) place {
	if p.partition == "" {
		p.partition = q.partition
	}
	if p.region == "" {
		p.region = q.region
	}
	if p.account == "" {
		p.account = q.account
	}
	return p
}

// cloudFormationPlace is where a template is deployed, in its own words.
var cloudFormationPlace = place{"${AWS::Partition}", "${AWS::Region}", "${AWS::AccountId}"}

// ecrImage finds the account and region of an image in ECR.
var ecrImage = regexp.MustCompile(`^([0-9]{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com`)

// taskPlace finds where a task definition is deployed, from its ARNs,
// images and log configuration.
func taskPlace(td map[string]any) place {
	var p place
	for _, k := range []string{"taskDefinitionArn", "taskRoleArn", "executionRoleArn"} {
		p = p.or(arnPlace(str(td, k)))
	}
	for _, c := range listOf(td["containerDefinitions"]) {
		c := mapOf(c)
		if m := ecrImage.FindStringSubmatch(str(c, "image")); m != nil {
			p = p.or(place{account: m[1], region: m[2]})
		}
		p = p.or(place{region: str(mapOf(mapOf(c["logConfiguration"])["options"]), "awslogs-region")})
	}
	return p
}

func functionPlace(fn map[string]any) place {
	return arnPlace(str(fn, "FunctionArn")).or(arnPlace(str(fn, "Role")))
}

func arnPlace(s string) place {
	a, err := arn.Parse(s)
	if err != nil {
		return place{}
	}
	return place{a.Partition, a.Region, a.AccountID}
}

func isMap(v any) bool    { _, ok := v.(map[string]any); return ok }
func isList(v any) bool   { _, ok := v.([]any); return ok }
func isString(v any) bool { _, ok := v.(string); return ok }

func mapOf(v any) map[string]any { m, _ := v.(map[string]any); return m }
func listOf(v any) []any         { l, _ := v.([]any); return l }

// first returns the value of the first of keys that m has.
func first(m map[string]any, keys ...string) any {
	for _, k := range keys {
		if v, ok := m[k]; ok {
			return v
		}
	}
	return nil
}

func str(m map[string]any, keys ...string) string {
	s, _ := first(m, keys...).(string)
	return s
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// keyOf returns the first of keys that m has, or the first key.
func keyOf(m map[string]any, keys ...string) string {
	for _, k := range keys {
		if _, ok := m[k]; ok {
			return k
		}
	}
	return keys[0]
}

// evalFunc sets a variable's value from the document's expression for it.
type evalFunc func(v variable, expr any) variable

// set gives v the value a document holds, when it is a string.
func (v variable) set(value any) variable {
	v.value, v.known = value.(string)
	return v
}
