package students

import (
	"bytes"
)

// rows reads CSV records the way encoding/csv does for well-formed files
// (RFC 4180: quoted fields, "" for a quote, newlines inside quotes), but
// never lets one malformed row take others with it. encoding/csv, even
// with LazyQuotes, reads a field that opens with a quote up to the next
// quote in the file: one student named `"Zoé` in an Oracle spool
// swallowed every row after it. Here a record that spans lines is kept
// only if it has the header's width; otherwise its first line is read
// alone, quotes taken literally, and reading resumes on the next line.
type rows struct {
	text  []byte
	comma byte
	width int
	pos   int
	line  int // 1-based number of the line at pos
}

func newRows(text []byte, comma rune, width int) *rows {
	return &rows{text: text, comma: byte(comma), width: width, line: 1}
}

// next returns the next record and the line it starts on; ok is false at
// the end of the text. Empty lines are skipped, as encoding/csv does.
func (r *rows) next() (fields []string, line int, ok bool) {
	for r.pos < len(r.text) {
		if n := newlineAt(r.text, r.pos); n > 0 {
			r.pos += n
			r.line++
			continue
		}
		start, startLine := r.pos, r.line
		fields, end, lines := parseRecord(r.text, start, r.comma)
		if lines > 0 && r.width > 0 && (!fits(fields, r.width) || r.swallows(start, end)) {
			// A quote opened a field and the record ran over lines into
			// a shape the header does not have, or over a line that is
			// a row on its own: that first line is a row of its own,
			// read with its quotes as characters.
			end = lineEnd(r.text, start)
			fields, lines = splitLiteral(r.text[start:end], r.comma), 0
		}
		r.pos, r.line = end, startLine+bytes.Count(r.text[start:end], []byte{'\n'})
		return fields, startLine, true
	}
	return nil, r.line, false
}

// swallows reports whether a record spanning lines from start to end
// takes in a later line that would be a whole row by itself (the
// header's width, and no quote: not the line that closes the field):
// such a line is a student, not the rest of someone's address.
func (r *rows) swallows(start, end int) bool {
	// end is past the record's own line break, which starts no line.
	if end > start && r.text[end-1] == '\n' {
		end--
		if end > start && r.text[end-1] == '\r' {
			end--
		}
	}
	i := lineEnd(r.text, start)
	for i < end {
		i += newlineAt(r.text, i)
		j := min(lineEnd(r.text, i), end)
		if l := r.text[i:j]; len(l) > 0 && bytes.IndexByte(l, '"') < 0 && fits(splitLiteral(l, r.comma), r.width) {
			return true
		}
		i = j
		if i >= end || newlineAt(r.text, i) == 0 {
			break
		}
	}
	return false
}

// newlineAt is the length of the line break at i (\n or \r\n), or 0.
func newlineAt(b []byte, i int) int {
	switch {
	case b[i] == '\n':
		return 1
	case b[i] == '\r' && i+1 < len(b) && b[i+1] == '\n':
		return 2
	}
	return 0
}

// lineEnd is the index of the end of the line starting at i (its break
// excluded).
func lineEnd(b []byte, i int) int {
	if j := bytes.IndexByte(b[i:], '\n'); j >= 0 {
		if j > 0 && b[i+j-1] == '\r' {
			return i + j - 1
		}
		return i + j
	}
	return len(b)
}

// parseRecord reads one record from i with RFC 4180 quoting (lazily: a
// quote inside an unquoted field, or after a closing quote, is a
// character). It returns the fields, the index after the record's line
// break, and how many line breaks the record itself contains (inside
// quotes).
func parseRecord(b []byte, i int, comma byte) (fields []string, end, lines int) {
	var f []byte
	for {
		f = f[:0]
		if i < len(b) && b[i] == '"' {
			i++
			for i < len(b) {
				c := b[i]
				if c == '"' {
					if i+1 < len(b) && b[i+1] == '"' {
						f = append(f, '"')
						i += 2
						continue
					}
					i++
					// Closed: what follows up to the separator is part
					// of the field (lazy quotes).
					for i < len(b) && b[i] != comma && newlineAt(b, i) == 0 {
						f = append(f, b[i])
						i++
					}
					break
				}
				if c == '\n' {
					lines++
				}
				if c == '\r' && i+1 < len(b) && b[i+1] == '\n' {
					i++ // \r\n inside quotes reads as \n, as encoding/csv does
					continue
				}
				f = append(f, c)
				i++
			}
			fields = append(fields, string(f))
		} else {
			start := i
			for i < len(b) && b[i] != comma && b[i] != '\n' && newlineAt(b, i) == 0 {
				i++
			}
			fields = append(fields, string(b[start:i]))
		}
		if i >= len(b) {
			return fields, i, lines
		}
		if b[i] == comma {
			i++
			if i >= len(b) {
				return append(fields, ""), i, lines
			}
			continue
		}
		return fields, i + newlineAt(b, i), lines
	}
}

// splitLiteral splits one line on the separator, quotes as characters.
func splitLiteral(line []byte, comma byte) []string {
	var out []string
	for _, p := range bytes.Split(line, []byte{comma}) {
		out = append(out, string(p))
	}
	return out
}
