package secrets

import (
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"time"
)

var durationType = reflect.TypeFor[time.Duration]()

// convertible reports whether Load can fill a field of type t.
func convertible(t reflect.Type) bool {
	switch {
	case t == valueType, t == durationType:
		return true
	case t.Kind() == reflect.Slice:
		return t.Elem().Kind() == reflect.Uint8
	case t.Kind() == reflect.Pointer:
		return t.Elem().Kind() == reflect.Struct
	}
	switch t.Kind() {
	case reflect.String, reflect.Bool, reflect.Struct,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64:
		return true
	}
	return false
}

// convert stores v in out, a settable value of a convertible type. Its
// errors wrap ErrInvalidValue and name the type, never the value.
func convert(v Value, out reflect.Value) error {
	t := out.Type()
	s := v.Reveal()
	switch {
	case t == valueType:
		out.Set(reflect.ValueOf(v))
		return nil
	case t == durationType:
		d, err := time.ParseDuration(s)
		if err != nil {
			return notConvertible(t, nil)
		}
		out.SetInt(int64(d))
		return nil
	}
	switch t.Kind() {
	case reflect.String:
		out.SetString(s)
	case reflect.Slice:
		out.SetBytes(v.Bytes())
	case reflect.Bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return notConvertible(t, err)
		}
		out.SetBool(b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, err := strconv.ParseInt(s, 10, t.Bits())
		if err != nil {
			return notConvertible(t, err)
		}
		out.SetInt(n)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		n, err := strconv.ParseUint(s, 10, t.Bits())
		if err != nil {
			return notConvertible(t, err)
		}
		out.SetUint(n)
	case reflect.Float32, reflect.Float64:
		f, err := strconv.ParseFloat(s, t.Bits())
		if err != nil {
			return notConvertible(t, err)
		}
		out.SetFloat(f)
	case reflect.Struct:
		return v.Decode(out.Addr().Interface())
	case reflect.Pointer:
		p := reflect.New(t.Elem())
		if err := v.Decode(p.Interface()); err != nil {
			return err
		}
		out.Set(p)
	default:
		return fmt.Errorf("%w: Load cannot fill a %s", ErrInvalidArgument, t)
	}
	return nil
}

// notConvertible returns the error for a value that is not a t. It keeps
// strconv's reason ("invalid syntax", "value out of range") but not its
// message, which quotes the input.
func notConvertible(t reflect.Type, err error) error {
	var num *strconv.NumError
	if errors.As(err, &num) {
		return fmt.Errorf("%w: does not convert to %s (%v)", ErrInvalidValue, t, num.Err)
	}
	return fmt.Errorf("%w: does not convert to %s", ErrInvalidValue, t)
}
