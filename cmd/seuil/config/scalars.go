package config

import (
	"reflect"
	"strconv"

	"go.yaml.in/yaml/v3"
)

func (d *decoder) scalar(n *yaml.Node, path, want string) (string, bool) {
	if n.Kind != yaml.ScalarNode {
		d.at(n.Line, path, "must be %s, not %s", want, kindName(n))
		return "", false
	}
	return n.Value, true
}

func (d *decoder) duration(n *yaml.Node, v reflect.Value, path string) {
	s, ok := d.scalar(n, path, `a duration (e.g. "90s", "15m", "1h30m", "7d")`)
	if !ok {
		return
	}
	dur, err := ParseDuration(s)
	if err != nil {
		d.at(n.Line, path, `%v (use e.g. "90s", "15m", "1h30m", "7d")`, err)
		return
	}
	v.SetInt(int64(dur))
}

func (d *decoder) basic(n *yaml.Node, v reflect.Value, path string) {
	switch v.Kind() {
	case reflect.String:
		if s, ok := d.scalar(n, path, "a string"); ok {
			v.SetString(s)
		}
	case reflect.Bool:
		s, ok := d.scalar(n, path, "true or false")
		if !ok {
			return
		}
		b, err := strconv.ParseBool(s)
		if err != nil || n.Tag != "!!bool" {
			d.at(n.Line, path, "%q is not true or false", s)
			return
		}
		v.SetBool(b)
	case reflect.Int:
		s, ok := d.scalar(n, path, "a whole number")
		if !ok {
			return
		}
		i, err := strconv.Atoi(s)
		if err != nil {
			d.at(n.Line, path, "%q is not a whole number", s)
			return
		}
		v.SetInt(int64(i))
	case reflect.Float64:
		s, ok := d.scalar(n, path, "a number")
		if !ok {
			return
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			d.at(n.Line, path, "%q is not a number", s)
			return
		}
		v.SetFloat(f)
	default:
		panic("config: unsupported field type " + v.Type().String())
	}
}
