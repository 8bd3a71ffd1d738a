package password

import (
	"time"
	"unicode/utf8"
)

// Context is what Check knows about the student, to refuse passwords
// built from their own data. Zero fields are ignored.
type Context struct {
	StudentID string
	INE       string
	FirstName string
	LastName  string
	BirthDate time.Time
}

// Failure is one broken rule, with the values its message needs (see the
// Rule constants for each rule's Args).
type Failure struct {
	Rule Rule
	Args []any
}

// Result is the outcome of Check.
type Result struct {
	Failed  []Failure // broken rules, in checklist order
	Score   int       // strength 0 (very weak) to 4 (strong), zxcvbn scale
	Refused []rune    // distinct non printable-ASCII characters, in order (16 at most)
}

// OK reports whether the password satisfies every rule Check can judge.
func (r Result) OK() bool { return len(r.Failed) == 0 }

// Fails reports whether rule is among the failures, for the checklist.
func (r Result) Fails(rule Rule) bool {
	for _, f := range r.Failed {
		if f.Rule == rule {
			return true
		}
	}
	return false
}

// Check judges password against the policy. It never fails RuleHistory
// (the Directory does, when the password is set). The password is never
// logged nor kept. Check is safe for concurrent use; the first call
// decodes the word lists unless Preload did. Passwords longer than HighestMaxLength are judged on
// their length alone beyond that point: the costlier rules and the score
// look at the first HighestMaxLength bytes only, to bound the work an
// anonymous request can cause.
func (p Policy) Check(password string, c Context) Result {
	var res Result
	fail := func(r Rule, args ...any) { res.Failed = append(res.Failed, Failure{Rule: r, Args: args}) }

	if n := utf8.RuneCountInString(password); n < p.MinLength || n > p.MaxLength {
		fail(RuleLength, p.MinLength, p.MaxLength)
	}
	if p.RequireDigit && !hasDigit(password) {
		fail(RuleDigit)
	}
	res.Refused = refusedRunes(password)
	if p.ASCIIOnly && len(res.Refused) > 0 {
		fail(RuleASCII, formatRunes(res.Refused))
	}
	password = truncate(password, HighestMaxLength)
	lower := asciiLower(password)
	if len(res.Refused) > 0 {
		// "Été2024" is still "ete2024" to the word lists and the name
		// search, whether or not ASCIIOnly refuses it.
		lower = foldName(password)
	}
	if p.RejectDictionary && dictionaryBased(lower) {
		fail(RuleDictionary)
	}
	personal := personalTokens(c)
	if p.RejectPersonal {
		if kinds := personal.found(lower); len(kinds) > 0 {
			fail(RulePersonal, kinds...)
		}
	}
	if len(p.ContextWords) > 0 && containsContextWord(lower, p.ContextWords) {
		fail(RuleContext)
	}
	res.Score = score(password, personal.inputs())
	if p.MinScore > 0 && res.Score < p.MinScore {
		fail(RuleStrength, p.MinScore)
	}
	return res
}

// truncate cuts s to at most n bytes, on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// containsContextWord tells whether the lower-cased password contains
// one of words, as typed or once l33t is undone.
func containsContextWord(lower string, words []string) bool {
	folded := make([]string, len(words))
	for i, w := range words {
		folded[i] = foldName(w)
	}
	if containsAny(lower, folded) {
		return true
	}
	for _, v := range unleet(lower) {
		if containsAny(v, folded) {
			return true
		}
	}
	return false
}
