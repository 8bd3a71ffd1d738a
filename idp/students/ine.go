package students

import (
	"errors"
	"regexp"
	"strings"
)

// ErrINEFormat means the value matches none of the known INE formats.
var ErrINEFormat = errors.New("students: INE matches no known format")

// ineFormats are the shapes of the INE formats in use. No check-character
// algorithm is published that we could verify, so none is applied: the
// coherence check against the student record is what proves the value.
var ineFormats = []struct {
	name string
	re   *regexp.Regexp
}{
	{"RNIE", regexp.MustCompile(`^[0-9]{9}[A-HJK]{2}$`)},
	{"BEA", regexp.MustCompile(`^[0-9]{10}[A-HJ-NPR-Z]$`)},
	{"SIFA", regexp.MustCompile(`^[0-9]{4}A[0-9]{5}[A-HJ-NPR-Z]$`)},
	{"provisional", regexp.MustCompile(`^[0-9]{4}D[0-9]{5}[A-HJ-NPR-Z]$`)},
	{"base36", regexp.MustCompile(`^[0-9A-Z]{10}[0-9]$`)},
}

// NormaliseINE upper-cases the value and drops spaces, dots and dashes,
// then checks it against the known formats. It returns the normalised INE
// and the format's name, or ErrINEFormat.
func NormaliseINE(s string) (ine, format string, err error) {
	if len(s) > 64 {
		return "", "", ErrINEFormat
	}
	var b strings.Builder
	for _, r := range s {
		switch r {
		case ' ', '\t', '.', '-', '\u00a0':
			continue
		}
		b.WriteRune(r)
	}
	v := strings.ToUpper(b.String())
	for _, f := range ineFormats {
		if f.re.MatchString(v) {
			return v, f.name, nil
		}
	}
	return "", "", ErrINEFormat
}
