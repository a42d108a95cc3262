package cfn

import (
	"reflect"
	"strings"
	"testing"
)

func TestDecode(t *testing.T) {
	tests := []struct {
		name, doc string
		want      any
	}{
		{"short forms", `
A: !Ref P
B: !Sub "x-${P}"
C: !GetAtt Res.Attr.Sub
D: !Join [",", [a, !Ref P]]
E: 8080
F: true
G: ~
`, map[string]any{
			"A": map[string]any{"Ref": "P"},
			"B": map[string]any{"Fn::Sub": "x-${P}"},
			"C": map[string]any{"Fn::GetAtt": []any{"Res", "Attr.Sub"}},
			"D": map[string]any{"Fn::Join": []any{",", []any{"a", map[string]any{"Ref": "P"}}}},
			"E": "8080", "F": "true", "G": nil,
		}},
		{"JSON, numbers and booleans as text", `{"A": {"Ref": "P"}, "B": [1.5, false, null]}`,
			map[string]any{"A": map[string]any{"Ref": "P"}, "B": []any{"1.5", "false", nil}}},
		{"aliases", "a: &x [1, 2]\nb: *x\n", map[string]any{"a": []any{"1", "2"}, "b": []any{"1", "2"}}},
		{"empty", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Decode([]byte(tt.doc))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %#v\nwant %#v", got, tt.want)
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	// Each level doubles the values the aliases expand to.
	var bomb strings.Builder
	bomb.WriteString("a0: &a0 [x, x]\n")
	for i := 1; i < 30; i++ {
		bomb.WriteString("a" + itoa(i) + ": &a" + itoa(i) + " [*a" + itoa(i-1) + ", *a" + itoa(i-1) + "]\n")
	}
	for name, doc := range map[string]string{
		"not YAML":           "a: [",
		"not JSON":           `{"a": }`,
		"two JSON values":    `{} {}`,
		"alias bomb":         bomb.String(),
		"a non-scalar key":   "? [a]\n: b\n",
		"too deep in a YAML": "a: " + strings.Repeat("[", 600) + strings.Repeat("]", 600) + "\n",
	} {
		if _, err := Decode([]byte(doc)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func itoa(i int) string { return string(rune('0'+i/10)) + string(rune('0'+i%10)) }

func TestResolve(t *testing.T) {
	values := map[string]string{"P": "v", "AWS::Region": "eu-west-1"}
	tests := []struct {
		in, want any
	}{
		{map[string]any{"Ref": "P"}, "v"},
		{map[string]any{"Ref": "Unknown"}, map[string]any{"Ref": "Unknown"}},
		{map[string]any{"Fn::Sub": "a-${P}-${AWS::Region}-${!Lit}"}, "a-v-eu-west-1-${Lit}"},
		{map[string]any{"Fn::Sub": []any{"${X}/${P}", map[string]any{"X": map[string]any{"Ref": "P"}}}}, "v/v"},
		{map[string]any{"Fn::Sub": "${Unknown}"}, map[string]any{"Fn::Sub": "${Unknown}"}},
		{map[string]any{"Fn::Join": []any{":", []any{"a", map[string]any{"Ref": "P"}}}}, "a:v"},
		{map[string]any{"Fn::GetAtt": []any{"R", "A"}}, map[string]any{"Fn::GetAtt": []any{"R", "A"}}},
		{[]any{map[string]any{"K": map[string]any{"Ref": "P"}}}, []any{map[string]any{"K": "v"}}},
	}
	for _, tt := range tests {
		if got := Resolve(tt.in, values); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Resolve(%v) = %#v, want %#v", tt.in, got, tt.want)
		}
	}
}
