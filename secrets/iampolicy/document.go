package iampolicy

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// PolicyVersion is the policy language version every document uses.
const PolicyVersion = "2012-10-17"

// Document is an IAM policy document. Marshalled with encoding/json it is
// the JSON that IAM takes, its statements and their lists in a fixed order.
type Document struct {
	Version   string
	Statement []Statement
}

// Statement is one statement of a policy. Principal is set in key policy
// statements only.
type Statement struct {
	Sid       string `json:",omitempty"`
	Effect    string
	Principal *Principal `json:",omitempty"`
	Action    List
	Resource  List
	Condition Condition `json:",omitempty"`
}

// Principal names the role a key policy statement grants.
type Principal struct {
	AWS string
}

// Condition maps a condition operator (StringEquals, StringLike) to
// condition keys and the values each may take. encoding/json writes map
// keys sorted, so its JSON is deterministic.
type Condition map[string]map[string]List

// List is a policy element that is a string or a list of strings: it
// marshals as a string when it holds one, as in policies written by hand.
type List []string

// MarshalJSON writes a one-element list as a string.
func (l List) MarshalJSON() ([]byte, error) {
	if len(l) == 1 {
		return json.Marshal(l[0])
	}
	return json.Marshal([]string(l))
}

// UnmarshalJSON reads a string or a list of strings.
func (l *List) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*l = List{s}
		return nil
	}
	var ss []string
	if err := json.Unmarshal(b, &ss); err != nil {
		return fmt.Errorf("iampolicy: want a string or a list of strings: %w", err)
	}
	*l = ss
	return nil
}

// JSON returns the document as indented JSON ending in a newline: the form
// of the policy files shipped with the examples.
func (d Document) JSON() []byte {
	return indentedJSON(d)
}

// JSON returns the key policy's statements as an indented JSON list ending
// in a newline, to add to the key's policy.
func (k KeyPolicy) JSON() []byte {
	return indentedJSON(k.Statement)
}

func indentedJSON(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	// Every field is a string, a list of strings or a map of them: encoding
	// cannot fail.
	if err := enc.Encode(v); err != nil {
		panic("iampolicy: " + err.Error())
	}
	return b.Bytes()
}
