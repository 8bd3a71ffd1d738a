package config

import (
	"context"
	"log/slog"
	"reflect"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/seuil-idp/seuil/idp/students"
)

// studentKinds are the kinds of student source, by their key under
// "students". A kind is one entry here and one type: its section's keys
// and defaults (struct tags and setDefaults), its checks, its one-line
// summary and how it opens, as Dex registers its connectors.
var studentKinds = map[string]func() StudentKind{
	"csv":    func() StudentKind { return new(CSVStudents) },
	"sql":    func() StudentKind { return new(SQLStudents) },
	"ldap":   func() StudentKind { return new(LDAPStudents) },
	"pegase": func() StudentKind { return new(PegaseStudents) },
}

// StudentKind is the section of one kind of student source.
type StudentKind interface {
	// check reports every problem of the section at path.
	check(path string, r *report)
	// describe is the section's line in check-config's summary.
	describe() string
	// Settings is the source package's own configuration that open
	// passes (students.CSVConfig, …), without its logger.
	Settings() any
	// open connects to the source.
	open(ctx context.Context, log *slog.Logger) (StudentSource, func() error, error)
}

// bulkOpener is a kind that reads differently for sync than for live
// lookups (a CSV file read once, without the lookup map).
type bulkOpener interface {
	openBulk() students.Bulk
}

// inMemory is a kind that holds every record in memory already, which
// the lookup cache would only duplicate.
type inMemory interface{ inMemory() }

// StudentSource is a live source that can also be read in bulk (sync).
type StudentSource interface {
	students.Source
	students.Bulk
}

// Students is the student source: exactly one kind, and how long a
// looked-up record may be served from memory.
type Students struct {
	// CacheMaxAge bounds the age of a record served from the lookup
	// cache of a live source (sql, ldap, pegase); 0 turns the cache
	// off. Default 1m.
	CacheMaxAge Duration `yaml:"cache_max_age"`

	kind    string
	section StudentKind
	extra   []string // further kinds set, refused by check
}

var studentsType = reflect.TypeOf(Students{})

// Kind names the configured kind ("" when none).
func (s Students) Kind() string { return s.kind }

// Section is the configured kind's section, for tests and tools.
func (s Students) Section() StudentKind { return s.section }

// Open connects to the source for live lookups.
func (s Students) Open(ctx context.Context, log *slog.Logger) (StudentSource, func() error, error) {
	return s.section.open(ctx, log)
}

// OpenBulk opens the source for one bulk read (sync).
func (s Students) OpenBulk(ctx context.Context, log *slog.Logger) (students.Bulk, func() error, error) {
	if b, ok := s.section.(bulkOpener); ok {
		return b.openBulk(), func() error { return nil }, nil
	}
	return s.section.open(ctx, log)
}

// Cached reports how long lookups may be served from memory (0: not).
func (s Students) Cached() time.Duration {
	if _, ok := s.section.(inMemory); ok {
		return 0
	}
	return s.CacheMaxAge.D()
}

func defaultStudents() Students { return Students{CacheMaxAge: Duration(time.Minute)} }

// students decodes the "students" section: its own keys, then the one
// kind. A second kind is kept to be refused by name in check.
func (d *decoder) students(n *yaml.Node, s *Students, path string) {
	if n.Kind != yaml.MappingNode {
		d.at(n.Line, path, "must be a mapping (key: value lines), not %s", kindName(n))
		return
	}
	own := fields(studentsType)
	known := map[string]field{}
	for k, f := range own {
		known[k] = f
	}
	for k := range studentKinds {
		known[k] = field{}
	}
	seen := map[string]bool{}
	v := reflect.ValueOf(s).Elem()
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		p := join(path, k.Value)
		if seen[k.Value] {
			d.at(k.Line, p, "defined twice")
			continue
		}
		seen[k.Value] = true
		if f, ok := own[k.Value]; ok {
			d.lines[p] = k.Line
			d.value(val, v.FieldByIndex(f.index), p)
			continue
		}
		newKind, ok := studentKinds[k.Value]
		if !ok {
			d.unknown(k, p, known)
			continue
		}
		d.lines[p] = k.Line
		switch {
		case s.kind == k.Value: // an overlay's same kind: decoded over the base
		case s.kind == "":
			s.kind, s.section = k.Value, newKind()
			if def, ok := s.section.(defaulter); ok {
				def.setDefaults()
			}
		default:
			s.extra = append(s.extra, k.Value)
			continue
		}
		if val.Kind == yaml.ScalarNode && val.Tag == "!!null" {
			continue // "csv:" alone: the kind with its defaults
		}
		d.value(val, reflect.ValueOf(s.section), p)
	}
}

func checkStudents(s *Students, r *report) {
	switch {
	case s.section == nil:
		r.add("students", "required: set one of %s", strings.Join(sortedKeys(studentKinds), ", "))
		return
	case len(s.extra) > 0:
		r.add("students", "set only one of %s (found %s and %s)", strings.Join(sortedKeys(studentKinds), ", "),
			s.kind, strings.Join(s.extra, " and "))
	}
	s.section.check("students."+s.kind, r)
	if _, mem := s.section.(inMemory); mem && r.has("students.cache_max_age") && s.CacheMaxAge > 0 {
		r.add("students.cache_max_age", "the %s source holds every record in memory already: the cache is for live sources (sql, ldap, pegase); remove the key", s.kind)
	}
	if s.CacheMaxAge != 0 {
		r.between("students.cache_max_age", s.CacheMaxAge.D(), time.Second, time.Hour)
	}
}

func (s Students) describe() string {
	if s.section == nil {
		return "none"
	}
	line := s.kind + " " + s.section.describe()
	if age := s.Cached(); age > 0 {
		line += ", lookups cached " + Duration(age).String()
	}
	return line
}
