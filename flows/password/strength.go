package password

import (
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/trustelem/zxcvbn/match"
	"github.com/trustelem/zxcvbn/matching"
	"github.com/trustelem/zxcvbn/scoring"
)

// scoreChunk bounds the length zxcvbn's matchers see at once: their cost
// grows faster than the square of the length (7 ms at 32 bytes of l33t
// characters, 3 s at 256 on this project's 2-core machine).
const scoreChunk = 32

// score estimates the guesses needed with zxcvbn's model, as ported by
// trustelem/zxcvbn (its English dictionaries, keyboard patterns,
// sequences, repeats, dates and the student's own data as user inputs),
// adding matches from the embedded French/English lists. Passing those
// lists as trustelem "user inputs" would rebuild a map of 225k words on
// every call; finding the matches here and handing them to the same
// scoring function costs microseconds instead.
//
// Longer passwords are scored in chunks of scoreChunk bytes whose
// guesses multiply (an attacker must find each), a repeated chunk
// counting once, until the product reaches the top score.
func score(password string, userInputs []string) int {
	if !utf8.ValidString(password) {
		// trustelem's l33t matcher panics on it; its own entry point
		// scores it 0, and so do we.
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

func guesses(password string, userInputs []string) float64 {
	matches := matching.Omnimatch(password, userInputs)
	matches = append(matches, dictMatches(password)...)
	matches = append(matches, yearMatches(password)...)
	match.Sort(matches)
	return scoring.MostGuessableMatchSequence(password, matches, false).Guesses
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

// dictMatches finds every substring of the password (of two bytes or
// more) that is a listed word, as is or once l33t is undone, in zxcvbn's
// match form.
func dictMatches(password string) []*match.Match {
	d := words()
	lower := asciiLower(password)
	var out []*match.Match
	d.eachWord(lower, func(i, j int, rank uint32) {
		out = append(out, &match.Match{Pattern: "dictionary", I: i, J: j - 1,
			Token: password[i:j], MatchedWord: lower[i:j], Rank: int(rank),
			DictionaryName: "seuil"})
	})
	for _, v := range unleet(lower) {
		d.eachWord(v, func(i, j int, rank uint32) {
			sub := map[string]string{}
			for k := i; k < j; k++ {
				if v[k] != lower[k] {
					sub[lower[k:k+1]] = v[k : k+1]
				}
			}
			if len(sub) == 0 {
				return // found as is above
			}
			out = append(out, &match.Match{Pattern: "dictionary", I: i, J: j - 1,
				Token: password[i:j], MatchedWord: v[i:j], Rank: int(rank),
				DictionaryName: "seuil", L33t: true, Sub: sub})
		})
	}
	return out
}

// eachWord calls fn for every listed word s[i:j] with j-i >= 2. For each
// start it narrows the range of words sharing the growing prefix, and
// stops as soon as no word does: a handful of binary searches per start.
func (d *dict) eachWord(s string, fn func(i, j int, rank uint32)) {
	for i := 0; i < len(s); i++ {
		lo, hi := 0, d.len()
		for j := i + 1; j <= len(s); j++ {
			p := s[i:j]
			lo += sort.Search(hi-lo, func(k int) bool { return d.word(lo+k) >= p })
			hi = lo + sort.Search(hi-lo, func(k int) bool { return !strings.HasPrefix(d.word(lo+k), p) })
			if lo == hi {
				break
			}
			if j-i >= 2 && d.word(lo) == p {
				fn(i, j, d.rank[lo])
			}
		}
	}
}

// yearMatches finds the years 2020–2099, which trustelem's "recent_year"
// pattern (19xx, 200x, 201x, written in 2017) misses: "Tours2026" is a
// word and this year, not a word and four random digits.
func yearMatches(password string) []*match.Match {
	var out []*match.Match
	for i := 0; i+4 <= len(password); i++ {
		y := password[i : i+4]
		if y[0] == '2' && y[1] == '0' && y[2] >= '2' && y[2] <= '9' && y[3] >= '0' && y[3] <= '9' {
			out = append(out, &match.Match{Pattern: "regex", RegexName: "recent_year",
				I: i, J: i + 3, Token: y})
		}
	}
	return out
}
