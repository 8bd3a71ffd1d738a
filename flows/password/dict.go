package password

import (
	"bytes"
	_ "embed"
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
	"sync"
)

//go:generate go run ./gen -out data/words.bin
//go:generate go run ./gen -zxcvbn -out data/zxcvbn.bin

// wordsBin is not compressed: gzip would save a third of its 1.8 MB but
// make decoding five times slower.
//
//go:embed data/words.bin
var wordsBin []byte

// zxcvbnBin is zxcvbn's own English lists (trustelem/zxcvbn's, 94k
// words) merged with each word's best rank, in the same format: decoded
// at start rather than built from trustelem's package, whose lists live
// in a map its init fills (2 MB more for as long as the server runs).
//
//go:embed data/zxcvbn.bin
var zxcvbnBin []byte

// List flags: which source lists a word came from. Keep in step with gen.
const (
	listWord     uint8 = 1 << iota // French or English word (incl. days, months…)
	listPassword                   // common password
	listName                       // first or last name
)

const wordsMagic = "SEUILWORDS1\n"

// dict is the embedded word list, decoded once: all words concatenated in
// sorted order in one string, with offsets, ranks and flags in parallel
// slices. Three slices and one string instead of a map keep it under 4 MB
// and quick to decode; lookups are binary searches.
type dict struct {
	blob  string
	off   []uint32 // word i is blob[off[i]:off[i+1]]
	rank  []uint32 // 1-based frequency rank, lower is more common
	flags []uint8

	byFirst [256][2]uint32 // words starting with byte b: [byFirst[b][0], byFirst[b][1])
}

var (
	dictOnce sync.Once
	dictVal  *dict
	zxVal    *dict
	dictErr  error
)

// Preload decodes the embedded dictionaries now rather than on the first
// Check, so that a server pays the cost (tens of ms) at start and finds a
// corrupt build at once.
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

func decodeDict(raw []byte) (*dict, error) {
	if !bytes.HasPrefix(raw, []byte(wordsMagic)) {
		return nil, errors.New("bad header (run go generate)")
	}
	raw = raw[len(wordsMagic):]
	n, k := binary.Uvarint(raw)
	if k <= 0 || n > 1<<24 {
		return nil, errors.New("bad word count")
	}
	raw = raw[k:]
	size, k := binary.Uvarint(raw)
	if k <= 0 || size > 1<<28 {
		return nil, errors.New("bad total size")
	}
	raw = raw[k:]
	d := &dict{off: make([]uint32, 1, n+1), rank: make([]uint32, 0, n), flags: make([]uint8, 0, n)}
	blob := make([]byte, 0, size)
	prev := 0 // offset of the previous word in blob
	for i := uint64(0); i < n; i++ {
		if len(raw) < 2 {
			return nil, fmt.Errorf("entry %d: truncated", i)
		}
		p, l := int(raw[0]), int(raw[1])
		if p > len(blob)-prev || len(raw) < 3+l || uint64(len(blob)+p+l) > size {
			return nil, fmt.Errorf("entry %d: truncated", i)
		}
		start := len(blob)
		blob = append(blob, blob[prev:prev+p]...)
		blob = append(blob, raw[2:2+l]...)
		prev = start
		fl := raw[2+l]
		rk, k := binary.Uvarint(raw[3+l:])
		if k <= 0 {
			return nil, fmt.Errorf("entry %d: bad rank", i)
		}
		raw = raw[3+l+k:]
		d.off = append(d.off, uint32(len(blob)))
		d.rank = append(d.rank, uint32(rk))
		d.flags = append(d.flags, fl)
	}
	d.blob = string(blob)
	d.index()
	return d, nil
}

func (d *dict) len() int { return len(d.rank) }

func (d *dict) word(i int) string { return d.blob[d.off[i]:d.off[i+1]] }

// lowerBound returns the index of the first word >= s.
func (d *dict) lowerBound(s string) int {
	return sort.Search(d.len(), func(i int) bool { return d.word(i) >= s })
}

// lookup reports the rank and flags of s, which must be lower-case.
func (d *dict) lookup(s string) (rank uint32, flags uint8, ok bool) {
	i := d.lowerBound(s)
	if i < d.len() && d.word(i) == s {
		return d.rank[i], d.flags[i], true
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
			if depth := j - i; depth >= minLen && len(d.word(lo)) == depth {
				fn(i, j, d.rank[lo]) // the prefix itself, sorted first
			}
			if j == len(s) {
				break
			}
			c, depth := s[j], j-i
			lo += sort.Search(hi-lo, func(k int) bool {
				w := d.word(lo + k)
				return len(w) > depth && w[depth] >= c
			})
			hi = lo + sort.Search(hi-lo, func(k int) bool { return d.word(lo + k)[depth] > c })
		}
	}
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

// sizeBytes is the decoded dictionary's heap footprint.
func (d *dict) sizeBytes() int {
	return len(d.blob) + 4*cap(d.off) + 4*cap(d.rank) + cap(d.flags)
}
