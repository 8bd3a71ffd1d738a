package directory

import "strings"

// Login patterns make an account's login from the student record, the
// same way for the flows (an account created at activation) and for
// seuil sync (accounts provisioned ahead): "{student_id}T" makes
// 22012345T. {ine} is the INE in lower case. "{studentID}", the sync's
// old spelling, reads as {student_id}.
const (
	PlaceholderStudentID = "{student_id}"
	PlaceholderINE       = "{ine}"
	legacyStudentID      = "{studentID}"
)

// DefaultLoginPattern is the login of the specification: the student
// number followed by T.
const DefaultLoginPattern = PlaceholderStudentID + "T"

// CanonicalLoginPattern spells a pattern the one way: the old
// "{studentID}" becomes "{student_id}"; empty becomes the default.
func CanonicalLoginPattern(p string) string {
	if p == "" {
		return DefaultLoginPattern
	}
	return strings.ReplaceAll(p, legacyStudentID, PlaceholderStudentID)
}

// ExpandLogin fills a login pattern.
func ExpandLogin(pattern, studentID, ine string) string {
	return strings.NewReplacer(PlaceholderStudentID, studentID, legacyStudentID, studentID,
		PlaceholderINE, strings.ToLower(ine)).Replace(CanonicalLoginPattern(pattern))
}
