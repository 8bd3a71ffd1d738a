// Command gen builds the password package's embedded word list from the
// MIT-licensed @zxcvbn-ts language packages on the npm registry.
//
// It is run by `go generate ./flows/password` (never by `go build`), needs
// npm on the PATH, and writes a sorted, indexed list
// of lower-cased, accent-folded, printable-ASCII words, each with its best
// frequency rank and a bitmask of the lists it came from (see ../dict.go
// for the format, which the reader and this writer must agree on).
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/trustelem/zxcvbn/frequency"
)

// The package versions are pinned so that a re-run reproduces the
// committed file byte for byte.
var packages = []source{
	{pkg: "@zxcvbn-ts/language-common@4.1.3", files: map[string]uint8{
		"passwords.json": flagPassword,
	}},
	{pkg: "@zxcvbn-ts/language-fr@4.1.2", files: map[string]uint8{
		"commonWords.json":   flagWord,
		"wikipedia.json":     flagWord,
		"wordSequences.json": flagWord,
		"firstnames.json":    flagName,
		"lastnames.json":     flagName,
	}},
	{pkg: "@zxcvbn-ts/language-en@4.1.1", files: map[string]uint8{
		"commonWords.json":   flagWord,
		"wikipedia.json":     flagWord,
		"wordSequences.json": flagWord,
		"firstnames.json":    flagName,
		"lastnames.json":     flagName,
	}},
}

// Flags: keep in step with the constants in ../dict.go.
const (
	flagWord     uint8 = 1 << iota // French or English word
	flagPassword                   // common password
	flagName                       // first or last name
)

type source struct {
	pkg   string
	files map[string]uint8
}

func main() {
	out := flag.String("out", "data/words.bin", "output file")
	zx := flag.Bool("zxcvbn", false, "write zxcvbn's own English lists (trustelem/zxcvbn's frequency package, no npm) instead")
	flag.Parse()
	if *zx {
		words := zxcvbnWords()
		if err := words.write(*out); err != nil {
			log.Fatal(err)
		}
		fmt.Fprintf(os.Stderr, "gen: wrote zxcvbn's %d words to %s\n", words.len(), *out)
		return
	}
	tmp, err := os.MkdirTemp("", "seuil-words-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(tmp)

	words := newWordSet()
	for _, s := range packages {
		dir, err := fetch(tmp, s.pkg)
		if err != nil {
			log.Fatalf("%s: %v", s.pkg, err)
		}
		for name, fl := range s.files {
			lists, err := readLists(filepath.Join(dir, "package", "src", name))
			if err != nil {
				log.Fatalf("%s %s: %v", s.pkg, name, err)
			}
			for _, l := range lists {
				words.addList(l, fl)
			}
		}
	}
	if err := words.write(*out); err != nil {
		log.Fatal(err)
	}
	fmt.Fprintf(os.Stderr, "gen: wrote %d words (%s) to %s\n", words.len(), words.stats(), *out)
}

// zxcvbnWords merges the lists the strength estimate's dictionary
// matching reads: each word lower-cased as zxcvbn does, with its best
// rank (its 1-based position) among the lists; no other form, filter or
// flag, for the matches must be zxcvbn's own.
func zxcvbnWords() wordSet {
	w := wordSet{}
	for _, list := range frequency.FrequencyLists {
		for i, raw := range list {
			word := strings.ToLower(raw)
			if e, ok := w[word]; !ok || uint32(i+1) < e.rank {
				w[word] = entry{rank: uint32(i + 1)}
			}
		}
	}
	return w
}

// fetch downloads one npm package tarball into tmp with `npm pack` (no
// install scripts run) and unpacks it; it returns the unpacked folder.
func fetch(tmp, pkg string) (string, error) {
	cmd := exec.Command("npm", "pack", "--silent", "--ignore-scripts", pkg)
	cmd.Dir = tmp
	cmd.Stderr = os.Stderr
	name, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("npm pack: %w", err)
	}
	tgz := filepath.Join(tmp, string(trimSpace(name)))
	dir := tgz + ".d"
	return dir, untar(tgz, dir)
}
