package flow

import (
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Params is one step's parameters from a flow definition, with the key
// path used in error messages ("flows.activation.steps[1]").
type Params struct {
	Path string
	Node *yaml.Node // a mapping, or nil when the step has no parameters
}

// Decode fills the struct pointed to by v from the parameters, by yaml
// tag. Unknown keys are refused, and every error is reported (joined),
// each with its line and full key path (`line 7:
// flows.activation.steps[1].code.ttl: "15 minuts" is not a duration`).
// Keys absent from the YAML keep v's values, so callers set defaults first.
func (p Params) Decode(v any, skip ...string) error {
	if p.Node == nil {
		return nil
	}
	return decodeMapping(p.Path, p.Node, reflect.ValueOf(v).Elem(), skip)
}

func decodeMapping(path string, n *yaml.Node, dst reflect.Value, skip []string) error {
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: %s: expected a mapping", n.Line, path)
	}
	var errs []error
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, val := n.Content[i].Value, n.Content[i+1]
		if contains(skip, key) {
			continue
		}
		field, ok := fieldByTag(dst, key)
		if !ok {
			errs = append(errs, fmt.Errorf("line %d: %s.%s: unknown key", n.Content[i].Line, path, key))
			continue
		}
		sub := path + "." + key
		if field.Kind() == reflect.Struct {
			errs = append(errs, decodeMapping(sub, val, field, nil))
			continue
		}
		if err := val.Decode(field.Addr().Interface()); err != nil {
			errs = append(errs, fmt.Errorf("line %d: %s: %s", val.Line, sub, cleanYAMLError(err)))
		}
	}
	return errors.Join(errs...)
}

// Line is the line of key in a mapping node (0 when absent), for the
// errors of checks made after decoding.
func Line(n *yaml.Node, key string) int {
	if n == nil || n.Kind != yaml.MappingNode {
		return 0
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i].Line
		}
	}
	return n.Line
}

func fieldByTag(v reflect.Value, key string) (reflect.Value, bool) {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		tag := strings.Split(t.Field(i).Tag.Get("yaml"), ",")[0]
		if tag == key && t.Field(i).IsExported() {
			return v.Field(i), true
		}
	}
	return reflect.Value{}, false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// cleanYAMLError drops the library's "yaml: unmarshal errors:\n  line N:"
// wrapping, keeping the reason (the key path replaces the line).
func cleanYAMLError(err error) string {
	s := err.Error()
	if i := strings.LastIndex(s, ": cannot"); i >= 0 {
		return strings.TrimSpace(s[i+1:])
	}
	return s
}

// Duration is a YAML duration: Go syntax ("15m", "90s") or whole days
// ("365d").
type Duration time.Duration

// UnmarshalYAML parses the duration, refusing anything else with a
// message that quotes the value.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	s := strings.TrimSpace(n.Value)
	if strings.HasSuffix(s, "d") {
		if days, err := strconv.Atoi(strings.TrimSuffix(s, "d")); err == nil && days >= 0 {
			*d = Duration(time.Duration(days) * 24 * time.Hour)
			return nil
		}
	}
	v, err := time.ParseDuration(s)
	if err != nil || v < 0 {
		return fmt.Errorf("%q is not a duration", n.Value)
	}
	*d = Duration(v)
	return nil
}

// D returns the value as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// String writes whole days as they are typed ("400d"), other values in
// Go's syntax ("15m0s"), so that a message quotes what the admin wrote.
func (d Duration) String() string {
	if day := 24 * time.Hour; d.D() > 0 && d.D()%day == 0 {
		return strconv.Itoa(int(d.D()/day)) + "d"
	}
	return d.D().String()
}
