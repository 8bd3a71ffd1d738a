package password

import (
	"strings"
	"testing"
	"time"
)

var benchContext = Context{StudentID: "22012345", INE: "1234567890A", FirstName: "Jean-Éric",
	LastName: "Martin", BirthDate: time.Date(2006, 3, 7, 0, 0, 0, 0, time.UTC)}

// BenchmarkCheck runs every rule and the score, dictionaries loaded, on
// a mix of typical passwords.
func BenchmarkCheck(b *testing.B) {
	p := DefaultPolicy()
	pws := []string{"Bonjour2024!", "P@ssw0rd!", "correct-horse-battery-9", "x7#kQ9!m2Lp", "Tours2026"}
	if err := Preload(); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		p.Check(pws[i%len(pws)], benchContext)
	}
}

// BenchmarkLoad checks the embedded word list, as Preload does once.
func BenchmarkLoad(b *testing.B) {
	b.ReportAllocs()
	var d *dict
	for b.Loop() {
		var err error
		if d, err = decodeDict(wordsBin); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(d.len()), "words")
	b.ReportMetric(float64(len(wordsBin)), "embedded-bytes")
}

// BenchmarkCheckLong is the worst case an anonymous request can ask for:
// a password at HighestMaxLength bytes, full of l33t and word fragments.
func BenchmarkCheckLong(b *testing.B) {
	p := DefaultPolicy()
	pw := truncate(strings.Repeat("P@ss1l0ve-bonjour-", 20), HighestMaxLength)
	if err := Preload(); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		p.Check(pw, benchContext)
	}
}
