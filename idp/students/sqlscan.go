package students

import (
	"database/sql"
	"fmt"
	"strconv"
	"time"
)

// scan reads every row of rows, maps its columns by name to the Record
// fields, and reports invalid or duplicate rows to bad.
func (s *SQL) scan(rows *sql.Rows, fn func(Record) error, bad func(*RowError)) error {
	names, err := rows.Columns()
	if err != nil {
		return fmt.Errorf("students: query columns: %w", err)
	}
	idx, err := s.cfg.Columns.columnIndex(names)
	if err != nil {
		return err
	}
	vals := make([]any, len(names))
	ptrs := make([]any, len(names))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	seen := make(map[string]int)
	for n := 1; rows.Next(); n++ {
		if err := rows.Scan(ptrs...); err != nil {
			return fmt.Errorf("students: row %d: %w", n, err)
		}
		var raw [numFields]string
		for f, i := range idx {
			if i >= 0 {
				raw[f] = sqlText(vals[i])
			}
		}
		r, err := parseRow(&raw, s.cfg.Region)
		if err != nil {
			bad(&RowError{Line: n, Key: raw[fStudentID], Err: err})
			continue
		}
		if first, dup := seen[r.StudentID]; dup {
			bad(&RowError{Line: n, Key: r.StudentID, Err: fmt.Errorf("%w (first on row %d)", ErrDuplicate, first)})
			continue
		}
		seen[r.StudentID] = n
		if err := fn(r); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("students: read rows: %w", err)
	}
	return nil
}

// sqlText renders a driver value as the text parseRow expects: dates as
// ISO dates (Oracle DATE and PostgreSQL date both arrive as time.Time),
// numbers in decimal (an Oracle NUMBER student number or year).
func sqlText(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case []byte:
		return string(v)
	case time.Time:
		return v.Format("2006-01-02")
	case int64:
		return strconv.FormatInt(v, 10)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}
