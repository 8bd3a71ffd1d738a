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
	magic  = "SEUILWORDS2\n"
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

// write stores the set sorted, in the form the server searches in place
// (password.dict): after a magic line, the entry count and the words'
// total length, then the offsets of the words, each entry's rank<<8 |
// flags, and the words concatenated, every number a little-endian
// uint32.
func (w wordSet) write(path string) error {
	keys := make([]string, 0, len(w))
	total := 0
	for k, e := range w {
		if e.rank >= 1<<24 {
			return fmt.Errorf("%q: rank %d does not fit in 24 bits", k, e.rank)
		}
		keys = append(keys, k)
		total += len(k)
	}
	sort.Strings(keys)
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	bw := bufio.NewWriter(f)
	bw.WriteString(magic)
	u32 := func(v uint32) { bw.Write(binary.LittleEndian.AppendUint32(nil, v)) }
	u32(uint32(len(keys)))
	u32(uint32(total))
	off := uint32(0)
	u32(off)
	for _, k := range keys {
		off += uint32(len(k))
		u32(off)
	}
	for _, k := range keys {
		e := w[k]
		u32(e.rank<<8 | uint32(e.flags))
	}
	for _, k := range keys {
		bw.WriteString(k)
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	return f.Close()
}
