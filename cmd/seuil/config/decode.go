package config

import (
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// decoder fills the struct tree from a yaml.Node tree, rather than with
// yaml's own Decode, to name the key path of every problem and to collect
// all of them instead of stopping at the first.
type decoder struct {
	*report
	dir string // directory of the config file, for relative paths
	// following and budget guard against aliases that refer to an
	// ancestor (an endless walk) or expand exponentially ("billion laughs").
	following map[*yaml.Node]bool
	budget    int
	paths     []PathKey // the file and directory names set, resolved
}

// maxNodes bounds the nodes visited, aliases expanded: a real
// configuration has a few hundred.
const maxNodes = 100000

// defaulter is implemented by sections whose defaults apply only when
// the section is present (optional sections, list items).
type defaulter interface{ setDefaults() }

var (
	durationType = reflect.TypeOf(Duration(0))
	// Components' own settings hold time.Duration: read with the same
	// syntax (days included).
	stdDurationType = reflect.TypeOf(time.Duration(0))
	secretType      = reflect.TypeOf(Secret{})
)

func (d *decoder) value(n *yaml.Node, v reflect.Value, path string) {
	if d.budget++; d.budget > maxNodes {
		if d.budget == maxNodes+1 {
			d.at(n.Line, path, "the file is too large once aliases (*name) are expanded")
		}
		return
	}
	if n.Kind == yaml.AliasNode {
		if n.Alias == nil || d.following[n] {
			d.at(n.Line, path, "alias *%s refers to itself", n.Value)
			return
		}
		if d.following == nil {
			d.following = map[*yaml.Node]bool{}
		}
		d.following[n] = true
		d.value(n.Alias, v, path)
		delete(d.following, n)
		return
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return // "key:" with nothing keeps the default
	}
	switch {
	case v.Type() == durationType || v.Type() == stdDurationType:
		d.duration(n, v, path)
	case v.Type() == secretType:
		if s, ok := d.scalar(n, path, "a string"); ok {
			v.Set(reflect.ValueOf(Secret{value: s, source: "config file"}))
		}
	case v.Kind() == reflect.Pointer:
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
			if def, ok := v.Interface().(defaulter); ok {
				def.setDefaults()
			}
		}
		d.value(n, v.Elem(), path)
	case v.Type() == studentsType:
		d.students(n, v.Addr().Interface().(*Students), path)
	case v.Kind() == reflect.Struct:
		d.mapping(n, v, path)
	case v.Kind() == reflect.Slice:
		d.sequence(n, v, path)
	case v.Kind() == reflect.Map:
		d.dict(n, v, path)
	default:
		d.basic(n, v, path)
	}
}

// sequence decodes a list; a single scalar stands for a list of one, so
// that "addrs: redis:6379" does what it says.
func (d *decoder) sequence(n *yaml.Node, v reflect.Value, path string) {
	items := n.Content
	switch n.Kind {
	case yaml.SequenceNode:
	case yaml.ScalarNode:
		items = []*yaml.Node{n}
	default:
		d.at(n.Line, path, "must be a list, not %s", kindName(n))
		return
	}
	out := reflect.MakeSlice(v.Type(), len(items), len(items))
	for i, item := range items {
		p := fmt.Sprintf("%s[%d]", path, i)
		d.lines[p] = item.Line
		elem := out.Index(i)
		if def, ok := elem.Addr().Interface().(defaulter); ok {
			def.setDefaults()
		}
		d.value(item, elem, p)
	}
	v.Set(out)
}

// dict decodes a map with string keys (headers, claims, attributes). In a
// map of secrets, "name_file" gives the file of secret "name".
func (d *decoder) dict(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.MappingNode {
		d.at(n.Line, path, "must be a mapping of names to values, not %s", kindName(n))
		return
	}
	if v.IsNil() {
		v.Set(reflect.MakeMap(v.Type()))
	}
	secrets := v.Type().Elem() == secretType
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		p := path + "." + k.Value
		if seen[k.Value] {
			d.at(k.Line, p, "defined twice")
			continue
		}
		seen[k.Value] = true
		d.lines[p] = k.Line
		name, isFile := strings.CutSuffix(k.Value, "_file")
		if !secrets || !isFile || name == "" {
			name, isFile = k.Value, false
		}
		elem := reflect.New(v.Type().Elem()).Elem()
		if old := v.MapIndex(reflect.ValueOf(name)); old.IsValid() {
			elem.Set(old)
		}
		if isFile {
			d.secretFile(val, elem, p)
		} else {
			d.value(val, elem, p)
		}
		v.SetMapIndex(reflect.ValueOf(name), elem)
	}
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	default:
		return fmt.Sprintf("%q", n.Value)
	}
}

// isPath reports whether a field holds a file or directory name, which is
// resolved against the config file's directory when relative.
func isPath(f reflect.StructField) bool {
	return strings.Contains(f.Tag.Get("seuil"), "path")
}

func (d *decoder) resolve(p string) string {
	if p == "" || filepath.IsAbs(p) || d.dir == "" {
		return p
	}
	return filepath.Join(d.dir, p)
}
