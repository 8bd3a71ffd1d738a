package config

import (
	"fmt"
	"reflect"
	"sort"
)

// Key is one key the file may set and the field it sets.
type Key struct {
	Path string // e.g. "oidc.clients[0].secret_file"
	// Field is the value the key sets, addressable: a <name>_file key
	// sets its secret's field, as <name> does.
	Field reflect.Value
	// File: the key is <name>_file (the secret's value read from a file).
	File bool
}

// Keys lists every key the configuration accepts in its present shape:
// the optional sections it has, each item of its lists, the configured
// kind of student source. It is what the decoder accepts, walked the
// same way (the struct tags), so a key the walk misses cannot be set.
func (c *Config) Keys() []Key {
	var out []Key
	walk(reflect.ValueOf(c).Elem(), "", &out)
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

func walk(v reflect.Value, path string, out *[]Key) {
	if v.Type() == studentsType {
		s := v.Addr().Interface().(*Students)
		walk(v.FieldByName("CacheMaxAge"), join(path, "cache_max_age"), out)
		if s.section != nil {
			walk(reflect.ValueOf(s.section).Elem(), join(path, s.kind), out)
		}
		return
	}
	switch {
	case leaf(v.Type()):
		*out = append(*out, Key{Path: path, Field: v})
	case v.Kind() == reflect.Pointer:
		if !v.IsNil() {
			walk(v.Elem(), path, out)
		}
	case v.Kind() == reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			walk(v.Index(i), fmt.Sprintf("%s[%d]", path, i), out)
		}
	case v.Kind() == reflect.Struct:
		for name, f := range fields(v.Type()) {
			fv := v.FieldByIndex(f.index)
			if f.secret {
				*out = append(*out, Key{Path: join(path, name), Field: fv, File: true})
				continue
			}
			walk(fv, join(path, name), out)
		}
	}
}

// leaf reports whether a type is one value of the file (a scalar, a list
// of scalars, a map) rather than a section to walk into.
func leaf(t reflect.Type) bool {
	switch {
	case t == durationType || t == stdDurationType || t == secretType:
		return true
	case t.Kind() == reflect.Map:
		return true
	case t.Kind() == reflect.Slice:
		return leaf(t.Elem())
	case t.Kind() == reflect.Struct, t.Kind() == reflect.Pointer:
		return false
	}
	return true
}
