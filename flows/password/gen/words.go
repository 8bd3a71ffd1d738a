package main

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"os"
	"sort"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Words shorter than minLen carry no signal (and the scorer's brute-force
// estimate is as good); longer than maxLen they are noise in the lists.
const (
	minLen = 2
	maxLen = 40
	magic  = "SEUILWORDS1\n"
)

type entry struct {
	rank  uint32 // best (lowest) 1-based frequency rank over all lists
	flags uint8
}

type wordSet map[string]entry

func newWordSet() wordSet { return wordSet{} }

func (w wordSet) len() int { return len(w) }

// addList adds one frequency-ordered list; a word's rank is its position.
func (w wordSet) addList(list []string, fl uint8) {
	for i, raw := range list {
		for _, v := range variants(raw) {
			w.add(v, uint32(i+1), fl)
		}
	}
}

func (w wordSet) add(word string, rank uint32, fl uint8) {
	if len(word) < minLen || len(word) > maxLen || !printableASCII(word) {
		return
	}
	e, ok := w[word]
	if !ok || rank < e.rank {
		e.rank = rank
	}
	e.flags |= fl
	w[word] = e
}

// fold drops accents. (A shared transform.Chain would be simpler, but it
// keeps state and is not safe for concurrent use.)
func fold(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		if !unicode.Is(unicode.Mn, r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

var ligatures = strings.NewReplacer("œ", "oe", "æ", "ae", "ß", "ss", "Œ", "oe", "Æ", "ae")

// variants returns the forms a student could type for a listed word:
// lower-cased, accents dropped ("été" → "ete"), and for compound words
// also without their hyphens, apostrophes and spaces ("aujourdhui").
func variants(raw string) []string {
	s := strings.ToLower(ligatures.Replace(raw))
	s = strings.TrimSpace(fold(s))
	out := []string{s}
	if joined := strings.NewReplacer("-", "", "'", "", " ", "").Replace(s); joined != s {
		out = append(out, joined)
	}
	return out
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

func (w wordSet) stats() string {
	var words, pw, names int
	for _, e := range w {
		if e.flags&flagWord != 0 {
			words++
		}
		if e.flags&flagPassword != 0 {
			pw++
		}
		if e.flags&flagName != 0 {
			names++
		}
	}
	return fmt.Sprintf("%d words, %d passwords, %d names", words, pw, names)
}

// write stores the set sorted and front-coded: per entry, the length of
// the prefix shared with the previous word, the suffix length, the suffix,
// the flags byte and the rank as a uvarint — all after a magic line, the entry
// count and the words' total length (so the reader allocates once).
func (w wordSet) write(path string) error {
	keys := make([]string, 0, len(w))
	for k := range w {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	bw := bufio.NewWriter(f)
	bw.WriteString(magic)
	var buf [binary.MaxVarintLen64]byte
	bw.Write(buf[:binary.PutUvarint(buf[:], uint64(len(keys)))])
	total := 0
	for _, k := range keys {
		total += len(k)
	}
	bw.Write(buf[:binary.PutUvarint(buf[:], uint64(total))])
	prev := ""
	for _, k := range keys {
		p := commonPrefix(prev, k)
		e := w[k]
		bw.WriteByte(byte(p))
		bw.WriteByte(byte(len(k) - p))
		bw.WriteString(k[p:])
		bw.WriteByte(e.flags)
		bw.Write(buf[:binary.PutUvarint(buf[:], uint64(e.rank))])
		prev = k
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	return f.Close()
}

func commonPrefix(a, b string) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}
