package password

import (
	"cmp"
	"math"
	"slices"
	"sync"
	"unicode/utf8"

	"github.com/trustelem/zxcvbn/scoring"
)

// The strength estimate is zxcvbn's (Wheeler, USENIX Security 2016), as
// ported by trustelem/zxcvbn, whose data (word lists, keyboard graphs)
// and per-pattern guess formulas Seuil uses. The matching and the search
// are Seuil's own: trustelem's matching looks up every substring of the
// password in one map per list, lower-casing each, then again reversed
// and once per l33t reading, and its search keeps its tables in maps.
// That cost 150–220 µs a check, on every pause of the student's typing.
// Here each list is scanned once per reading with prefix searches, a
// match is kept only when it needs fewer guesses than every match before
// it on its span (see spans), and the search's tables are arrays. The
// estimates are trustelem's to the last bit, l33t read as trustelem
// reads it: TestSameGuessesAsZxcvbn and FuzzSameGuesses compare them with
// trustelem's, and TestVerdictsHeld holds a recorded corpus. Seuil reads
// l33t as zxcvbn itself does, finding readings trustelem loses (see
// leetSubs).

// spans collects the candidate matches of one password, in the order
// zxcvbn's search meets them, each a span [i, j] (bytes, inclusive, as
// zxcvbn counts) and its guesses. zxcvbn's search is not exact: a
// sequence it keeps for a match may outlive the match's better twin and
// still win in the end. So the order of the matches of one span counts,
// and a match is dropped only when one before it on the same span needs
// no more guesses, which provably changes nothing.
type spans struct {
	pw    string
	n     int
	cands []cand
	best  []float64 // best[i*n+j]: the fewest guesses among cands of the span, 0 if none
	seuil bool      // add Seuil's lists and recent years to zxcvbn's patterns

	// A group is matches zxcvbn finds in an order that is not fixed (it
	// walks a map of its lists): within a group only each span's fewest
	// guesses are kept, as if its best list came first.
	group   []float64
	touched []int
}

type cand struct {
	i, j int
	g    float64
}

// floor is zxcvbn's least guesses for a match of tokenLen bytes: 10 for
// one character, 50 for more, 1 for the whole password.
func (s *spans) floor(tokenLen int, g float64) float64 {
	switch {
	case tokenLen >= s.n:
		return math.Max(g, 1)
	case tokenLen == 1:
		return math.Max(g, scoring.MinSubmatchGuessesSingleChar)
	}
	return math.Max(g, scoring.MinSubmatchGuessesMultiChar)
}

// add records a match of password[i:j+1] (tokenLen bytes) needing g
// guesses.
func (s *spans) add(i, j, tokenLen int, g float64) {
	if i < 0 || j < i || j >= s.n {
		return
	}
	g = s.floor(tokenLen, g)
	if b := &s.best[i*s.n+j]; *b == 0 || g < *b {
		*b = g
		s.cands = append(s.cands, cand{i, j, g})
	}
}

// addToGroup records a match of the open group.
func (s *spans) addToGroup(i, j, tokenLen int, g float64) {
	if i < 0 || j < i || j >= s.n {
		return
	}
	g = s.floor(tokenLen, g)
	k := i*s.n + j
	if s.group[k] == 0 {
		s.touched = append(s.touched, k)
	}
	if s.group[k] == 0 || g < s.group[k] {
		s.group[k] = g
	}
}

// endGroup adds the group's matches.
func (s *spans) endGroup() {
	for _, k := range s.touched {
		g := s.group[k]
		s.group[k] = 0
		if b := &s.best[k]; *b == 0 || g < *b {
			*b = g
			s.cands = append(s.cands, cand{k / s.n, k % s.n, g})
		}
	}
	s.touched = s.touched[:0]
}

// cell is one entry of the search's tables: the best sequence of l
// matches covering the password up to k.
type cell struct {
	g, pi float64 // the sequence's total and its product of guesses
	i     int     // where its last match starts
	set   bool
	brute bool // its last match is brute force
}

type search struct {
	cells []cell
	lmax  []int
	valid []bool
	spans spans
}

var searches = sync.Pool{New: func() any { return new(search) }}

func newSearch(pw string) *search {
	s := searches.Get().(*search)
	n := len(pw)
	s.spans.pw, s.spans.n = pw, n
	s.spans.best = resize(s.spans.best, n*n)
	s.spans.group = resize(s.spans.group, n*n)
	s.spans.cands = s.spans.cands[:0]
	s.spans.touched = s.spans.touched[:0]
	s.cells = resize(s.cells, n*(n+1))
	s.lmax = resize(s.lmax, n)
	s.valid = resize(s.valid, n)
	return s
}

// resize returns a zeroed slice of n elements, reusing b's array.
func resize[T any](b []T, n int) []T {
	if cap(b) < n {
		return make([]T, n)
	}
	b = b[:n]
	clear(b)
	return b
}

// minimumGuesses is zxcvbn's most guessable match sequence: the fewest
// guesses over every way to cover the password with non-overlapping
// matches and brute-force runs between them, where a sequence of l
// matches costs l! times the product of their guesses, plus 10⁴^(l-1).
// Its dynamic programme is zxcvbn's step for step (which sequences it
// keeps, how ties break, how it walks back), over arrays instead of
// maps; only the total is returned.
func (s *search) minimumGuesses() float64 {
	pw, n := s.spans.pw, s.spans.n
	if n == 0 {
		return 1
	}
	for i := range pw {
		s.valid[i] = true
	}
	at := func(k, l int) *cell { return &s.cells[k*(n+1)+l] }
	update := func(i, k int, guesses float64, brute bool, l int) {
		pi := guesses
		if l > 1 {
			pi *= at(i-1, l-1).pi // zero where zxcvbn's map has no entry
		}
		g := factorial(l)*pi + growing[l-1]
		for cl := 1; cl <= min(l, s.lmax[k]); cl++ {
			if c := at(k, cl); c.set && c.g <= g {
				return
			}
		}
		*at(k, l) = cell{g: g, pi: pi, i: i, set: true, brute: brute}
		s.lmax[k] = max(s.lmax[k], l)
	}
	// By end, then start; the order found within a span.
	cands := s.spans.cands
	slices.SortStableFunc(cands, func(a, b cand) int { return cmp.Or(a.j-b.j, a.i-b.i) })
	for k := 0; k < n; k++ {
		for ; len(cands) > 0 && cands[0].j == k; cands = cands[1:] {
			i, g := cands[0].i, cands[0].g
			if i == 0 {
				update(i, k, g, false, 1)
				continue
			}
			for l := 1; l <= s.lmax[i-1]; l++ {
				if at(i-1, l).set {
					update(i, k, g, false, l+1)
				}
			}
		}
		// Brute force over the whole prefix, or after a sequence ending
		// just before it (never after another brute-force run: one longer
		// run is always cheaper).
		update(0, k, s.spans.floor(k+1, bruteforceGuesses(pw[:k+1])), true, 1)
		prev := 0
		for i := 1; i <= k; i++ {
			if !s.valid[i] {
				continue
			}
			p := prev
			prev = i
			g := s.spans.floor(k+1-i, bruteforceGuesses(pw[i:k+1]))
			for l := 1; l <= s.lmax[p]; l++ {
				if c := at(p, l); c.set && !c.brute {
					update(i, k, g, true, l+1)
				}
			}
		}
	}
	// zxcvbn walks back from the best length (fewest guesses, the longer
	// on a tie) and reads the total at the length it walked.
	k, l, best := n-1, 0, 0.0
	for cl := 1; cl <= s.lmax[k]; cl++ {
		if c := at(k, cl); c.set && (l == 0 || c.g < best || c.g == best && cl > l) {
			l, best = cl, c.g
		}
	}
	walked := 0
	for k >= 0 && l >= 1 {
		c := at(k, l)
		l--
		if !c.set {
			continue
		}
		walked++
		k = c.i - 1
	}
	return at(n-1, walked).g // 0 if unset, as in zxcvbn
}

// growing[l] is zxcvbn's penalty for a sequence of l+1 matches,
// math.Pow(10⁴, l) as zxcvbn computes it, and tenTo[n] its brute-force
// guesses for n characters: tables, for the search asks for them at
// every step.
var growing, tenTo = func() (g, t [HighestMaxLength + 1]float64) {
	for i := range g {
		g[i] = math.Pow(scoring.MinGuessesBeforeGrowingSequence, float64(i))
		t[i] = math.Pow(scoring.BruteforceCardinality, float64(i))
	}
	return g, t
}()

func bruteforceGuesses(token string) float64 {
	runes := utf8.RuneCountInString(token)
	g := tenTo[min(runes, HighestMaxLength)]
	floor := float64(scoring.MinSubmatchGuessesMultiChar + 1)
	if runes == 1 {
		floor = scoring.MinSubmatchGuessesSingleChar + 1
	}
	return math.Max(g, floor)
}

func factorial(n int) float64 {
	f := 1.0
	for i := 2; i <= n; i++ {
		f *= float64(i)
	}
	return f
}

// nCk is n choose k, computed as zxcvbn does (the same rounding).
func nCk(n, k int) float64 {
	if k > n {
		return 0
	}
	r := 1.0
	for d := 1; d <= k; d++ {
		r *= float64(n)
		r /= float64(d)
		n--
	}
	return r
}

// uppercaseVariations is zxcvbn's factor for a word's capitals: 1 in
// lower case, 2 capitalised, all caps or with a last capital, else the
// ways to place that many capitals.
func uppercaseVariations(w string) float64 {
	u, l := 0, 0
	for i := 0; i < len(w); i++ {
		switch c := w[i]; {
		case c >= 'A' && c <= 'Z':
			u++
		case c >= 'a' && c <= 'z':
			l++
		}
	}
	if u == 0 {
		return 1
	}
	isUpper := func(c byte) bool { return c >= 'A' && c <= 'Z' }
	if u == 1 && len(w) > 1 && (isUpper(w[0]) || isUpper(w[len(w)-1])) || l == 0 {
		return 2
	}
	v := 0.0
	for i := 1; i <= u && i <= l; i++ {
		v += nCk(u+l, i)
	}
	return v
}
