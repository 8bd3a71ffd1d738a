package password

import (
	"encoding/binary"
	"strings"
	"testing"

	"github.com/trustelem/zxcvbn/frequency"
)

func TestEmbeddedWords(t *testing.T) {
	t.Parallel()
	if err := Preload(); err != nil {
		t.Fatal(err)
	}
	d := words()
	if d.len() < 200000 {
		t.Fatalf("only %d words embedded", d.len())
	}
	for i := 0; i < d.len(); i++ {
		w := d.word(i)
		if i > 0 && d.word(i-1) >= w {
			t.Fatalf("words %d and %d out of order: %q, %q", i-1, i, d.word(i-1), w)
		}
		if len(w) < 2 || asciiLower(w) != w || len(refusedRunes(w)) > 0 {
			t.Fatalf("word %d %q is not lower-case printable ASCII of 2+ bytes", i, w)
		}
	}
	tests := []struct {
		word  string
		flags uint8
	}{
		{"bonjour", listWord},
		{"ecole", listWord}, // from "école"
		{"aujourdhui", listWord},
		{"password", listPassword},
		{"azerty", listPassword},
		{"julien", listName},
		{"hello", listWord},
	}
	for _, tt := range tests {
		_, fl, ok := d.lookup(tt.word)
		if !ok || fl&tt.flags == 0 {
			t.Errorf("lookup(%q) = flags %b, %v; want flag %b", tt.word, fl, ok, tt.flags)
		}
	}
	for _, w := range []string{"", "x7#kq9!m2lp", "école", "zzzzzzzzzzzz"} {
		if _, _, ok := d.lookup(w); ok {
			t.Errorf("lookup(%q) found, want absent", w)
		}
	}
}

// encodeWords is gen's format for words given in order, each of rank
// its position and flags 1.
func encodeWords(ws ...string) string {
	u32 := func(b []byte, v int) []byte { return binary.LittleEndian.AppendUint32(b, uint32(v)) }
	b, total := []byte(wordsMagic), 0
	for _, w := range ws {
		total += len(w)
	}
	b = u32(u32(b, len(ws)), total)
	b, total = u32(b, 0), 0
	for _, w := range ws {
		total += len(w)
		b = u32(b, total)
	}
	for i := range ws {
		b = u32(b, (i+1)<<8|1)
	}
	return string(b) + strings.Join(ws, "")
}

func TestDecode(t *testing.T) {
	t.Parallel()
	d, err := decodeDict(encodeWords("ab", "abc", "bd"))
	if err != nil {
		t.Fatal(err)
	}
	if rank, fl, ok := d.lookup("abc"); !ok || rank != 2 || fl != 1 {
		t.Errorf(`lookup("abc") = %d, %b, %v; want 2, 1, true`, rank, fl, ok)
	}
	if _, _, ok := d.lookup("b"); ok {
		t.Error(`lookup("b") found`)
	}
}

func TestDecodeCorrupt(t *testing.T) {
	t.Parallel()
	for _, n := range []int{0, 5, len(wordsMagic), len(wordsMagic) + 3, 1000, len(wordsBin) - 1} {
		if _, err := decodeDict(wordsBin[:n]); err == nil {
			t.Errorf("decodeDict(first %d bytes) succeeded, want error", n)
		}
	}
	good := encodeWords("ab", "cd")
	offsets := len(wordsMagic) + 8
	tests := map[string]string{
		"older format":       "SEUILWORDS1\n" + good[len(wordsMagic):],
		"a byte too many":    good + "e",
		"first offset not 0": good[:offsets] + "\x01" + good[offsets+1:],
		"last offset short":  good[:offsets+8] + "\x03" + good[offsets+9:],
	}
	for name, raw := range tests {
		if _, err := decodeDict(raw); err == nil {
			t.Errorf("%s: decodeDict succeeded, want error", name)
		}
	}
	// The offsets between are not read at start: out of order (or past
	// the end), they make lookups wrong, never a panic.
	for _, off := range []string{"\x05\x00\x00\x00", "\xff\x00\x00\x00"} {
		d, err := decodeDict(good[:offsets+4] + off + good[offsets+8:])
		if err != nil {
			t.Fatal(err)
		}
		_, _, _ = d.lookup("ab")
		d.eachWord("abcdab", 1, func(int, int, uint32) {})
	}
}

// FuzzDecode: a damaged word file is an error, never a panic.
func FuzzDecode(f *testing.F) {
	f.Add([]byte(wordsBin[:200]))
	f.Add([]byte(encodeWords("ab", "abc", "bd")))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := decodeDict(string(b))
		if err == nil {
			for i := 0; i < d.len(); i++ {
				_, _, _ = d.word(i), d.rank(i), d.flags(i)
			}
		}
	})
}

func TestUnleet(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want []string
	}{
		{"bonjour", nil},
		{"p@ssw0rd", []string{"password"}},
		{"1ove", []string{"iove", "love"}},
		{"l1l1", []string{"lili", "llli", "lill", "llll"}},
	}
	for _, tt := range tests {
		got := unleet(tt.in)
		if len(got) != len(tt.want) {
			t.Errorf("unleet(%q) = %q, want %q", tt.in, got, tt.want)
			continue
		}
		set := map[string]bool{}
		for _, g := range got {
			set[g] = true
		}
		for _, w := range tt.want {
			if !set[w] {
				t.Errorf("unleet(%q) = %q, missing %q", tt.in, got, w)
			}
		}
	}
	if n := len(unleet("1111111111")); n != maxUnleet {
		t.Errorf("unleet of ten 1s gave %d variants, want the cap %d", n, maxUnleet)
	}
}

// TestZxcvbnListsEmbedded: the embedded zxcvbn.bin is trustelem's lists
// as its matcher ranks them (a word's rank in a list its last position,
// lower-cased; of two lists the better rank wins, which is all the
// estimate reads of two matches of one token), word for word. It fails
// when the module's lists change and go generate was not run.
func TestZxcvbnListsEmbedded(t *testing.T) {
	t.Parallel()
	want := map[string]uint32{}
	for _, list := range frequency.FrequencyLists {
		ranks := map[string]uint32{}
		for i, w := range list {
			ranks[strings.ToLower(w)] = uint32(i + 1)
		}
		for w, r := range ranks {
			if old, ok := want[w]; !ok || r < old {
				want[w] = r
			}
		}
	}
	d := zxcvbnWords()
	if d.len() != len(want) {
		t.Fatalf("%d words embedded, trustelem has %d: run go generate ./flows/password", d.len(), len(want))
	}
	for i := range d.len() {
		if w := d.word(i); want[w] != d.rank(i) {
			t.Fatalf("%q ranked %d, trustelem %d: run go generate ./flows/password", w, d.rank(i), want[w])
		}
	}
}
