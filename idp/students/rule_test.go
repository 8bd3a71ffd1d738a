package students

import (
	"errors"
	"fmt"
	"testing"
)

func TestRowErrorRule(t *testing.T) {
	for _, c := range []struct {
		err  error
		want string
	}{
		{ErrINEFormat, "ine"},
		{ErrPhone, "phone"},
		{ErrStudentID, "student_id"},
		{ErrName, "name"},
		{fmt.Errorf("birth date: %w", ErrDate), "date"},
		{ErrYear, "year"},
		{ErrEmail, "email"},
		{fmt.Errorf("%w (first on line 3)", ErrDuplicate), "duplicate"},
		{fmt.Errorf("%w: 7, header has 8", ErrColumnCount), "columns"},
		{errors.New("something else"), "other"},
	} {
		if got := (&RowError{Err: c.err}).Rule(); got != c.want {
			t.Errorf("Rule(%v) = %q, want %q", c.err, got, c.want)
		}
	}
}
