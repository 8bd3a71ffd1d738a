package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// loader reads the world outside the file: environment and secret files.
// Tests substitute both to run in parallel.
type loader struct {
	getenv   func(string) string
	readFile func(string) ([]byte, error)
}

var system = loader{getenv: os.Getenv, readFile: os.ReadFile}

// Load reads, resolves and validates the configuration file at path. On
// any problem it returns a nil Config and a Problems error listing them
// all.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, Problems{{File: path, Msg: fmt.Sprintf("cannot read: %v", errors.Unwrap(err))}}
	}
	return system.parse(path, filepath.Dir(path), data)
}

// Parse is Load on bytes already read; name is used in messages, and
// relative paths in the file are resolved against the working directory.
func Parse(name string, data []byte) (*Config, error) {
	return system.parse(name, "", data)
}

// Overlay reads the file at path over base: the keys it sets replace
// base's, and its oidc.clients come before base's. The result is validated
// as a whole, with problems placed in the overlay file. The demo uses it so
// that a developer can register their own relying party (and change any
// other setting) with the same syntax as serve's configuration.
func Overlay(base *Config, path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, Problems{{File: path, Msg: fmt.Sprintf("cannot read: %v", errors.Unwrap(err))}}
	}
	return system.decode(base, path, filepath.Dir(path), data)
}

func (l loader) parse(name, dir string, data []byte) (*Config, error) {
	return l.decode(Default(), name, dir, data)
}

// decode reads data over a copy of base; see Overlay for lists.
func (l loader) decode(base *Config, name, dir string, data []byte) (*Config, error) {
	d := &decoder{report: newReport(name), dir: dir}
	cfg := *base
	cfg.OIDC.Clients = nil
	root, err := document(data)
	if err != nil {
		line, msg := yamlError(err)
		d.at(line, "", "%s", msg)
		return nil, d.probs
	}
	if root != nil {
		d.value(root, reflect.ValueOf(&cfg).Elem(), "")
	}
	cfg.OIDC.Clients = append(cfg.OIDC.Clients, base.OIDC.Clients...)
	if d.budget > maxNodes {
		return nil, d.probs // the rest would be noise about what was cut
	}
	declareSMSSecrets(cfg.SMS.HTTP)
	l.secrets(d.report, reflect.ValueOf(&cfg).Elem(), "", "SEUIL")
	l.checkKeys(&cfg.OIDC, d.report)
	finish(&cfg, d.report)
	validate(&cfg, d.report)
	if len(d.probs) > 0 {
		return nil, d.probs.sorted()
	}
	cfg.src = &source{file: name, lines: d.lines, paths: d.paths}
	return &cfg, nil
}

// document parses exactly one YAML document into its root node (nil for
// an empty file).
func document(data []byte) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, err
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		if err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("line %d: a second YAML document (---): put everything in one", extra.Line)
	}
	if len(doc.Content) == 0 {
		return nil, nil
	}
	return doc.Content[0], nil
}

// yamlError takes the line number out of a yaml error ("yaml: line 3:
// …"), so that syntax errors are placed like every other problem.
func yamlError(err error) (int, string) {
	m := yamlLine.FindStringSubmatch(err.Error())
	if m == nil {
		return 0, err.Error()
	}
	n, _ := strconv.Atoi(m[1])
	return n, strings.TrimPrefix(err.Error(), m[0])
}

var yamlLine = regexp.MustCompile(`^(?:yaml: )?line (\d+): `)

// secrets resolves every Secret in the tree: env var, then <name>_file,
// then the value in the file.
func (l loader) secrets(r *report, v reflect.Value, path, env string) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			l.secrets(r, v.Elem(), path, env)
		}
	case reflect.Struct:
		if v.Type() == secretType {
			v.Set(reflect.ValueOf(l.secret(r, v.Interface().(Secret), path, env)))
			return
		}
		if v.Type() == studentsType {
			if s := v.Interface().(Students); s.section != nil { // the section is a pointer: set in place
				l.secrets(r, reflect.ValueOf(s.section), join(path, s.kind), env+"_"+envPart(s.kind))
			}
			return
		}
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if opts == "inline" {
				l.secrets(r, v.Field(i), path, env)
				continue
			}
			l.secrets(r, v.Field(i), join(path, name), env+"_"+envPart(name))
		}
	case reflect.Map:
		if v.Type().Elem() != secretType {
			return
		}
		for _, k := range v.MapKeys() {
			name := k.String()
			s := l.secret(r, v.MapIndex(k).Interface().(Secret), path+"."+name, env+"_"+envPart(name))
			v.SetMapIndex(k, reflect.ValueOf(s))
		}
	case reflect.Slice:
		if v.Type().Elem().Kind() != reflect.Struct {
			return
		}
		for i := 0; i < v.Len(); i++ {
			part := fmt.Sprint(i)
			if id := v.Index(i).FieldByName("ID"); id.IsValid() && id.String() != "" {
				part = envPart(id.String())
			}
			l.secrets(r, v.Index(i), fmt.Sprintf("%s[%d]", path, i), env+"_"+part)
		}
	}
}

func (l loader) secret(r *report, s Secret, path, env string) Secret {
	// A value read from its file earlier (an Overlay's base) is not a
	// second setting of the key.
	if s.value != "" && s.file != "" && !strings.HasPrefix(s.source, "file ") {
		r.add(path, "set either %s or %s_file, not both", last(path), last(path))
	}
	s.env = env
	if v := l.getenv(env); v != "" {
		return Secret{value: v, source: "env " + env, env: env}
	}
	if s.file != "" {
		data, err := l.readFile(s.file)
		if err != nil {
			r.add(path+"_file", "cannot read %s: %v", s.file, unwrapPath(err))
			return s
		}
		v := strings.TrimSuffix(strings.TrimSuffix(string(data), "\n"), "\r")
		if v == "" {
			r.add(path+"_file", "%s is empty", s.file)
		}
		return Secret{value: v, file: s.file, source: "file " + s.file, env: env}
	}
	return s
}

// envPart turns a key or an id into an environment variable fragment:
// upper case, anything but letters and digits becoming "_".
func envPart(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			return r
		}
		return '_'
	}, s)
}

func last(path string) string {
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		return path[i+1:]
	}
	return path
}

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
