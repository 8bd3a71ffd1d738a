package students

import (
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Columns names the fields of a student row, as CSV header names or SQL
// result column names (matched case-insensitively). A zero field takes its
// default from DefaultColumns. StudentID, INE, LastName and FirstName must
// be present; the other columns are optional (a source without them leaves
// the Record field empty).
type Columns struct {
	StudentID string `yaml:"student_id"` // default COD_ETU
	INE       string `yaml:"ine"`        // default COD_NNE_IND
	// INEKey is the INE's check character when the extraction keeps it in
	// a column of its own, as APOGEE's INDIVIDU table does
	// (COD_CLE_NNE_IND); it is appended to INE when the column exists and
	// INE has 10 characters.
	INEKey    string `yaml:"ine_key"`    // default COD_CLE_NNE_IND
	LastName  string `yaml:"last_name"`  // default LIB_NOM_PAT_IND (birth name)
	FirstName string `yaml:"first_name"` // default LIB_PR1_IND
	BirthDate string `yaml:"birth_date"` // default DATE_NAI_IND
	Mobile    string `yaml:"mobile"`     // default NUM_TEL_PORT
	Email     string `yaml:"email"`      // default ADR_MAIL_PERSO
	Year      string `yaml:"year"`       // default COD_ANU (academic year, e.g. 2026)
	EndDate   string `yaml:"end_date"`   // default DAT_FIN_ETU (end of studies)
}

// DefaultColumns are the column names of the usual APOGEE extraction
// (tables INDIVIDU and INS_ADM_ANU): COD_ETU;COD_NNE_IND;COD_CLE_NNE_IND;
// LIB_NOM_PAT_IND;LIB_PR1_IND;DATE_NAI_IND;NUM_TEL_PORT;ADR_MAIL_PERSO;
// COD_ANU;DAT_FIN_ETU.
func DefaultColumns() Columns {
	return Columns{
		StudentID: "COD_ETU", INE: "COD_NNE_IND", INEKey: "COD_CLE_NNE_IND",
		LastName: "LIB_NOM_PAT_IND", FirstName: "LIB_PR1_IND",
		BirthDate: "DATE_NAI_IND", Mobile: "NUM_TEL_PORT",
		Email: "ADR_MAIL_PERSO", Year: "COD_ANU", EndDate: "DAT_FIN_ETU",
	}
}

// field indexes a raw row.
type field int

const (
	fStudentID field = iota
	fINE
	fINEKey
	fLastName
	fFirstName
	fBirthDate
	fMobile
	fEmail
	fYear
	fEndDate
	numFields
)

// required says which fields a source must provide.
var required = [numFields]bool{fStudentID: true, fINE: true, fLastName: true, fFirstName: true}

// names returns the column names in field order, defaults filled in.
func (c Columns) names() [numFields]string { return c.namesOr(DefaultColumns()) }

// namesOr returns the names in field order, unset ones taken from d.
func (c Columns) namesOr(d Columns) [numFields]string {
	pick := func(v, def string) string {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
		return def
	}
	return [numFields]string{
		pick(c.StudentID, d.StudentID), pick(c.INE, d.INE), pick(c.INEKey, d.INEKey),
		pick(c.LastName, d.LastName), pick(c.FirstName, d.FirstName),
		pick(c.BirthDate, d.BirthDate), pick(c.Mobile, d.Mobile),
		pick(c.Email, d.Email), pick(c.Year, d.Year), pick(c.EndDate, d.EndDate),
	}
}

// columnIndex maps each field to its position in a header, -1 if absent.
// It fails if a required column is missing.
func (c Columns) columnIndex(header []string) ([numFields]int, error) {
	var idx [numFields]int
	pos := make(map[string]int, len(header))
	for i, h := range header {
		h = strings.ToUpper(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if _, dup := pos[h]; !dup {
			pos[h] = i
		}
	}
	var missing []string
	for f, name := range c.names() {
		i, ok := pos[strings.ToUpper(name)]
		if !ok {
			i = -1
			if required[f] {
				missing = append(missing, name)
			}
		}
		idx[f] = i
	}
	if len(missing) > 0 {
		return idx, fmt.Errorf("students: missing column(s) %s", strings.Join(missing, ", "))
	}
	return idx, nil
}

// Errors of a single row, wrapped in *RowError.
var (
	ErrStudentID = errors.New("students: invalid student number")
	ErrName      = errors.New("students: missing name, or a control character in it")
	ErrDate      = errors.New("students: invalid date (want DD/MM/YYYY)")
	ErrYear      = errors.New("students: invalid enrolment year")
	ErrEmail     = errors.New("students: invalid e-mail address")
)

// studentIDPattern keeps student numbers safe to put in an LDAP DN or a
// login: APOGEE's COD_ETU is digits, Pégase's may hold letters.
var studentIDPattern = regexp.MustCompile(`^[0-9A-Za-z]{1,32}$`)

// parseRow turns raw field values into a Record, normalising the INE and
// the mobile (region is the default region for national phone numbers).
func parseRow(raw *[numFields]string, region string) (Record, error) {
	for i := range raw {
		raw[i] = strings.TrimSpace(raw[i])
	}
	var r Record
	r.StudentID = raw[fStudentID]
	if !studentIDPattern.MatchString(r.StudentID) {
		return Record{}, ErrStudentID
	}
	ine := raw[fINE]
	if len(ine) == 10 && len(raw[fINEKey]) == 1 {
		ine += raw[fINEKey]
	}
	var err error
	if r.INE, _, err = NormaliseINE(ine); err != nil {
		return Record{}, err
	}
	r.LastName, r.FirstName = raw[fLastName], raw[fFirstName]
	if r.LastName == "" || r.FirstName == "" || hasControl(r.LastName) || hasControl(r.FirstName) {
		return Record{}, ErrName
	}
	if r.BirthDate, err = parseDate(raw[fBirthDate]); err != nil {
		return Record{}, fmt.Errorf("birth date: %w", err)
	}
	if r.EndDate, err = parseDate(raw[fEndDate]); err != nil {
		return Record{}, fmt.Errorf("end date: %w", err)
	}
	if raw[fMobile] != "" {
		if r.Mobile, err = normalisePhone(raw[fMobile], region); err != nil {
			return Record{}, err
		}
	}
	if r.Email, err = parseEmail(raw[fEmail]); err != nil {
		return Record{}, err
	}
	if r.Year, err = parseYear(raw[fYear]); err != nil {
		return Record{}, err
	}
	return r, nil
}

// hasControl reports a control character (a line break from a copy and
// paste into the student information system): names go to the directory
// and into mail and pages, where they would break lines.
func hasControl(s string) bool {
	return strings.IndexFunc(s, unicode.IsControl) >= 0
}

// dateLayouts: APOGEE extractions write JJ/MM/AAAA; SQL drivers and
// Pégase exports give ISO dates; LDAP has GeneralizedTime
// (supannEtuDateFin) and schacDateOfBirth's YYYYMMDD.
// SQL*Plus spools and re-saved spreadsheets add a time of day.
var dateLayouts = []string{"02/01/2006", "02/01/2006 15:04:05", "02/01/2006 15:04", "2006-01-02", "2006-01-02T15:04:05Z07:00", "2006-01-02 15:04:05",
	"20060102150405Z0700", "20060102"}

func parseDate(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, s); err == nil {
			y, m, d := t.Date()
			return time.Date(y, m, d, 0, 0, 0, 0, time.UTC), nil
		}
	}
	return time.Time{}, ErrDate
}

func parseYear(s string) (int, error) {
	if s == "" {
		return 0, nil
	}
	y, err := strconv.Atoi(s)
	if err != nil || y < 1900 || y > 9999 {
		return 0, ErrYear
	}
	return y, nil
}

func parseEmail(s string) (string, error) {
	if s == "" {
		return "", nil
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return "", ErrEmail
	}
	return s, nil
}
