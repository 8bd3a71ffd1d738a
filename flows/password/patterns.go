package password

import (
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/trustelem/zxcvbn/adjacency"
	"github.com/trustelem/zxcvbn/match"
	"github.com/trustelem/zxcvbn/scoring"
)

// The patterns of zxcvbn other than words: keyboard walks, sequences,
// repeats, dates and years. Each finds what zxcvbn's matcher of the
// same name finds, and prices it with zxcvbn's own formula.

// keyboard is one of zxcvbn's adjacency graphs as a table by byte: for
// each key, its neighbours in each direction (e.g. "3#", the key and its
// shifted character; "" where there is none).
type keyboard struct {
	name      string
	neighbour [128][]string
	shifted   [128]bool
}

var keyboards = func() []*keyboard {
	shifted := `~!@#$%^&*()_+QWERTYUIOP{}|ASDFGHJKL:"ZXCVBNM<>?`
	var ks []*keyboard
	for _, name := range []string{"qwerty", "dvorak", "keypad", "mac_keypad"} {
		g := adjacency.Graphs[name]
		k := &keyboard{name: name}
		for key, adj := range g.Graph {
			if len(key) == 1 && key[0] < 128 {
				k.neighbour[key[0]] = adj
			}
		}
		if name == "qwerty" || name == "dvorak" {
			for i := 0; i < len(shifted); i++ {
				k.shifted[shifted[i]] = true
			}
		}
		ks = append(ks, k)
	}
	return ks
}()

// spatial finds runs of three keys or more, each next to the one before
// on a keyboard, counting the turns and the shifted keys.
func (s *spans) spatial() {
	pw := s.pw
	for _, kb := range keyboards {
		for i := 0; i < len(pw)-1; {
			j := i + 1
			lastDir, turns, shiftedCount := -1, 0, 0
			if pw[i] < 128 && kb.shifted[pw[i]] {
				shiftedCount = 1
			}
			for ; j < len(pw); j++ {
				prev, cur := pw[j-1], pw[j]
				dir, pos := -1, -1
				if prev < 128 && cur < 128 {
					for d, adj := range kb.neighbour[prev] {
						if pos = strings.IndexByte(adj, cur); pos >= 0 {
							dir = d
							break
						}
					}
				}
				if dir < 0 {
					break
				}
				if pos == 1 {
					shiftedCount++
				}
				if dir != lastDir {
					turns++
					lastDir = dir
				}
			}
			if j-i > 2 {
				m := &match.Match{Pattern: "spatial", I: i, J: j - 1, Token: pw[i:j], Graph: kb.name,
					Turns: turns, ShiftedCount: shiftedCount}
				s.add(i, j-1, j-i, scoring.SpatialGuesses(m))
			}
			i = j
		}
	}
}

// sequence finds runs whose successive bytes differ by one same step of
// 1 to 5 ("abcdef", "97531"), of three or more (two for a step of 1).
func (s *spans) sequence() {
	pw := s.pw
	if len(pw) <= 1 {
		return
	}
	found := func(i, j, delta int) {
		d := max(delta, -delta)
		if (j-i > 1 || d == 1) && d > 0 && d <= 5 {
			m := &match.Match{Pattern: "sequence", Token: pw[i : j+1], Ascending: delta > 0}
			s.add(i, j, j-i+1, scoring.SequenceGuesses(m))
		}
	}
	i, last := 0, int(pw[1])-int(pw[0])
	for k := 2; k < len(pw); k++ {
		if d := int(pw[k]) - int(pw[k-1]); d != last {
			found(i, k-1, last)
			i, last = k-1, d
		}
	}
	found(i, len(pw)-1, last)
}

// years finds the years of zxcvbn's "recent_year" pattern, 1900–2019,
// left to right without overlap.
func (s *spans) years() {
	pw := s.pw
	for i := 0; i+4 <= len(pw); {
		y := pw[i : i+4]
		if isDigit(y[2]) && isDigit(y[3]) && (y[:2] == "19" || y[:2] == "20" && y[2] <= '1') {
			s.year(i)
			i += 4
		} else {
			i++
		}
	}
}

// laterYears finds the years since 2020, which zxcvbn's pattern (written
// in 2017) misses: "Tours2026" is a word and this year, not a word and
// four random digits.
func (s *spans) laterYears() {
	pw := s.pw
	for i := 0; i+4 <= len(pw); i++ {
		if y := pw[i : i+4]; y[:2] == "20" && y[2] >= '2' && y[2] <= '9' && isDigit(y[3]) {
			s.year(i)
		}
	}
}

func (s *spans) year(i int) {
	m := &match.Match{Pattern: "regex", RegexName: "recent_year", Token: s.pw[i : i+4]}
	s.add(i, i+3, 4, scoring.RegexGuesses(m))
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// repeat finds repeated parts ("abcabc", "aaaa"), each priced as the
// guesses of its base, estimated on its own, times the repeat count.
// zxcvbn finds them with the regular expressions (.+)\1+ (greedy) and
// (.+?)\1+ (lazy) over runes, from left to right: both are worked out
// here without a backtracking engine.
func (s *spans) repeat() {
	pw := s.pw
	runes := []rune(pw)
	starts := make([]int, 0, len(runes)+1) // byte offset of each rune
	for i := range pw {
		starts = append(starts, i)
	}
	starts = append(starts, len(pw))
	// copies counts how many times runes[at:at+l] follows itself.
	copies := func(at, l int) int {
		c := 0
		for at+(c+2)*l <= len(runes) && slices.Equal(runes[at:at+l], runes[at+(c+1)*l:at+(c+2)*l]) {
			c++
		}
		return c
	}
	for last := 0; last < len(pw); {
		first, ok := slices.BinarySearch(starts, last) // zxcvbn stops where its offset is not a rune's
		if !ok {
			return
		}
		at, greedyL, lazyL := -1, 0, 0
		for p := first; p < len(runes) && at < 0; p++ {
			nl := slices.Index(runes[p:], '\n') // "." stops at a new line
			if nl < 0 {
				nl = len(runes) - p
			}
			for l := 1; l <= nl && p+2*l <= len(runes); l++ {
				if copies(p, l) > 0 {
					if at < 0 {
						at, lazyL = p, l
					}
					greedyL = l
				}
			}
		}
		if at < 0 {
			return
		}
		greedyLen := greedyL * (1 + copies(at, greedyL))
		length := lazyL * (1 + copies(at, lazyL))
		base := runes[at : at+lazyL]
		if greedyLen > length {
			// The greedy run may itself repeat a shorter base
			// ("aabaab" in "aabaabaabaab"): its shortest period.
			length = greedyLen
			run := runes[at : at+length]
			for l := 1; l <= length/2; l++ {
				if length%l == 0 && l*(1+copies(at, l)) >= length {
					base = run[:l]
					break
				}
			}
		}
		i, j := starts[at], starts[at+length-1]
		b := string(base)
		count := length / len(b)
		s.add(i, j, starts[at+length]-i, zxcvbnGuesses(b)*float64(count))
		last = j + 1
	}
}

// The numbers a date's parts may take, as zxcvbn has them.
const (
	dateMinYear = 1000
	dateMaxYear = 2050
)

// dateSplits are the ways zxcvbn cuts a date without separators of each
// length into three numbers: the second and third parts' offsets.
var dateSplits = [9][][2]int{
	4: {{1, 2}, {2, 3}},
	5: {{1, 3}, {2, 3}},
	6: {{1, 2}, {2, 4}, {4, 5}},
	7: {{1, 3}, {2, 3}, {4, 5}, {4, 6}},
	8: {{2, 4}, {4, 6}},
}

type date struct{ i, j, day, month, year int }

// dates finds day-month-year in any order zxcvbn accepts, 4 to 8 digits
// ("1191", "07032006") or with two same separators ("7/3/06",
// "2006-03-07"), then drops the dates inside another.
func (s *spans) dates() {
	pw := s.pw
	var found []date
	var seps []bool
	for i := 0; i <= len(pw)-4; i++ {
		for j := i + 3; j <= i+7 && j < len(pw); j++ {
			token := pw[i : j+1]
			if !allDigits(token, 4, 8) {
				continue
			}
			var best *date
			for _, sp := range dateSplits[len(token)] { // bytes, as zxcvbn
				d, ok := dayMonthYear(token[:sp[0]], token[sp[0]:sp[1]], token[sp[1]:])
				if !ok {
					continue
				}
				if best == nil || abs(d.year-scoring.ReferenceYear) < abs(best.year-scoring.ReferenceYear) {
					best = &d
				}
			}
			if best != nil {
				best.i, best.j = i, j
				found = append(found, *best)
				seps = append(seps, false)
			}
		}
	}
	for i := 0; i <= len(pw)-6; i++ {
		for j := i + 5; j <= i+9 && j < len(pw); j++ {
			a, b, c, ok := splitDate(pw[i : j+1])
			if !ok {
				continue
			}
			if d, ok := dayMonthYear(a, b, c); ok {
				d.i, d.j = i, j
				found = append(found, d)
				seps = append(seps, true)
			}
		}
	}
	for n, d := range found {
		inside := false
		for o, e := range found {
			if o != n && e.i <= d.i && e.j >= d.j {
				inside = true
				break
			}
		}
		if !inside {
			sep := ""
			if seps[n] {
				sep = "/"
			}
			m := &match.Match{Pattern: "date", Year: d.year, Separator: sep}
			s.add(d.i, d.j, d.j-d.i+1, scoring.DateGuesses(m))
		}
	}
}

// allDigits reports whether s is lo to hi runes, each a decimal digit
// (of any script, as zxcvbn's \d), maybe followed by a new line: zxcvbn
// matches with a .NET-style engine, where $ matches before a final one.
func allDigits(s string, lo, hi int) bool {
	s = strings.TrimSuffix(s, "\n")
	n := 0
	for _, r := range s {
		if !unicode.IsDigit(r) {
			return false
		}
		n++
	}
	return n >= lo && n <= hi
}

// splitDate cuts "7/3/2006" into its three numbers: 1–4 digits, a
// separator (space, / \ _ . -), 1–2 digits, the same separator, 1–4
// digits, maybe followed by a new line (see allDigits).
func splitDate(token string) (a, b, c string, ok bool) {
	digits := func(s string) int {
		n := 0
		for n < len(s) {
			r, w := utf8.DecodeRuneInString(s[n:])
			if !unicode.IsDigit(r) {
				break
			}
			n += w
		}
		return n
	}
	runeLen := func(s string) int { return utf8.RuneCountInString(s) }
	n1 := digits(token)
	if n1 == 0 || runeLen(token[:n1]) > 4 || n1 == len(token) {
		return "", "", "", false
	}
	sep, w := utf8.DecodeRuneInString(token[n1:])
	if !unicode.IsSpace(sep) && !strings.ContainsRune(`/\_.-`, sep) {
		return "", "", "", false
	}
	rest := token[n1+w:]
	n2 := digits(rest)
	if n2 == 0 || runeLen(rest[:n2]) > 2 || !strings.HasPrefix(rest[n2:], string(sep)) {
		return "", "", "", false
	}
	last := strings.TrimSuffix(rest[n2+w:], "\n")
	if n3 := digits(last); n3 == 0 || n3 != len(last) || runeLen(last) > 4 {
		return "", "", "", false
	}
	return token[:n1], rest[:n2], last, true
}

// dayMonthYear maps three numbers to a date as zxcvbn does: a year
// first or last (four digits, or two when no four-digit year fits), the
// day and month in either order.
func dayMonthYear(s1, s2, s3 string) (date, bool) {
	n1, _ := strconv.Atoi(s1)
	n2, _ := strconv.Atoi(s2)
	n3, _ := strconv.Atoi(s3)
	if n2 > 31 || n2 <= 0 {
		return date{}, false
	}
	over12, over31, under1 := 0, 0, 0
	for _, n := range [3]int{n1, n2, n3} {
		if n > 99 && n < dateMinYear || n > dateMaxYear {
			return date{}, false
		}
		if n > 31 {
			over31++
		}
		if n > 12 {
			over12++
		}
		if n <= 0 {
			under1++
		}
	}
	if over31 >= 2 || over12 == 3 || under1 >= 2 {
		return date{}, false
	}
	splits := [2][3]int{{n3, n1, n2}, {n1, n2, n3}} // year last, year first
	for _, sp := range splits {
		if dateMinYear <= sp[0] && sp[0] <= dateMaxYear {
			return dayMonth(sp[1], sp[2], sp[0])
		}
	}
	for _, sp := range splits {
		if d, ok := dayMonth(sp[1], sp[2], sp[0]); ok {
			switch {
			case d.year > 99:
			case d.year > 50:
				d.year += 1900
			default:
				d.year += 2000
			}
			return d, true
		}
	}
	return date{}, false
}

func dayMonth(a, b, year int) (date, bool) {
	switch {
	case a <= 31 && b <= 12:
		return date{day: a, month: b, year: year}, true
	case b <= 31 && a <= 12:
		return date{day: b, month: a, year: year}, true
	}
	return date{}, false
}

func abs(n int) int { return max(n, -n) }
