package audit

import (
	"cmp"
	"fmt"
	"regexp"
	"strings"
)

// argumentName names a value in an argument that no option names.
const argumentName = "argument"

// assignment matches NAME=VALUE, as a shell command sets a variable.
var assignment = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*=`)

// argumentVariables returns the values in a container's entryPoint and
// command, which ecs:DescribeTaskDefinition shows as it shows its
// environment: --name=value and -name=value, NAME=value (a shell's
// assignment), --name value where the name says it holds a secret, and
// every other argument, named after the option before it, which is looked
// at by its format. An argument with spaces (sh -c "...") is split as a
// shell splits it, quotes respected.
func argumentVariables(c map[string]any, prefix, resource string, eval evalFunc) []variable {
	var out []variable
	for _, keys := range [][2]string{{"entryPoint", "EntryPoint"}, {"command", "Command"}} {
		key := keyOf(c, keys[0], keys[1])
		var tokens []argToken
		for j, expr := range listOf(c[key]) {
			v := eval(variable{location: fmt.Sprintf("%s%s[%d]", prefix, key, j), resource: resource, name: argumentName, ecs: true, argument: true}, expr)
			switch {
			case len(v.extra) > 0:
				// Set by a dynamic reference or a NoEcho parameter: the
				// whole argument is the finding.
				out = append(out, v)
			case !v.known:
			case strings.ContainsAny(v.value, " \t\n"):
				for _, f := range shellFields(v.value) {
					tokens = append(tokens, argToken{v, f})
				}
			default:
				tokens = append(tokens, argToken{v, v.value})
			}
		}
		out = append(out, parseArguments(tokens)...)
	}
	return out
}

// argToken is one word of a command, and the argument it is in.
type argToken struct {
	v    variable
	text string
}

func (t argToken) named(name, value string) variable {
	v := t.v
	v.name, v.value = name, value
	return v
}

// parseArguments returns the values of a command's words, each named.
func parseArguments(tokens []argToken) []variable {
	var out []variable
	option := ""
	for k := 0; k < len(tokens); k++ {
		t := tokens[k]
		name, value, hasValue := strings.Cut(t.text, "=")
		switch {
		case hasValue && (strings.HasPrefix(name, "-") || assignment.MatchString(t.text)):
			out = append(out, t.named(name, value))
			option = ""
		case strings.HasPrefix(t.text, "-") && k+1 < len(tokens) && !strings.HasPrefix(tokens[k+1].text, "-") && secretName(t.text) != "":
			out = append(out, tokens[k+1].named(t.text, tokens[k+1].text))
			k++
			option = ""
		case strings.HasPrefix(t.text, "-"):
			option = t.text
		default:
			out = append(out, t.named(cmp.Or(option, argumentName), t.text))
			option = ""
		}
	}
	return out
}

// shellFields splits s into words as a POSIX shell does, for what matters
// here: at unquoted blanks, with '...' and "..." quoting and a backslash
// escaping the next character outside single quotes.
func shellFields(s string) []string {
	var out []string
	var cur strings.Builder
	inWord := false
	var quote rune
	escaped := false
	for _, r := range s {
		switch {
		case escaped:
			cur.WriteRune(r)
			escaped = false
		case r == '\\' && quote != '\'':
			escaped, inWord = true, true
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			cur.WriteRune(r)
		case r == '\'' || r == '"':
			quote, inWord = r, true
		case r == ' ' || r == '\t' || r == '\n':
			if inWord {
				out = append(out, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if inWord {
		out = append(out, cur.String())
	}
	return out
}
