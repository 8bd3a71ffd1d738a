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

// Normalize returns the login as the directory holds it: one that has the
// shape but another case gets the pattern's case. ok is false when the
// login is a bare student number, which is what students type when they
// forget the suffix. Other logins (staff accounts) pass unchanged.
func (s Shape) Normalize(login string) (string, bool) {
	if s.prefix == "" && s.suffix == "" {
		return login, true
	}
	n, p, q := len(login), len(s.prefix), len(s.suffix)
	if n > p+q && strings.EqualFold(login[:p], s.prefix) && strings.EqualFold(login[n-q:], s.suffix) {
		return s.prefix + login[p:n-q] + s.suffix, true
	}
	return login, !digits(login)
}

// Example is a login of this shape, for the message.
func (s Shape) Example() string { return s.prefix + "22012345" + s.suffix }

func digits(v string) bool {
	for _, r := range v {
		if r < '0' || r > '9' {
			return false
		}
	}
	return v != ""
}
