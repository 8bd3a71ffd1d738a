package students

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// BenchmarkReadCSV100k parses a 100,000-row extraction (Latin-1 accents
// included, so the Windows-1252 path is taken).
func BenchmarkReadCSV100k(b *testing.B) {
	var sb strings.Builder
	sb.WriteString(header)
	for i := range 100_000 {
		fmt.Fprintf(&sb, "22%06d;123456789AB;Dupont;\xc9lodie;03/07/2005;07 88 %02d %02d %02d;e%d@example.org;2026\n",
			i, i/10000%100, i/100%100, i%100, i)
	}
	data := []byte(sb.String())
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		err := ReadCSV(context.Background(), data, CSVFormat{}, func(Record) error { n++; return nil }, func(*RowError) {})
		if err != nil || n != 100_000 {
			b.Fatal(err, n)
		}
	}
}
