package flows

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/seuil-idp/seuil/flows/flow"
)

//go:embed definitions/*.yaml
var embeddedDefs embed.FS

// Definition is a validated flow definition with its steps built.
type Definition struct {
	Name  string
	TTL   time.Duration
	Theme string
	// Entry is "direct" (anyone may start it) or "handover" (only the
	// provider may, with a ticket carrying the login: the expired flow).
	Entry string
	Steps []flow.Step
	// LoginPattern comes from the step that builds logins (done).
	LoginPattern string
	// Shape lists the step names in order; a flow started under another
	// shape (before a reload) cannot go on, its step index meaning
	// another step now.
	Shape string
	// Source is where the definition was read: "embedded", or its file
	// in flows.dir. Version is the first 12 hex digits of the file's
	// SHA-256, the same on every replica that reads the same file.
	Source, Version string
}

type rawDefinition struct {
	Name  string        `yaml:"name"`
	TTL   flow.Duration `yaml:"ttl"`
	Theme string        `yaml:"theme"`
	Entry string        `yaml:"entry"`
	Steps []yaml.Node   `yaml:"steps"`
}

var nameRE = regexp.MustCompile(`^[a-z][a-z0-9-]{0,31}$`)

// LoadDefinitions reads the embedded definitions, then those of dir (when
// not empty), a file of dir replacing the embedded file of the same name.
// Every definition is validated and built; errors name the key path.
func LoadDefinitions(dir string, reg flow.Registry, svc *flow.Services, themeExists func(string) bool) (map[string]*Definition, error) {
	return loadDefinitions(dir, nil, reg, svc, themeExists)
}

// Shipped is the text of a definition shipped with Seuil.
func Shipped(name string) ([]byte, error) {
	return fs.ReadFile(embeddedDefs, path.Join("definitions", name+".yaml"))
}

// loadDefinitions is LoadDefinitions with, when dir is empty, the
// console's active versions (source "console") over the shipped ones.
func loadDefinitions(dir string, managed map[string][]byte, reg flow.Registry, svc *flow.Services, themeExists func(string) bool) (map[string]*Definition, error) {
	files, sources := map[string][]byte{}, map[string]string{}
	if err := readYAMLs(embeddedDefs, "definitions", files); err != nil {
		return nil, err
	}
	for n := range files {
		sources[n] = "embedded"
	}
	if dir == "" {
		for n, raw := range managed {
			files[n], sources[n] = raw, "console"
		}
	}
	if dir != "" {
		own := map[string][]byte{}
		if err := readYAMLs(os.DirFS(dir), ".", own); err != nil {
			return nil, fmt.Errorf("flows: definitions in %s: %w", dir, err)
		}
		for n, raw := range own {
			files[n], sources[n] = raw, filepath.Join(dir, n+".yaml")
		}
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	defs := map[string]*Definition{}
	var errs []error
	for _, n := range names {
		d, err := ParseDefinition(n, files[n], reg, svc, themeExists)
		if err != nil {
			errs = append(errs, inFile(err, sources[n]))
			continue
		}
		sum := sha256.Sum256(files[n])
		d.Source, d.Version = sources[n], hex.EncodeToString(sum[:6])
		defs[d.Name] = d
	}
	return defs, errors.Join(errs...)
}

func readYAMLs(fsys fs.FS, dir string, into map[string][]byte) error {
	matches, err := fs.Glob(fsys, path.Join(dir, "*.yaml"))
	if err != nil {
		return err
	}
	for _, m := range matches {
		raw, err := fs.ReadFile(fsys, m)
		if err != nil {
			return err
		}
		into[strings.TrimSuffix(path.Base(m), ".yaml")] = raw
	}
	return nil
}

// ParseDefinition validates one definition (file base name fileName) and
// builds its steps with the registry.
func ParseDefinition(fileName string, raw []byte, reg flow.Registry, svc *flow.Services, themeExists func(string) bool) (*Definition, error) {
	at := "flows." + fileName
	var root yaml.Node
	if err := yaml.Unmarshal(raw, &root); err != nil {
		return nil, fmt.Errorf("%s: %w", at, err)
	}
	if len(root.Content) == 0 {
		return nil, fmt.Errorf("%s: empty definition", at)
	}
	// Every problem is told at once, each with its line and key.
	top := root.Content[0]
	rd := rawDefinition{TTL: flow.Duration(time.Hour), Theme: "default", Entry: "direct"}
	errs := []error{(flow.Params{Path: at, Node: top}).Decode(&rd)}
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("line %d: %s.%s: %s", flow.Line(top, key), at, key, fmt.Sprintf(format, args...)))
	}
	d := &Definition{Name: rd.Name, TTL: rd.TTL.D(), Theme: rd.Theme, Entry: rd.Entry}
	if rd.Name != fileName || !nameRE.MatchString(rd.Name) {
		bad("name", "%q must be the file's name (%s) in lower case", rd.Name, fileName)
	}
	if d.TTL < 5*time.Minute || d.TTL > 24*time.Hour {
		bad("ttl", "%s is not between 5m and 24h", d.TTL)
	}
	if themeExists != nil && !themeExists(d.Theme) {
		bad("theme", "no theme %q", d.Theme)
	}
	if d.Entry != "direct" && d.Entry != "handover" {
		bad("entry", "%q is neither direct nor handover", d.Entry)
	}
	if len(rd.Steps) == 0 {
		bad("steps", "no steps")
	}
	for i := range rd.Steps {
		st, err := buildStep(fmt.Sprintf("%s.steps[%d]", at, i), &rd.Steps[i], reg, svc)
		if err != nil {
			errs = append(errs, withLine(err, rd.Steps[i].Line))
			continue
		}
		d.Steps = append(d.Steps, st)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return d, d.check(at)
}

// inFile names the file of each error that gives a line ("line 7: …"
// becomes "/etc/seuil/flows/activation.yaml:7: …"), as a compiler does.
func inFile(err error, source string) error {
	if source == "embedded" {
		return err
	}
	var out []error
	for _, e := range unjoin(err) {
		msg := e.Error()
		if rest, ok := strings.CutPrefix(msg, "line "); ok {
			if n, tail, ok := strings.Cut(rest, ": "); ok {
				out = append(out, fmt.Errorf("%s:%s: %s", source, n, tail))
				continue
			}
		}
		out = append(out, fmt.Errorf("%s: %s", source, msg))
	}
	return errors.Join(out...)
}

// withLine puts line in front of a step's errors that do not say theirs
// (a step's own checks, made after decoding), keeping those that do.
func withLine(err error, line int) error {
	var out []error
	for _, e := range unjoin(err) {
		if strings.HasPrefix(e.Error(), "line ") {
			out = append(out, e)
		} else {
			out = append(out, fmt.Errorf("line %d: %w", line, e))
		}
	}
	return errors.Join(out...)
}

// unjoin lists the errors errors.Join put together, or err alone.
func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, unjoin(e)...)
		}
		return out
	}
	if err == nil {
		return nil
	}
	return []error{err}
}

func buildStep(at string, n *yaml.Node, reg flow.Registry, svc *flow.Services) (flow.Step, error) {
	if n.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s: expected a mapping with a type", at)
	}
	typ := ""
	params := &yaml.Node{Kind: yaml.MappingNode}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == "type" {
			typ = n.Content[i+1].Value
			continue
		}
		params.Content = append(params.Content, n.Content[i], n.Content[i+1])
	}
	factory, ok := reg[typ]
	if !ok {
		known := make([]string, 0, len(reg))
		for k := range reg {
			known = append(known, k)
		}
		sort.Strings(known)
		return nil, fmt.Errorf("%s.type: unknown step type %q (known: %s)", at, typ, strings.Join(known, ", "))
	}
	return factory(flow.Params{Path: at, Node: params}, svc)
}

// check enforces the rules between steps: unique names, a done step
// last, and no password step unless the student's identity was proven
// before it (a verify step, or the handover from the login page).
func (d *Definition) check(at string) error {
	seen := map[string]bool{}
	proven := d.Entry == "handover"
	for i, st := range d.Steps {
		if seen[st.Name()] {
			return fmt.Errorf("%s.steps[%d]: step %q appears twice", at, i, st.Name())
		}
		seen[st.Name()] = true
		if st.Name() == "verify" {
			proven = true
		}
		if st.Name() == "password" && !proven {
			return fmt.Errorf("%s.steps[%d]: a password step needs a verify step before it, or entry: handover", at, i)
		}
	}
	last, ok := d.Steps[len(d.Steps)-1].(flow.LoginPatterner)
	if !ok {
		return fmt.Errorf("%s.steps[%d]: the last step must be of type done", at, len(d.Steps)-1)
	}
	d.LoginPattern = last.LoginPattern()
	names := make([]string, len(d.Steps))
	for i, st := range d.Steps {
		names[i] = st.Name()
	}
	d.Shape = strings.Join(names, ",")
	return nil
}

func (d *Definition) index(step string) int {
	for i, s := range d.Steps {
		if s.Name() == step {
			return i
		}
	}
	return -1
}
