// Package tsgen writes TypeScript interfaces for Go types as
// encoding/json encodes them, so that the web app's types come from the
// Go definitions instead of being copied by hand.
package tsgen

import (
	"fmt"
	"reflect"
	"strings"
	"time"
)

// Type names a Go type to emit as a TypeScript interface.
type Type struct {
	Name string // the TypeScript name
	Go   reflect.Type
	Doc  string // one line, emitted as a comment
}

// Of returns the Type for the type of v, named name.
func Of[T any](name, doc string) Type {
	return Type{Name: name, Go: reflect.TypeFor[T](), Doc: doc}
}

// Generate returns a TypeScript module declaring an interface for each of
// types, in order. A struct field's type that is itself among types is
// named; other structs are written inline. A field tagged `ts:"…"` takes
// that TypeScript type as written. It returns an error for a type JSON
// cannot carry (channels, functions, complex numbers).
func Generate(header string, types []Type) (string, error) {
	names := map[reflect.Type]string{}
	for _, t := range types {
		names[t.Go] = t.Name
	}
	var b strings.Builder
	b.WriteString(header)
	for _, t := range types {
		if t.Go.Kind() != reflect.Struct {
			return "", fmt.Errorf("%s: %s is not a struct", t.Name, t.Go)
		}
		fmt.Fprintf(&b, "\n/** %s */\nexport interface %s ", t.Doc, t.Name)
		if err := writeStruct(&b, t.Go, names, ""); err != nil {
			return "", fmt.Errorf("%s: %w", t.Name, err)
		}
		b.WriteString("\n")
	}
	return b.String(), nil
}

func writeStruct(b *strings.Builder, t reflect.Type, names map[reflect.Type]string, indent string) error {
	b.WriteString("{\n")
	if err := writeFields(b, t, names, indent+"  "); err != nil {
		return err
	}
	b.WriteString(indent + "}")
	return nil
}

// writeFields writes t's fields, flattening embedded structs as
// encoding/json does.
func writeFields(b *strings.Builder, t reflect.Type, names map[reflect.Type]string, indent string) error {
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" || !f.IsExported() && !f.Anonymous {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			if err := writeFields(b, f.Type, names, indent); err != nil {
				return err
			}
			continue
		}
		if name == "" {
			name = f.Name
		}
		optional := ""
		if strings.Contains(opts, "omitempty") || strings.Contains(opts, "omitzero") {
			optional = "?"
		}
		ts := f.Tag.Get("ts")
		if ts == "" {
			var err error
			if ts, err = tsType(f.Type, names, indent); err != nil {
				return fmt.Errorf("field %s: %w", f.Name, err)
			}
		}
		fmt.Fprintf(b, "%s%s%s: %s;\n", indent, name, optional, ts)
	}
	return nil
}

var timeType = reflect.TypeFor[time.Time]()

func tsType(t reflect.Type, names map[reflect.Type]string, indent string) (string, error) {
	if n, ok := names[t]; ok {
		return n, nil
	}
	if t == timeType {
		return "string", nil // RFC 3339
	}
	switch t.Kind() {
	case reflect.String:
		return "string", nil
	case reflect.Bool:
		return "boolean", nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		return "number", nil
	case reflect.Pointer:
		e, err := tsType(t.Elem(), names, indent)
		return e + " | null", err
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return "string", nil // base64
		}
		e, err := tsType(t.Elem(), names, indent)
		if strings.Contains(e, " ") {
			e = "(" + e + ")"
		}
		return e + "[]", err
	case reflect.Map:
		v, err := tsType(t.Elem(), names, indent)
		return "Record<string, " + v + ">", err
	case reflect.Interface:
		return "unknown", nil
	case reflect.Struct:
		var b strings.Builder
		err := writeStruct(&b, t, names, indent)
		return b.String(), err
	}
	return "", fmt.Errorf("JSON cannot carry a %s", t)
}
