package students

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// thirty is 30 valid students, one per line.
func thirty() []string {
	var out []string
	for i := range 30 {
		out = append(out, fmt.Sprintf("2201%04d;%09dAB;Nom%d;Prénom;01/02/2006;06 12 34 %02d %02d;e%d@example.org;2026", i, i, i, i, i, i))
	}
	return out
}

// Every quoting accident of an Oracle spool or a spreadsheet costs its
// own row at most: the 30 other students are all read, with the right
// line numbers. With encoding/csv and LazyQuotes, the first case lost
// every row after the accident.
func TestQuotingAccidentsCostOneRow(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, row string
		kept      bool // the accident's own row is still a valid student
	}{
		{"a name that opens with a quote", `22019999;999999999AB;"Zoé;DARC;01/02/2006;0612345699;z@example.org;2026`, true},
		{"a quote inside a name", `22019999;999999999AB;D"Arc;Zoé;01/02/2006;0612345699;z@example.org;2026`, true},
		{"a quote that closes early", `22019999;999999999AB;"D"Arc;Zoé;01/02/2006;0612345699;z@example.org;2026`, true},
		{"a doubled quote, well formed", `22019999;999999999AB;"D""Arc";Zoé;01/02/2006;0612345699;z@example.org;2026`, true},
		{"a separator inside quotes", `22019999;999999999AB;"Martin; Jr";Zoé;01/02/2006;0612345699;z@example.org;2026`, true},
		{"a lone quote at the end of the line", `22019999;999999999AB;DARC;Zoé;01/02/2006;0612345699;z@example.org;2026"`, false},
		{"a quoted field left open at the end", `22019999;999999999AB;DARC;Zoé;01/02/2006;0612345699;z@example.org;"2026`, false},
		{"too few columns and an open quote", `22019999;"999999999AB`, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			for _, eol := range []string{"\n", "\r\n"} {
				for _, at := range []int{0, 10, 29} {
					lines := thirty()
					lines = slices.Insert(lines, at, c.row)
					data := strings.ReplaceAll(header, "\n", eol) + strings.Join(lines, eol) + eol
					recs, bad, err := readAll(t, data, CSVFormat{})
					if err != nil {
						t.Fatal(err)
					}
					want := 30
					if c.kept {
						want = 31
					}
					if len(recs) != want {
						t.Errorf("at %d, eol %q: %d students read, want %d (bad: %v)", at, eol, len(recs), want, bad)
					}
					for _, e := range bad {
						if e.Line != at+2 {
							t.Errorf("at %d: row error on line %d, want %d: %v", at, e.Line, at+2, e)
						}
					}
					if !c.kept && len(bad) != 1 {
						t.Errorf("at %d: %d row errors, want 1", at, len(bad))
					}
				}
			}
		})
	}
}

// A quoted field over two lines (an address typed with Alt+Enter in a
// spreadsheet) is still one row when the record has the header's width.
func TestMultilineQuotedFieldKept(t *testing.T) {
	t.Parallel()
	data := "A;B;C\n1;\"rue X\nBât. B\";3\n4;5;6\n"
	r := newRows([]byte(data), ';', 0)
	r.next()
	r.width = 3
	got, line, _ := r.next()
	if !slices.Equal(got, []string{"1", "rue X\nBât. B", "3"}) || line != 2 {
		t.Fatalf("got %q on line %d", got, line)
	}
	got, line, _ = r.next()
	if !slices.Equal(got, []string{"4", "5", "6"}) || line != 4 {
		t.Fatalf("next row %q on line %d, want line 4", got, line)
	}
}

// On well-formed CSV (what encoding/csv writes), the reader returns what
// encoding/csv reads: the reference, fuzzed. Left out: a quoted field
// with a middle line that has the header's width by itself (no quote,
// enough separators), which the reader takes as a row of its own (a
// student is worth more than an address's second line).
func FuzzRowsMatchEncodingCSV(f *testing.F) {
	f.Add("a;b;c", 3)
	f.Add("x\"y;;\n;z\r\n;", 2)
	f.Add("\"quoted\";with;sep", 4)
	f.Fuzz(func(t *testing.T, s string, width int) {
		if width < 1 || width > 6 || !strings.ContainsAny(s, "\x00") && len(s) > 400 {
			return
		}
		// Cut the input into records of width fields.
		parts := strings.Split(s, "|")
		var records [][]string
		for len(parts) > 0 {
			rec := make([]string, width)
			for i := range rec {
				if len(parts) > 0 {
					rec[i], parts = parts[0], parts[1:]
				}
			}
			records = append(records, rec)
		}
		for _, rec := range records {
			for _, f := range rec {
				lines := strings.Split(strings.ReplaceAll(f, "\r\n", "\n"), "\n")
				for _, l := range lines[min(1, len(lines)):max(1, len(lines)-1)] {
					if l != "" && !strings.Contains(l, "\"") && strings.Count(l, ";") >= width-1 {
						return // a middle line that is a row by itself
					}
				}
			}
		}
		var buf bytes.Buffer
		w := csv.NewWriter(&buf)
		w.Comma = ';'
		if err := w.WriteAll(records); err != nil {
			return // not writable as CSV (invalid UTF-8 in a quoted field…)
		}
		ref := csv.NewReader(bytes.NewReader(buf.Bytes()))
		ref.Comma = ';'
		ref.FieldsPerRecord = -1
		want, err := ref.ReadAll()
		if err != nil {
			t.Skip()
		}
		r := newRows(buf.Bytes(), ';', width)
		var got [][]string
		for {
			rec, _, ok := r.next()
			if !ok {
				break
			}
			got = append(got, rec)
		}
		if len(got) != len(want) {
			t.Fatalf("%d records, encoding/csv reads %d\n%q\ngot  %q\nwant %q", len(got), len(want), buf.String(), got, want)
		}
		for i := range want {
			if !slices.Equal(got[i], want[i]) {
				t.Fatalf("record %d = %q, encoding/csv reads %q\n%q", i, got[i], want[i], buf.String())
			}
		}
	})
}

// Each skipped row is logged with its line, student number and reason,
// and nothing else of the student; the count is kept for the metric.
func TestSkippedRowsLogged(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "apogee.csv")
	data := header + strings.Join(thirty()[:3], "\n") + "\n" +
		"22019999;999999999AB;Secret-Name;Zoé;31/02/2006;0612345699;z@example.org;2026\n" +
		"22019998;nope;Other;Zoé;01/02/2006;0612345699;secret@example.org;2026\n"
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	src, err := NewCSV(context.Background(), CSVConfig{Path: path, Logger: slog.New(slog.NewJSONHandler(&buf, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if src.InvalidRows() != 2 {
		t.Errorf("InvalidRows = %d, want 2", src.InvalidRows())
	}
	rows, total := src.Skipped()
	if want := []SkippedRow{{5, "22019999", "date"}, {6, "22019998", "ine"}}; total != 2 || !slices.Equal(rows, want) {
		t.Errorf("Skipped = %+v, %d; want %+v", rows, total, want)
	}
	logs := buf.String()
	for _, want := range []string{`"line":5`, `"student":"22019999"`, `"line":6`, `"student":"22019998"`, "invalid date"} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %s:\n%s", want, logs)
		}
	}
	for _, secret := range []string{"Secret-Name", "secret@example.org", "0612345699", "999999999AB"} {
		if strings.Contains(logs, secret) {
			t.Errorf("log holds %q:\n%s", secret, logs)
		}
	}
}
