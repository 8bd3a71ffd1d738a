package students

import (
	"errors"
	"testing"
	"time"
)

// TestParseDate: the shapes dates take in extractions. SQL*Plus spools
// and spreadsheets re-saving an extraction add a time of day to
// DD/MM/YYYY; refusing it cost the whole row, so the student could not
// activate.
func TestParseDate(t *testing.T) {
	t.Parallel()
	d := time.Date(2005, 7, 3, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Time
		err  error
	}{
		{"", time.Time{}, nil},
		{"03/07/2005", d, nil},
		{"03/07/2005 00:00:00", d, nil},
		{"03/07/2005 00:00", d, nil},
		{"2005-07-03", d, nil},
		{"2005-07-03 00:00:00", d, nil},
		{"2005-07-03T00:00:00Z", d, nil},
		{"20050703000000Z", d, nil},
		{"20050703", d, nil},
		{"03/07/05", time.Time{}, ErrDate}, // which century: refused, not guessed
		{"31/02/2005", time.Time{}, ErrDate},
		{"2005/07/03", time.Time{}, ErrDate},
	}
	for _, tt := range tests {
		got, err := parseDate(tt.in)
		if !got.Equal(tt.want) || !errors.Is(err, tt.err) {
			t.Errorf("parseDate(%q) = %v, %v; want %v, %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}
