package password

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzCheck: any input, however long or malformed, gives a result
// without panicking; the ascii rule agrees with the refused runes.
func FuzzCheck(f *testing.F) {
	for _, s := range []string{"", "Bonjour2024!", "Été à Noël 9", "P@ssw0rd", "\xff\xfe9abc",
		"jean22012345", "\t\x00\u00a0", strings.Repeat("ab1", 100)} {
		f.Add(s, "Jean-Éric", int64(1141689600))
	}
	p := DefaultPolicy()
	f.Fuzz(func(t *testing.T, pw, name string, birth int64) {
		c := Context{StudentID: "22012345", INE: "0A1B2C3D4E5", FirstName: name,
			LastName: name, BirthDate: time.Unix(birth%(1<<40), 0).UTC()}
		r := p.Check(pw, c)
		if r.Score < 0 || r.Score > 4 {
			t.Fatalf("score %d out of range", r.Score)
		}
		ascii := true
		for i := 0; i < len(pw); i++ {
			ascii = ascii && pw[i] >= 0x20 && pw[i] <= 0x7e
		}
		if r.Fails(RuleASCII) == ascii || (len(r.Refused) == 0) != ascii {
			t.Fatalf("ascii rule %v, refused %q, for %q", r.Fails(RuleASCII), r.Refused, pw)
		}
		for _, f := range r.Failed {
			if f.Rule == RuleASCII && f.Args[0] != formatRunes(r.Refused) {
				t.Fatalf("ascii args %v, refused %q", f.Args, r.Refused)
			}
		}
		for i, x := range r.Refused {
			if x >= 0x20 && x <= 0x7e || strings.ContainsRune(string(r.Refused[:i]), x) {
				t.Fatalf("refused %q holds printable or repeated rune %q", r.Refused, x)
			}
			if x != utf8.RuneError && !strings.ContainsRune(pw, x) {
				t.Fatalf("refused rune %q not in password", x)
			}
		}
		n := utf8.RuneCountInString(pw)
		if r.Fails(RuleLength) != (n < p.MinLength || n > p.MaxLength) {
			t.Fatalf("length rule %v for %d runes", r.Fails(RuleLength), n)
		}
	})
}
