package themes

import (
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"sort"
	"strings"
)

// A theme may inherit from another and hold only what it changes: a
// theme.yaml saying `parent: default` (or another theme's name), then
// the files it overrides (a logo under static/, a template, a few
// messages). A file of the child replaces the parent's of the same path;
// messages merge key by key, the child's winning. So a university
// rebrands with its name, logo and colours, not a copy of every file.

// Manifest is a theme's theme.yaml.
type Manifest struct {
	Parent string `yaml:"parent"`
}

// overlay is child over parent: Open tries the child first; ReadDir
// merges both, the child's entries winning.
type overlay struct{ child, parent fs.FS }

func (o overlay) Open(name string) (fs.File, error) {
	f, err := o.child.Open(name)
	if err == nil {
		if st, serr := f.Stat(); serr != nil || !st.IsDir() {
			return f, nil
		}
		f.Close() // a directory: ReadDir merges
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	return o.parent.Open(name)
}

func (o overlay) ReadDir(name string) ([]fs.DirEntry, error) {
	seen := map[string]fs.DirEntry{}
	for _, f := range []fs.FS{o.parent, o.child} {
		entries, err := fs.ReadDir(f, name)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		for _, e := range entries {
			seen[e.Name()] = e
		}
	}
	if len(seen) == 0 {
		if _, err := fs.Stat(o, name); err != nil {
			return nil, err
		}
	}
	out := make([]fs.DirEntry, 0, len(seen))
	for _, e := range seen {
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name() < out[j].Name() })
	return out, nil
}

// LoadInheriting loads the theme in fsys over parent's files (nil: none),
// with messages merged key by key, then resolves references between
// messages.
func LoadInheriting(name string, fsys fs.FS, parent *Theme) (*Theme, error) {
	if parent == nil {
		return Load(name, fsys)
	}
	// Messages come from the parent's merged ones and the child's own,
	// not from files: hide every layer's i18n from Load.
	t, err := Load(name, overlay{child: withoutI18n{fsys}, parent: withoutI18n{parent.files}})
	if err != nil {
		return nil, err
	}
	own, err := loadMessages(name, fsys)
	if err != nil {
		return nil, err
	}
	for lang := range t.msgs {
		merged := map[string]string{}
		for k, v := range parent.raw[lang] {
			merged[k] = v
		}
		for k, v := range own[lang] {
			merged[k] = v
		}
		t.raw[lang] = merged
	}
	t.msgs = resolveAll(t.raw)
	t.files = overlay{child: fsys, parent: parent.files}
	t.Parent = parent.Name
	// The theme's own files after its parent's version: a change to
	// either is a new version.
	if t.Version, err = filesVersion(fsys, parent.Version); err != nil {
		return nil, fmt.Errorf("theme %s: %w", name, err)
	}
	return t, nil
}

// withoutI18n hides an i18n directory from Load, which would read every
// layer's files as one theme's (a key in two layers would be "defined
// twice"): LoadInheriting merges the messages itself, key by key.
type withoutI18n struct{ fs.FS }

func (w withoutI18n) Open(name string) (fs.File, error) {
	if name == "i18n" || strings.HasPrefix(name, "i18n/") {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return w.FS.Open(name)
}

// ref is a reference to another message: {university.name}.
var ref = regexp.MustCompile(`\{([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+)\}`)

// resolveAll replaces each {key} of a message by that key's message in
// the same language (references of references too, a cycle left as it
// is), so that the university's name is written once and every message
// that names it, the SMS included, follows.
func resolveAll(raw map[string]map[string]string) map[string]map[string]string {
	out := map[string]map[string]string{}
	for lang, msgs := range raw {
		res := make(map[string]string, len(msgs))
		for k := range msgs {
			res[k] = resolve(msgs, k, 0)
		}
		out[lang] = res
	}
	return out
}

func resolve(msgs map[string]string, key string, depth int) string {
	v := msgs[key]
	if depth > 5 {
		return v
	}
	return ref.ReplaceAllStringFunc(v, func(m string) string {
		k := m[1 : len(m)-1]
		if _, ok := msgs[k]; !ok || k == key {
			return m
		}
		return resolve(msgs, k, depth+1)
	})
}
