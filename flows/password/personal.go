package password

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Kinds of personal data, as reported in RulePersonal's Args.
const (
	KindStudentID = "student_id"
	KindINE       = "ine"
	KindName      = "name"
	KindBirthDate = "birth_date"
)

// minNamePart: shorter name parts ("Li", "Ba") would refuse too many
// unrelated passwords, so they are only checked by the strength score.
const minNamePart = 3

// personal holds the student's data in the lower-case forms a password
// may contain them, by kind.
type personal struct {
	id, ine, names, dates []string
}

// birthLayouts are the common ways of writing a birth date (French day
// first, ISO, and the American month first).
var birthLayouts = []string{
	"02012006", "20060102", "020106", "060102", "01022006",
	"2006-01-02", "2006/01/02", "2006.01.02",
	"02/01/2006", "02-01-2006", "02.01.2006", "2/1/2006", "2-1-2006",
	"02/01/06", "02-01-06", "02.01.06",
}

func personalTokens(c Context) personal {
	var p personal
	if id := strings.ToLower(strings.TrimSpace(c.StudentID)); len(id) >= 4 {
		p.id = []string{id}
	}
	if ine := strings.ToLower(strings.TrimSpace(c.INE)); len(ine) >= 10 {
		// The first ten characters: a student may leave out the key.
		p.ine = []string{ine[:10]}
	}
	for _, n := range []string{c.FirstName, c.LastName} {
		p.names = append(p.names, nameForms(n)...)
	}
	if !c.BirthDate.IsZero() {
		for _, l := range birthLayouts {
			p.dates = append(p.dates, c.BirthDate.Format(l))
		}
	}
	return p
}

// nameForms returns a name's parts of at least minNamePart letters, and
// the whole name without separators: "Jean-Éric" → jean, eric, jeaneric.
func nameForms(name string) []string {
	f := foldName(name)
	parts := strings.FieldsFunc(f, func(r rune) bool { return r < 'a' || r > 'z' })
	var out []string
	for _, part := range parts {
		if len(part) >= minNamePart {
			out = append(out, part)
		}
	}
	if whole := strings.Join(parts, ""); len(parts) > 1 && len(whole) >= minNamePart {
		out = append(out, whole)
	}
	return out
}

var ligatures = strings.NewReplacer("œ", "oe", "Œ", "oe", "æ", "ae", "Æ", "ae", "ß", "ss")

// foldName lower-cases and drops accents: "Éloïse" → "eloise".
func foldName(s string) string {
	s = ligatures.Replace(s)
	var b strings.Builder
	for _, r := range norm.NFD.String(strings.ToLower(s)) {
		if !unicode.Is(unicode.Mn, r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// found returns the kinds of personal data the lower-cased password
// contains. Names are also looked for once l33t is undone ("m4rt1n").
func (p personal) found(lower string) []any {
	var kinds []any
	if containsAny(lower, p.id) {
		kinds = append(kinds, KindStudentID)
	}
	if containsAny(lower, p.ine) {
		kinds = append(kinds, KindINE)
	}
	if len(p.names) > 0 {
		hit := containsAny(lower, p.names)
		for _, v := range unleet(lower) {
			hit = hit || containsAny(v, p.names)
		}
		if hit {
			kinds = append(kinds, KindName)
		}
	}
	if containsAny(lower, p.dates) {
		kinds = append(kinds, KindBirthDate)
	}
	return kinds
}

// inputs lists every form, for the strength score's user dictionary.
func (p personal) inputs() []string {
	var in []string
	for _, l := range [][]string{p.id, p.ine, p.names, p.dates} {
		in = append(in, l...)
	}
	return in
}

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}
