package secrets

import (
	"encoding/json"
	"errors"
	"fmt"
)

// Decode unmarshals the secret, which must be JSON, into dst as
// encoding/json does. Its errors never quote the secret: they give the byte
// offset of a syntax error, or the field and Go type that did not fit.
func (v Value) Decode(dst any) error {
	if v.IsBinary() {
		return fmt.Errorf("%w: a binary secret cannot be decoded as JSON", ErrInvalidValue)
	}
	return sanitizeJSONError(json.Unmarshal([]byte(v.Reveal()), dst))
}

// sanitizeJSONError rewrites an encoding/json error so that it says where
// decoding failed but not what the input held there: the standard messages
// quote characters and numbers of the input.
func sanitizeJSONError(err error) error {
	if err == nil {
		return nil
	}
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var invalid *json.InvalidUnmarshalError
	switch {
	case errors.As(err, &syntax):
		return fmt.Errorf("%w: not valid JSON (syntax error at byte %d)", ErrInvalidValue, syntax.Offset)
	case errors.As(err, &typ):
		if typ.Field == "" {
			return fmt.Errorf("%w: a JSON value at byte %d does not fit Go type %s", ErrInvalidValue, typ.Offset, typ.Type)
		}
		return fmt.Errorf("%w: JSON field %q does not fit Go type %s", ErrInvalidValue, typ.Field, typ.Type)
	case errors.As(err, &invalid):
		return fmt.Errorf("%w: %s", ErrInvalidArgument, invalid.Error())
	}
	return fmt.Errorf("%w: JSON decoding failed (%T)", ErrInvalidValue, err)
}

// extractKey returns the field key of v, which must be a JSON object. A
// string field gives its text; any other field gives its JSON text.
func extractKey(v Value, key string) (Value, error) {
	if v.IsBinary() {
		return Value{}, fmt.Errorf("%w: #%s needs a JSON object, and the secret is binary", ErrInvalidValue, key)
	}
	var fields map[string]json.RawMessage
	// A JSON null unmarshals into a nil map without error: it is not an object.
	if err := json.Unmarshal([]byte(v.Reveal()), &fields); err != nil || fields == nil {
		return Value{}, fmt.Errorf("%w: #%s needs a JSON object, and the secret is not one", ErrInvalidValue, key)
	}
	raw, ok := fields[key]
	if !ok {
		return Value{}, fmt.Errorf("%w: the secret's JSON object has no field %q", ErrKeyNotFound, key)
	}
	// Only a JSON string gives its text: a null field unmarshals into a
	// string without error, and must read as "null", not as empty.
	var s string
	if raw[0] == '"' && json.Unmarshal(raw, &s) == nil {
		return valueOf(s, v.Version(), false), nil
	}
	return newValue(raw, v.Version(), false), nil
}
