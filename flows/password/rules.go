package password

import (
	"fmt"
	"strings"
	"unicode"
)

func hasDigit(s string) bool {
	return strings.IndexAny(s, "0123456789") >= 0
}

// maxRefused bounds the refused characters reported (and the work of
// collecting them from a huge input): the message needs only a few.
const maxRefused = 16

// refusedRunes returns the distinct runes outside printable ASCII, in
// order of first appearance, at most maxRefused of them; invalid UTF-8
// shows as U+FFFD.
func refusedRunes(s string) []rune {
	var out []rune
	for _, r := range s {
		if r >= 0x20 && r <= 0x7e {
			continue
		}
		if len(out) == maxRefused {
			break
		}
		seen := false
		for _, o := range out {
			seen = seen || o == r
		}
		if !seen {
			out = append(out, r)
		}
	}
	return out
}

// formatRunes writes refused runes for the message: visible ones as
// themselves, invisible ones (tab, no-break space…) as U+XXXX.
func formatRunes(rs []rune) string {
	parts := make([]string, len(rs))
	for i, r := range rs {
		if unicode.IsGraphic(r) && !unicode.IsSpace(r) {
			parts[i] = string(r)
		} else {
			parts[i] = fmt.Sprintf("U+%04X", r)
		}
	}
	return strings.Join(parts, ", ")
}

// asciiLower lower-cases ASCII letters only, so byte offsets are kept.
func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if b[j] >= 'A' && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// minCore is the shortest stripped remainder that counts as "based on a
// dictionary word": any random password may start or end with a short
// word ("a", "le", "the"), so shorter remainders are ignored.
const minCore = 4

// dictionaryBased reports whether a lower-cased password is, or is built
// on, a listed word. The rule: the password itself is listed; or, with
// leading and trailing digits and symbols removed, and common l33t
// substitutions undone (before or after removing them), what remains is a
// listed word of at least minCore letters. "Bonjour2024!", "p@ssw0rd1"
// and "4dm1n1str4t10n" are refused; "bonjour-la-vie-2024" is not (the
// strength meter judges word combinations).
func dictionaryBased(lower string) bool {
	d := words()
	if _, _, ok := d.lookup(lower); ok {
		return true
	}
	listed := func(s string) bool {
		_, _, ok := d.lookup(s)
		return len(s) >= minCore && ok
	}
	core := trimNonLetters(lower)
	if listed(core) {
		return true
	}
	for _, v := range unleet(core) {
		if listed(v) {
			return true
		}
	}
	for _, v := range unleet(lower) {
		if listed(trimNonLetters(v)) {
			return true
		}
	}
	return false
}

func trimNonLetters(s string) string {
	return strings.TrimFunc(s, func(r rune) bool { return r < 'a' || r > 'z' })
}
