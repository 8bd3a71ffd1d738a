// Package students reads student records from the student information
// system (APOGEE, Pégase) — live for the activation's coherence check, in
// bulk for ldapsync — behind two small interfaces.
package students

import (
	"context"
	"errors"
	"time"
)

// ErrNotFound means the source holds no record for that student number.
var ErrNotFound = errors.New("students: no such student")

// Record is one student as the student information system knows them.
// Mobile is E.164 (or empty); INE is upper-case without spaces.
type Record struct {
	StudentID string    // COD_ETU, e.g. "22012345"
	INE       string    // 11 characters, see ValidINE
	LastName  string    // family name
	FirstName string    // given name
	BirthDate time.Time // date only, UTC midnight; zero if unknown
	Mobile    string    // E.164, e.g. "+33788102599"
	Email     string    // personal e-mail typed at enrolment
	Year      int       // enrolment year (e.g. 2026); 0 if unknown
	EndDate   time.Time // end of studies; zero if unknown
	// Hold says why a record that matches cannot activate yet; empty for
	// none. Only Pégase says so today (an INE that INES has not
	// confirmed, a potential duplicate, no enrolment this period).
	Hold Hold
}

// Hold is a reason, known to the student information system, why a
// student cannot activate their account until the scolarité acts. It is
// told to the student only once the typed details match the record, so
// it reveals nothing to someone who only knows a student number.
type Hold string

const (
	// HoldINE: the INE's status at INES is not CONFIRME (A_VERIFIER,
	// DONNEES_INCOMPLETES, LITIGE, INCONNU…).
	HoldINE Hold = "ine_unconfirmed"
	// HoldDuplicate: the learner is flagged as a potential duplicate of
	// another identity, which the university must resolve first.
	HoldDuplicate Hold = "duplicate"
	// HoldNotEnrolled: no valid enrolment for the current period.
	HoldNotEnrolled Hold = "not_enrolled"
)

// Source looks one student up, live: enrolment has just happened, so a
// nightly copy would be too late for the activation's coherence check.
type Source interface {
	Lookup(ctx context.Context, studentID string) (Record, error)
}

// RowError reports one unusable row of a bulk read (bad INE, unparseable
// phone, duplicate student number). Bulk readers report and skip such rows.
type RowError struct {
	Line int    // 1-based line or row number in the source
	Key  string // student number, when known
	Err  error
}

func (e *RowError) Error() string { return e.Err.Error() }
func (e *RowError) Unwrap() error { return e.Err }

// Rule names the check the row failed, for a translated message: ine,
// phone, student_id, name, date, year, email, duplicate, columns or
// other. It holds no value from the row.
func (e *RowError) Rule() string {
	for _, r := range rowRules {
		if errors.Is(e.Err, r.err) {
			return r.name
		}
	}
	return "other"
}

var rowRules = []struct {
	err  error
	name string
}{
	{ErrINEFormat, "ine"}, {ErrPhone, "phone"}, {ErrStudentID, "student_id"}, {ErrName, "name"},
	{ErrDate, "date"}, {ErrYear, "year"}, {ErrEmail, "email"}, {ErrDuplicate, "duplicate"},
	{ErrColumnCount, "columns"},
}

// SkippedRow is one row a source left out, as staff see it: where, whose,
// and which rule; never the row's other data.
type SkippedRow struct {
	Line      int
	StudentID string
	Rule      string
}

// Bulk reads every current student, for ldapsync. fn is called once per
// valid record; invalid rows are passed as *RowError in bad and skipped.
type Bulk interface {
	All(ctx context.Context, fn func(Record) error, bad func(*RowError)) error
}
