package students

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// CSVFormat describes an APOGEE extraction file: semicolon-separated, one
// header line naming the columns, UTF-8 or Latin-1 (Windows-1252).
type CSVFormat struct {
	Columns Columns // zero fields take DefaultColumns
	Comma   rune    // field separator; default ';'
	Region  string  // default region for national phone numbers; default "FR"
	// Encoding is "auto" (the default: UTF-8 if the file is valid UTF-8,
	// else Windows-1252), "utf-8" (invalid UTF-8 fails the file) or
	// "latin-1" (read as Windows-1252, its superset, whatever the bytes).
	Encoding string
}

func (f CSVFormat) withDefaults() CSVFormat {
	if f.Comma == 0 {
		f.Comma = ';'
	}
	if f.Region == "" {
		f.Region = "FR"
	}
	return f
}

// ErrDuplicate means a student number appears on more than one row; the
// first row wins.
var ErrDuplicate = errors.New("students: duplicate student number")

// ErrColumnCount means a row has more or fewer fields than the header.
var ErrColumnCount = errors.New("students: wrong number of columns")

// ReadCSV parses an extraction held in data. fn is called for each valid
// record in file order; each invalid row (bad INE, phone, date, duplicate
// student number, wrong column count) goes to bad with its line number and
// is skipped. It fails only if the file as a whole is unusable (no header,
// a required column missing) or fn returns an error.
func ReadCSV(ctx context.Context, data []byte, format CSVFormat, fn func(Record) error, bad func(*RowError)) error {
	format = format.withDefaults()
	text, err := decode(data, format.Encoding)
	if err != nil {
		return err
	}
	if format.Comma >= utf8.RuneSelf || format.Comma == '"' || format.Comma == '\n' || format.Comma == '\r' {
		return fmt.Errorf("students: CSV separator %q: one ASCII character other than a quote or a line break", format.Comma)
	}
	r := newRows(text, format.Comma, 0)
	header, _, ok := r.next()
	if !ok {
		return fmt.Errorf("students: read CSV header: %w", io.EOF)
	}
	idx, err := format.Columns.columnIndex(header)
	if err != nil {
		return err
	}
	width := len(header)
	for width > 0 && strings.TrimSpace(header[width-1]) == "" {
		width-- // a separator after the last column name
	}
	r.width = width
	seen := make(map[string]int)
	for n := 0; ; n++ {
		if n%4096 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		rec, line, ok := r.next()
		if !ok {
			return nil
		}
		if !fits(rec, width) {
			bad(&RowError{Line: line, Err: fmt.Errorf("%w: %d, header has %d", ErrColumnCount, len(rec), width)})
			continue
		}
		var raw [numFields]string
		for f, i := range idx {
			if i >= 0 {
				raw[f] = rec[i]
			}
		}
		s, err := parseRow(&raw, format.Region)
		if err != nil {
			bad(&RowError{Line: line, Key: raw[fStudentID], Err: err})
			continue
		}
		if first, dup := seen[s.StudentID]; dup {
			bad(&RowError{Line: line, Key: s.StudentID, Err: fmt.Errorf("%w (first on line %d)", ErrDuplicate, first)})
			continue
		}
		seen[s.StudentID] = line
		if err := fn(s); err != nil {
			return err
		}
	}
}

// fits says whether a row has the header's width, tolerating empty fields
// after it: SQL*Plus spools and spreadsheets often end every line with a
// separator, on the data lines only or on the header too.
func fits(rec []string, width int) bool {
	if len(rec) < width {
		return false
	}
	for _, f := range rec[width:] {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// ErrEncoding means the file does not match its configured encoding.
var ErrEncoding = errors.New("students: CSV encoding")

// decode returns data as UTF-8 according to the configured encoding.
func decode(data []byte, encoding string) ([]byte, error) {
	switch encoding {
	case "", "auto":
		return decodeText(data), nil
	case "utf-8", "utf8", "UTF-8":
		data = bytes.TrimPrefix(data, []byte("\ufeff"))
		if !utf8.Valid(data) {
			return nil, fmt.Errorf("%w: not valid UTF-8 (is it latin-1?)", ErrEncoding)
		}
		return data, nil
	case "latin-1", "latin1", "iso-8859-1", "windows-1252":
		out, err := charmap.Windows1252.NewDecoder().Bytes(data)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrEncoding, err)
		}
		return out, nil
	}
	return nil, fmt.Errorf("%w: %q is not auto, utf-8 or latin-1", ErrEncoding, encoding)
}

// decodeText returns data as UTF-8: unchanged (minus a byte-order mark) if
// it is valid UTF-8, else decoded as Windows-1252, the superset of Latin-1
// that APOGEE's Oracle client writes on French Windows workstations.
func decodeText(data []byte) []byte {
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	if utf8.Valid(data) {
		return data
	}
	out, err := charmap.Windows1252.NewDecoder().Bytes(data)
	if err != nil {
		// Windows-1252 maps every byte; fall back to ISO-8859-1, which
		// cannot fail either.
		out, _ = charmap.ISO8859_1.NewDecoder().Bytes(data)
	}
	return out
}

// CSVFile is a bulk-only CSV source: it reads the file at each All and
// keeps nothing in memory between calls, for ldapsync (NewCSV also keeps
// a lookup map, which a one-off sync does not need).
type CSVFile struct {
	Path   string
	Format CSVFormat
}

// All calls fn for every valid row of the file.
func (f CSVFile) All(ctx context.Context, fn func(Record) error, bad func(*RowError)) error {
	data, err := os.ReadFile(f.Path)
	if err != nil {
		return fmt.Errorf("students: read %s: %w", f.Path, err)
	}
	return ReadCSV(ctx, data, f.Format, fn, bad)
}
