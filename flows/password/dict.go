package password

import (
	_ "embed"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
)

//go:generate go run ./gen -out data/words.bin
//go:generate go run ./gen -zxcvbn -out data/zxcvbn.bin

// wordsBin is Seuil's lists, used where they lie: a string, so the
// linker keeps them in read-only data and the dictionary's slices are
// views of it. The server then holds no copy on its heap, and of the
// file's pages only those lookups touch become resident, where decoding
// it used to cost 3.7 MB of live heap (twice that at the garbage
// collector's peak) for as long as the server runs.
//
//go:embed data/words.bin
var wordsBin string

// zxcvbnBin is zxcvbn's own English lists (trustelem/zxcvbn's, 94k
// words) merged with each word's best rank, in the same format: embedded
// rather than built from trustelem's package, whose lists live in a map
// its init fills (2 MB more for as long as the server runs).
//
//go:embed data/zxcvbn.bin
var zxcvbnBin string

// List flags: which source lists a word came from. Keep in step with gen.
const (
	listWord     uint8 = 1 << iota // French or English word (incl. days, months…)
	listPassword                   // common password
	listName                       // first or last name
)

const wordsMagic = "SEUILWORDS2\n"

// dict is an embedded word list, sorted. The file is a magic line, the
// word count n and the words' total length as little-endian uint32s,
// then n+1 offsets (uint32), n entries (uint32: rank<<8 | flags) and
// all words concatenated; dict's fields are substrings of it, so a
// lookup is a binary search over the file itself.
type dict struct {
	blob string
	off  string // word i is blob[offset(i):offset(i+1)]
	meta string // entry i: 1-based frequency rank (lower is more common) << 8 | flags
	n    int

	byFirst [256][2]uint32 // words starting with byte b: [byFirst[b][0], byFirst[b][1])
}

var (
	dictOnce sync.Once
	dictVal  *dict
	zxVal    *dict
	dictErr  error
)

// Preload checks the embedded dictionaries now rather than on the first
// Check, so that a server finds a corrupt build at start.
func Preload() error {
	dictOnce.Do(func() {
		if dictVal, dictErr = decodeDict(wordsBin); dictErr == nil {
			if zxVal, dictErr = decodeDict(zxcvbnBin); dictErr != nil {
				dictErr = fmt.Errorf("zxcvbn's lists: %w", dictErr)
			}
		}
	})
	return dictErr
}

// zxcvbnWords returns zxcvbn's own lists (English words, names, TV and
// film, common passwords) as one sorted dict, each word with its best
// rank among the lists. The strength estimate keeps them apart from
// Seuil's lists: only these, and not Seuil's, take part in the estimate
// of a repeated part, as in zxcvbn.
func zxcvbnWords() *dict {
	words()
	return zxVal
}

// words returns the loaded dictionary. The data is embedded at build
// time, so a decode failure is a broken build: Preload reports it as an
// error and the tests catch it; here it panics.
func words() *dict {
	if err := Preload(); err != nil {
		panic(fmt.Sprintf("password: embedded word list: %v", err))
	}
	return dictVal
}

// le32 is the little-endian uint32 at s[4*i:].
func le32(s string, i int) uint32 {
	s = s[4*i : 4*i+4]
	return uint32(s[0]) | uint32(s[1])<<8 | uint32(s[2])<<16 | uint32(s[3])<<24
}

// decodeDict checks raw's header and sizes and returns the dict it holds,
// copying nothing. The offsets between the first and the last are not
// read: that would make their 1.3 MB resident at start for nothing, the
// embedded files being held whole by TestEmbeddedWords and
// TestZxcvbnListsEmbedded. A damaged offset cannot make a lookup panic
// (offset and word keep inside the words); it can only make it wrong.
func decodeDict(raw string) (*dict, error) {
	if !strings.HasPrefix(raw, wordsMagic) {
		return nil, errors.New("bad header (run go generate)")
	}
	raw = raw[len(wordsMagic):]
	if len(raw) < 8 {
		return nil, errors.New("truncated header")
	}
	n, size := uint64(le32(raw, 0)), uint64(le32(raw, 1))
	if n > 1<<24 || size > 1<<28 {
		return nil, errors.New("bad word count or total size")
	}
	raw = raw[8:]
	if uint64(len(raw)) != 4*(n+1)+4*n+size {
		return nil, fmt.Errorf("%d bytes for %d words of %d bytes in all", len(raw), n, size)
	}
	d := &dict{off: raw[:4*(n+1)], meta: raw[4*(n+1) : 4*(2*n+1)], blob: raw[4*(2*n+1):], n: int(n)}
	if d.offset(0) != 0 || uint64(d.offset(d.n)) != size {
		return nil, errors.New("offsets do not span the words")
	}
	d.index()
	return d, nil
}

func (d *dict) len() int { return d.n }

// offset is where word i starts, never past the words' end.
func (d *dict) offset(i int) uint32 { return min(le32(d.off, i), uint32(len(d.blob))) }

// word is word i; "" where damaged offsets are out of order.
func (d *dict) word(i int) string {
	a, b := d.offset(i), d.offset(i+1)
	return d.blob[a:max(a, b)]
}

func (d *dict) rank(i int) uint32 { return le32(d.meta, i) >> 8 }

func (d *dict) flags(i int) uint8 { return uint8(le32(d.meta, i)) }

// lowerBound returns the index of the first word >= s.
func (d *dict) lowerBound(s string) int {
	return sort.Search(d.len(), func(i int) bool { return d.word(i) >= s })
}

// lookup reports the rank and flags of s, which must be lower-case.
func (d *dict) lookup(s string) (rank uint32, flags uint8, ok bool) {
	i := d.lowerBound(s)
	if i < d.len() && d.word(i) == s {
		return d.rank(i), d.flags(i), true
	}
	return 0, 0, false
}

// eachWord calls fn for every listed word s[i:j] with j-i >= minLen, in
// order of i then j. s must be lower-case. From each start it narrows
// the range of words sharing the growing prefix s[i:j], one byte at a
// time: the words of the range all share s[i:j], so the next search
// compares only their byte at j-i, not whole strings. It stops as soon
// as no word has the prefix.
func (d *dict) eachWord(s string, minLen int, fn func(i, j int, rank uint32)) {
	for i := 0; i < len(s); i++ {
		r := d.byFirst[s[i]]
		lo, hi := int(r[0]), int(r[1])
		for j := i + 1; lo < hi; j++ {
			depth := j - i
			if depth >= minLen && int(d.offset(lo+1)-d.offset(lo)) == depth {
				fn(i, j, d.rank(lo)) // the prefix itself, sorted first
			}
			if j == len(s) {
				break
			}
			c := int(s[j])
			lo = d.firstByteFrom(lo, hi, depth, c)
			hi = d.firstByteFrom(lo, hi, depth, c+1)
		}
	}
}

// firstByteFrom returns the first word of [lo, hi) whose byte at depth
// is c or more, a word no longer than depth counting as below every
// byte. The words of the range share their first depth bytes, so that
// byte grows with the index. The loop is written out, not sort.Search,
// for this is the estimate's inner loop: no call per step.
func (d *dict) firstByteFrom(lo, hi, depth, c int) int {
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		a, b := int(d.offset(m)), int(d.offset(m+1))
		if b-a > depth && int(d.blob[a+depth]) >= c {
			hi = m
		} else {
			lo = m + 1
		}
	}
	return lo
}

// index fills byFirst, the range of words starting with each byte.
func (d *dict) index() {
	first := func(k int) int { // an empty word sorts before every byte
		if w := d.word(k); w != "" {
			return int(w[0])
		}
		return -1
	}
	for b := range d.byFirst {
		lo := sort.Search(d.len(), func(k int) bool { return first(k) >= b })
		hi := sort.Search(d.len(), func(k int) bool { return first(k) > b })
		d.byFirst[b] = [2]uint32{uint32(lo), uint32(hi)}
	}
}
