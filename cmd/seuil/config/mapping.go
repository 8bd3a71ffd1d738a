package config

import (
	"reflect"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// field is one key a struct accepts.
type field struct {
	index   []int
	secret  bool // the key is <name>_file for a Secret field
	path    bool
	created bool // a file Seuil creates when missing (its directory must exist)
}

// fields lists the keys of a struct type, following inline embedded
// structs, and adds "<name>_file" for each Secret field.
func fields(t reflect.Type) map[string]field {
	out := map[string]field{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("yaml")
		name, opts, _ := strings.Cut(tag, ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if opts == "inline" {
			for k, sub := range fields(f.Type) {
				sub.index = append([]int{i}, sub.index...)
				out[k] = sub
			}
			continue
		}
		out[name] = field{index: []int{i}, path: isPath(f), created: strings.Contains(f.Tag.Get("seuil"), "created")}
		if f.Type == secretType {
			out[name+"_file"] = field{index: []int{i}, secret: true, path: true}
		}
	}
	return out
}

func (d *decoder) mapping(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.MappingNode {
		d.at(n.Line, path, "must be a mapping (key: value lines), not %s", kindName(n))
		return
	}
	known := fields(v.Type())
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		p := join(path, k.Value)
		if seen[k.Value] {
			d.at(k.Line, p, "defined twice")
			continue
		}
		seen[k.Value] = true
		f, ok := known[k.Value]
		if !ok {
			d.unknown(k, p, known)
			continue
		}
		d.lines[p] = k.Line
		fv := v.FieldByIndex(f.index)
		switch {
		case f.secret:
			d.secretFile(val, fv, p)
		case f.path:
			d.value(val, fv, p)
			fv.SetString(d.resolve(fv.String()))
			if fv.String() != "" {
				d.paths = append(d.paths, PathKey{Key: p, Value: fv.String(), Created: f.created})
			}
		default:
			d.value(val, fv, p)
		}
	}
}

func (d *decoder) secretFile(n *yaml.Node, v reflect.Value, path string) {
	s, ok := d.scalar(n, path, "a file name")
	if !ok || s == "" {
		return
	}
	sec := v.Interface().(Secret)
	sec.file = d.resolve(s)
	v.Set(reflect.ValueOf(sec))
}

func (d *decoder) unknown(k *yaml.Node, path string, known map[string]field) {
	names := make([]string, 0, len(known))
	for name := range known {
		names = append(names, name)
	}
	sort.Strings(names)
	if s := suggest(k.Value, names); s != "" {
		d.at(k.Line, path, "unknown key (did you mean %q?)", s)
		return
	}
	d.at(k.Line, path, "unknown key (expected one of: %s)", strings.Join(names, ", "))
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}
