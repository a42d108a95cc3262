package secrets

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
)

// FuzzExtractKey checks the #key extraction on any value and key: it never
// panics; it fails only with ErrInvalidValue (binary, or not a JSON object)
// or ErrKeyNotFound, with a message that does not quote the value; and what
// it returns is the field as encoding/json reads it: a string field's text,
// any other field's JSON text.
func FuzzExtractKey(f *testing.F) {
	for _, s := range []struct {
		value  string
		key    string
		binary bool
	}{
		{`{"username":"app","password":"correct horse battery staple","port":5432}`, "password", false},
		{`{"username":"app","password":"correct horse battery staple","port":5432}`, "port", false},
		{`{"a":{"b":[1,2,{"c":true}]},"s":"\u00e9\ud83d\ude00\n"}`, "a", false},
		{`{"s":"\u00e9\ud83d\ude00\n"}`, "s", false},
		{` {"k" : "first" , "k":"second"} `, "k", false},
		{`{"big":1e400,"neg":-0.0e-7}`, "big", false},
		{`{"bad":"\ud800 lone surrogate","raw":"` + "\xff" + `"}`, "raw", false},
		{`{"":"empty key"}`, "", false},
		{`{"password":"x"}`, "missing", false},
		{`[1,2,3]`, "0", false},
		{`"a JSON string"`, "k", false},
		{`not JSON at all: correct horse`, "password", false},
		{`{"password":"x"} trailing`, "password", false},
		{"\x00\x01\xfe\xff binary secret", "password", true},
		{`{"password":"in a binary secret"}`, "password", true},
		{`null`, "k", false},       // unmarshals into a nil map without error
		{`{"k":null}`, "k", false}, // unmarshals into a string without error
	} {
		f.Add([]byte(s.value), s.key, s.binary)
	}
	f.Fuzz(func(t *testing.T, data []byte, key string, binary bool) {
		got, err := extractKey(newValue(data, "v1", binary), key)
		if err != nil {
			checkExtractKeyError(t, data, key, binary, got, err)
			return
		}
		if binary {
			t.Fatalf("#%q of a %d-byte binary secret gave a value, want ErrInvalidValue", key, len(data))
		}
		fields, ok := decodeObject(data)
		if !ok {
			t.Fatalf("#%q gave a value from a %d-byte secret that is not a JSON object", key, len(data))
		}
		want, ok := fields[key]
		if !ok {
			t.Fatalf("#%q gave a value from a %d-byte JSON object without that field", key, len(data))
		}
		if got.Version() != "v1" || got.IsBinary() {
			t.Fatalf("#%q: version %q, binary %v; want the secret's version, not binary", key, got.Version(), got.IsBinary())
		}
		if s, isString := want.(string); isString {
			if got.Reveal() != s {
				t.Fatalf("#%q: a %d-byte value, want the field's %d-byte text", key, got.Len(), len(s))
			}
			return
		}
		var again any
		if !decodeNumbers(got.Bytes(), &again) || !reflect.DeepEqual(again, want) {
			t.Fatalf("#%q: a %d-byte value that is not the field's JSON text", key, got.Len())
		}
	})
}

// checkExtractKeyError checks what extractKey failed with.
func checkExtractKeyError(t *testing.T, data []byte, key string, binary bool, got Value, err error) {
	t.Helper()
	if got != (Value{}) {
		t.Fatalf("#%q failed but returned a value", key)
	}
	fields, isObject := decodeObject(data)
	var want error
	switch {
	case binary || !isObject:
		want = ErrInvalidValue
	default:
		if _, ok := fields[key]; ok {
			t.Fatalf("#%q failed on a JSON object that has the field: %v", key, err)
		}
		want = ErrKeyNotFound
	}
	if !errors.Is(err, want) {
		t.Fatalf("#%q of a %d-byte value (binary %v): %v, want %v", key, len(data), binary, err, want)
	}
	// A message that is one of those a value-independent input gives
	// cannot hold the value; any other must not contain it.
	msg := err.Error()
	for _, v := range []Value{newValue([]byte("x"), "", true), newValue([]byte("[]"), "", false), newValue([]byte("{}"), "", false)} {
		if _, ref := extractKey(v, key); ref != nil && ref.Error() == msg {
			return
		}
	}
	if len(data) >= 4 && strings.Contains(msg, string(data)) {
		t.Fatalf("#%q: the error message quotes the %d-byte value", key, len(data))
	}
}

// decodeObject decodes data as a JSON object with numbers kept as
// json.Number, so that numbers float64 cannot hold still decode.
func decodeObject(data []byte) (map[string]any, bool) {
	var m map[string]any
	if !decodeNumbers(data, &m) || m == nil {
		return nil, false
	}
	return m, true
}

// decodeNumbers is json.Unmarshal with json.Number for numbers.
func decodeNumbers(data []byte, dst any) bool {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	if d.Decode(dst) != nil {
		return false
	}
	_, err := d.Token()
	return errors.Is(err, io.EOF)
}

// decodeTarget has a field of every kind encoding/json decodes into, and
// some whose errors quote the input: time.Time's parse errors and the
// ",string" option's.
type decodeTarget struct {
	S      string          `json:"s"`
	N      int8            `json:"n"`
	U      uint            `json:"u"`
	F      float32         `json:"f"`
	B      bool            `json:"b"`
	L      []int           `json:"l"`
	A      [2]string       `json:"a"`
	M      map[string]int  `json:"m"`
	K      map[int]string  `json:"k"`
	I      any             `json:"i"`
	R      json.RawMessage `json:"r"`
	T      time.Time       `json:"t"`
	Q      int             `json:"q,string"`
	P      *decodeTarget   `json:"p"`
	Nested struct {
		Port uint16 `json:"port"`
	} `json:"nested"`
}

// decodeMessages are the shapes of Decode's messages. What they capture
// must come from the Go type decoded into, never from the input.
var decodeMessages = []*regexp.Regexp{
	regexp.MustCompile(`^invalid value: a binary secret cannot be decoded as JSON$`),
	regexp.MustCompile(`^invalid value: not valid JSON \(syntax error at byte \d+\)$`),
	regexp.MustCompile(`^invalid value: a JSON value at byte \d+ does not fit Go type (?P<type>.+)$`),
	regexp.MustCompile(`^invalid value: JSON field "(?P<field>[^"]*)" does not fit Go type (?P<type>.+)$`),
	regexp.MustCompile(`^invalid value: JSON decoding failed \((?P<type>[^)]+)\)$`),
	regexp.MustCompile(`^invalid argument: json: Unmarshal\((?P<type>.+)\)$`),
}

// FuzzDecode checks that Value.Decode never panics, whatever it decodes
// into, and that its errors are classified and say where decoding failed
// and into what Go type, never what the input held.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{"s":"text","n":12,"u":7,"f":1.5,"b":true,"l":[1,2],"a":["x","y"],"m":{"a":1},"k":{"1":"one"},"i":null,"r":{"x":[]},"t":"2026-06-01T12:00:00Z","q":"42","p":{"s":"inner"},"nested":{"port":5432}}`,
		`{"n":300}`,
		`{"u":-1}`,
		`{"f":1e300}`,
		`{"l":[1,"correct horse"]}`,
		`{"k":{"not a number":"x"}}`,
		`{"t":"correct horse battery staple"}`,
		`{"q":"correct horse"}`,
		`{"q":17}`,
		`{"p":{"p":{"nested":{"port":"correct horse"}}}}`,
		`{"s":"correct horse battery staple"`,
		`[{"s":1}]`,
		`"correct horse battery staple"`,
		`correct horse battery staple`,
		`12345678901234567890`,
		``,
	} {
		f.Add([]byte(s), false)
	}
	f.Add([]byte(`{"s":"a binary secret"}`), true)
	types, fields := decodeNames()
	f.Fuzz(func(t *testing.T, data []byte, binary bool) {
		v := newValue(data, "v1", binary)
		for _, dst := range []any{
			new(decodeTarget), new(any), new(map[string]string), new([]int), new(string), new(int), new(time.Time),
			nil, decodeTarget{}, (*int)(nil),
		} {
			err := v.Decode(dst)
			if err == nil {
				if binary {
					t.Fatalf("Decode of a binary secret into %T succeeded", dst)
				}
				continue
			}
			if !errors.Is(err, ErrInvalidValue) && !errors.Is(err, ErrInvalidArgument) {
				t.Fatalf("Decode into %T: %v, want ErrInvalidValue or ErrInvalidArgument", dst, err)
			}
			checkDecodeMessage(t, err.Error(), dst, types, fields)
		}
	})
}

// checkDecodeMessage checks that msg has one of the shapes of
// decodeMessages, with only Go type names and field names in it.
func checkDecodeMessage(t *testing.T, msg string, dst any, types, fields map[string]bool) {
	t.Helper()
	for _, re := range decodeMessages {
		m := re.FindStringSubmatch(msg)
		if m == nil {
			continue
		}
		if i := re.SubexpIndex("type"); i >= 0 && !types[m[i]] {
			t.Fatalf("Decode into %T: message %q names %q, not a Go type of the destination", dst, msg, m[i])
		}
		if i := re.SubexpIndex("field"); i >= 0 {
			for _, name := range strings.Split(m[i], ".") {
				if !fields[name] {
					t.Fatalf("Decode into %T: message %q names field %q, not a field of the destination", dst, msg, name)
				}
			}
		}
		return
	}
	t.Fatalf("Decode into %T: message %q has none of the expected shapes", dst, msg)
}

// decodeNames returns the Go type names and JSON field names a Decode
// message may name for the destinations FuzzDecode uses, and for the errors
// those types' own decoders return.
func decodeNames() (types, fields map[string]bool) {
	types, fields = map[string]bool{
		// InvalidUnmarshalError's descriptions of a bad destination.
		"nil": true, "non-pointer secrets.decodeTarget": true, "nil *int": true,
		// Errors of time.Time's and the ",string" option's decoders.
		"*time.ParseError": true, "*errors.errorString": true,
		// What an interface{} holds a JSON number in.
		"float64": true,
	}, map[string]bool{}
	unmarshaler := reflect.TypeFor[json.Unmarshaler]()
	var walk func(reflect.Type)
	walk = func(t reflect.Type) {
		if types[t.String()] {
			return
		}
		types[t.String()] = true
		if reflect.PointerTo(t).Implements(unmarshaler) {
			return // its fields are its own business: json does not see them
		}
		switch t.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Array:
			walk(t.Elem())
		case reflect.Map:
			walk(t.Key())
			walk(t.Elem())
		case reflect.Struct:
			for sf := range t.Fields() {
				name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
				fields[name] = true
				fields[sf.Name] = true
				walk(sf.Type)
			}
		}
	}
	for _, v := range []any{decodeTarget{}, map[string]string{}, []int{}, time.Time{}} {
		walk(reflect.TypeOf(v))
	}
	return types, fields
}
