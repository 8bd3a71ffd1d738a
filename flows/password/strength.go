package password

import (
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/trustelem/zxcvbn/match"
	"github.com/trustelem/zxcvbn/scoring"
)

// scoreChunk bounds the length zxcvbn's matching sees at once: its cost
// grows with the square of the length and with every l33t reading.
const scoreChunk = 32

// score estimates the guesses needed with zxcvbn's model (its English
// dictionaries, keyboard patterns, sequences, repeats, dates and the
// student's own data as user inputs), adding matches from the embedded
// French/English lists and the years since 2020 (see estimate.go).
//
// Longer passwords are scored in chunks of scoreChunk bytes whose
// guesses multiply (an attacker must find each), a repeated chunk
// counting once, until the product reaches the top score.
func score(password string, userInputs []string) int {
	if !utf8.ValidString(password) {
		// trustelem's zxcvbn, whose verdicts Seuil keeps, scores it 0.
		return 0
	}
	total := 1.0
	var seen []string
	for rest := password; rest != "" && total < topGuesses; {
		c := truncate(rest, scoreChunk)
		rest = rest[len(c):]
		if !slices.Contains(seen, c) {
			seen = append(seen, c)
			total *= guesses(c, userInputs)
		}
	}
	return guessesToScore(total)
}

// guesses is the estimate of one chunk: zxcvbn's, with the student's
// data as user inputs and Seuil's own lists and recent years added.
func guesses(password string, userInputs []string) float64 {
	return estimate(password, userInputs, true)
}

// zxcvbnGuesses is zxcvbn's estimate alone, without user inputs: what
// zxcvbn gives the base of a repeated part ("bonjour" in
// "bonjourbonjour").
func zxcvbnGuesses(password string) float64 {
	return estimate(password, nil, false)
}

func estimate(password string, userInputs []string, seuil bool) float64 {
	s := newSearch(password)
	defer searches.Put(s)
	sp := &s.spans
	sp.seuil = seuil
	// zxcvbn's matchers in its order, then Seuil's.
	sp.dictionaries(userInputs)
	sp.spatial()
	sp.repeat()
	sp.sequence()
	sp.years()
	sp.dates()
	if seuil {
		sp.seuilWords()
		sp.laterYears()
	}
	return s.minimumGuesses()
}

// topGuesses is where score 4 starts.
const topGuesses = 1e10 + 5

// guessesToScore is zxcvbn's scale: 0 is < 10³ guesses (too guessable),
// 1 < 10⁶, 2 < 10⁸, 3 < 10¹⁰, 4 above (strong against offline attack
// on a slow hash).
func guessesToScore(g float64) int {
	const delta = 5
	switch {
	case g < 1e3+delta:
		return 0
	case g < 1e6+delta:
		return 1
	case g < 1e8+delta:
		return 2
	case g < 1e10+delta:
		return 3
	}
	return 4
}

// dictionaries finds zxcvbn's dictionary matches: every part of the
// password that is a word of its lists or one of the user inputs, in
// lower case, as is, reversed (twice the guesses) and with l33t undone.
func (s *spans) dictionaries(userInputs []string) {
	pw, n := s.pw, s.n
	lists := wordScanner{zx: zxcvbnWords(), inputs: rankInputs(userInputs), ascii: isASCII(pw)}
	lower := lists.lower(pw)
	lists.scan(lower, 1, func(i, j int, _ string, rank int) {
		token := pw[i : j+1]
		s.addToGroup(i, j, len(token), float64(rank)*uppercaseVariations(token))
	})
	s.endGroup()
	rev := reverseRunes(pw)
	lists.scan(lists.lower(rev), 1, func(i, j int, _ string, rank int) {
		token := reverseRunes(rev[i : j+1])
		s.addToGroup(n-1-j, n-1-i, len(token), float64(rank)*uppercaseVariations(token)*1*2)
	})
	s.endGroup()
	for _, sub := range leetReadings(pw) {
		lists.scan(lists.lower(sub.apply(pw)), 2, func(i, j int, word string, rank int) {
			token := pw[i : j+1]
			if lists.lowerPart(lower, pw, i, j) == word {
				return // no substitution inside: matched as is
			}
			used := map[string]string{}
			for _, p := range sub {
				if strings.IndexByte(token, p.char) >= 0 {
					used[string(p.char)] = string(p.letter)
				}
			}
			m := &match.Match{L33t: true, Token: token, Sub: used}
			s.addToGroup(i, j, len(token), float64(rank)*uppercaseVariations(token)*scoring.L33tVariations(m)*1)
		})
	}
	s.endGroup()
}

// seuilWords adds the matches of Seuil's French and English lists, as
// is or once l33t is undone (by Seuil's own readings, those of the
// dictionary rule).
func (s *spans) seuilWords() {
	pw := s.pw
	d := words()
	lower := asciiLower(pw)
	d.eachWord(lower, 2, func(i, j int, rank uint32) {
		token := pw[i:j]
		s.add(i, j-1, len(token), float64(rank)*uppercaseVariations(token))
	})
	for _, v := range unleet(lower) {
		d.eachWord(v, 2, func(i, j int, rank uint32) {
			sub := map[string]string{}
			for k := i; k < j; k++ {
				if v[k] != lower[k] {
					sub[lower[k:k+1]] = v[k : k+1]
				}
			}
			if len(sub) == 0 {
				return // found as is above
			}
			token := pw[i:j]
			m := &match.Match{L33t: true, Token: token, Sub: sub}
			s.add(i, j-1, len(token), float64(rank)*uppercaseVariations(token)*scoring.L33tVariations(m))
		})
	}
}

// wordScanner finds the words of zxcvbn's lists and of the user inputs
// in a text. For ASCII text (nearly every password) the lists are
// searched by prefix from each offset. Otherwise it does what zxcvbn
// does, byte for byte: it lower-cases each part that starts and ends on
// a rune's first byte with strings.ToLower (which may change its
// length) and looks it up.
type wordScanner struct {
	zx     *dict
	inputs map[string]int
	ascii  bool
}

func (w wordScanner) lower(s string) string {
	if w.ascii {
		return asciiLower(s)
	}
	return s // each part is lower-cased on its own
}

// lowerPart is zxcvbn's strings.ToLower(pw[i:j+1]); lower is w.lower(pw).
func (w wordScanner) lowerPart(lower, pw string, i, j int) string {
	if w.ascii {
		return lower[i : j+1]
	}
	return strings.ToLower(pw[i : j+1])
}

// scan calls fn for each listed word at text[i:j+1] (inclusive, as
// zxcvbn counts) of minLen bytes or more, with the word and its rank.
func (w wordScanner) scan(text string, minLen int, fn func(i, j int, word string, rank int)) {
	if w.ascii {
		w.zx.eachWord(text, minLen, func(i, j int, rank uint32) { fn(i, j-1, text[i:j], int(rank)) })
		for word, rank := range w.inputs {
			if len(word) < minLen {
				continue
			}
			for at := 0; ; at++ {
				k := strings.Index(text[at:], word)
				if k < 0 {
					break
				}
				at += k
				fn(at, at+len(word)-1, word, rank)
			}
		}
		return
	}
	for i := range text {
		for delta := range text[i:] {
			j := i + delta
			if j+1-i < minLen {
				continue
			}
			word := strings.ToLower(text[i : j+1])
			if r, _, ok := w.zx.lookup(word); ok {
				fn(i, j, word, int(r))
			}
			if r, ok := w.inputs[word]; ok {
				fn(i, j, word, r)
			}
		}
	}
}

// rankInputs ranks the user inputs as zxcvbn does: by position, the last
// of two equal ones winning.
func rankInputs(in []string) map[string]int {
	if len(in) == 0 {
		return nil
	}
	m := make(map[string]int, len(in))
	for i, v := range in {
		if v != "" {
			m[strings.ToLower(v)] = i + 1
		}
	}
	return m
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// reverseRunes reverses s rune by rune, as zxcvbn reads a password
// backwards.
func reverseRunes(s string) string {
	if isASCII(s) {
		b := []byte(s)
		slices.Reverse(b)
		return string(b)
	}
	r := []rune(s)
	slices.Reverse(r)
	return string(r)
}

// leetPair is one l33t character read as a letter.
type leetPair struct{ char, letter byte }

// leetSub is one reading of a password's l33t characters.
type leetSub []leetPair

// zxcvbnLeet is zxcvbn's l33t table: the characters each letter may be
// written as (a wider table than Seuil's own for the dictionary rule).
var zxcvbnLeet = []struct {
	letter byte
	chars  string
}{
	{'a', "4@"}, {'b', "8"}, {'c', "({[<"}, {'e', "3"}, {'g', "69"}, {'i', "1!|"},
	{'l', "1|7"}, {'o', "0"}, {'s', "$5"}, {'t', "+7"}, {'x', "%"}, {'z', "2"},
}

// leetReadings is leetSubs, a variable so that a test can put
// trustelem's readings in its place and compare estimates.
var leetReadings = leetSubs

// leetSubs lists the readings zxcvbn tries: letter by letter, one of its
// characters present in the password stands for it; a character two
// letters share ("1" for i or l) is read each way. These are the
// readings of zxcvbn itself. trustelem's port loses some of them when a
// password holds l33t characters for four letters or more: it extends a
// reading with append on a slice other readings share, so one extension
// overwrites another. Seuil finds those readings, which can only lower
// an estimate (TestVerdictsHeld lists the corpus passwords concerned).
func leetSubs(pw string) []leetSub {
	subs := []leetSub{nil}
	found := false
	for _, t := range zxcvbnLeet {
		var next []leetSub
		for k := 0; k < len(t.chars); k++ {
			c := t.chars[k]
			if strings.IndexByte(pw, c) < 0 {
				continue
			}
			found = true
			for _, sub := range subs {
				at := slices.IndexFunc(sub, func(p leetPair) bool { return p.char == c })
				if at < 0 {
					next = append(next, append(slices.Clone(sub), leetPair{c, t.letter}))
					continue
				}
				alt := slices.Clone(sub)
				alt[at].letter = t.letter
				next = append(next, sub, alt)
			}
		}
		if next != nil {
			subs = dedupSubs(next)
		}
	}
	if !found {
		return nil
	}
	return subs
}

func dedupSubs(subs []leetSub) []leetSub {
	var out []leetSub
	for _, s := range subs {
		slices.SortFunc(s, func(a, b leetPair) int { return int(a.char) - int(b.char) })
		if !slices.ContainsFunc(out, func(o leetSub) bool { return slices.Equal(o, s) }) {
			out = append(out, s)
		}
	}
	return out
}

// apply replaces the sub's characters with their letters.
func (sub leetSub) apply(s string) string {
	b := []byte(s)
	for i, c := range b {
		for _, p := range sub {
			if p.char == c {
				b[i] = p.letter
				break
			}
		}
	}
	return string(b)
}
