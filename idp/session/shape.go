package session

import (
	"strings"
)

// Shape is the form of the logins Seuil makes, from their pattern: the
// student number between a fixed prefix and suffix ("{student_id}T":
// 22012345T). The sign-in page uses it to take "22012345t" as 22012345T,
// and to answer "22012345" with the form a login has rather than a
// failed attempt that counts against the account.
type Shape struct {
	prefix, suffix string
}

// studentID is the pattern's placeholder; the sync's older spelling is
// read too.
var studentID = []string{"{student_id}", "{studentID}"}

// ParseShape reads a login pattern; a pattern without the student number
// (or empty) gives the zero Shape, which changes nothing.
func ParseShape(pattern string) Shape {
	for _, ph := range studentID {
		if pre, suf, ok := strings.Cut(pattern, ph); ok && !strings.Contains(pre+suf, "{") {
			return Shape{prefix: pre, suffix: suf}
		}
	}
	return Shape{}
}

// Normalize returns the login as the directory holds it: a student number
// with the pattern's prefix and suffix in another case gets the pattern's
// case. ok is false when the
// login is a bare student number, which is what students type when they
// forget the suffix. Other logins (staff accounts) pass unchanged.
func (s Shape) Normalize(login string) (string, bool) {
	if s.prefix == "" && s.suffix == "" {
		return login, true
	}
	n, p, q := len(login), len(s.prefix), len(s.suffix)
	// Only around a number: "jdupont" ends in t, and is a staff login.
	if n > p+q && strings.EqualFold(login[:p], s.prefix) && strings.EqualFold(login[n-q:], s.suffix) && digits(login[p:n-q]) {
		return s.prefix + login[p:n-q] + s.suffix, true
	}
	return login, !digits(login)
}

// Suggest is the login a bare student number stands for, for the
// message: a rewriting of what was typed, which says nothing of whether
// that account exists.
func (s Shape) Suggest(number string) string { return s.prefix + number + s.suffix }

func digits(v string) bool {
	for _, r := range v {
		if r < '0' || r > '9' {
			return false
		}
	}
	return v != ""
}
