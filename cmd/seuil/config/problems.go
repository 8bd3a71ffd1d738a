package config

import (
	"fmt"
	"sort"
	"strings"
)

// Problem is one thing wrong with a configuration file: where (file, line,
// key path) and what.
type Problem struct {
	File string
	Line int    // 0 when the key is absent from the file (e.g. "required")
	Path string // key path, e.g. oidc.clients[1].redirect_uris[0]
	Msg  string
}

func (p Problem) Error() string {
	where := p.File
	if p.Line > 0 {
		where = fmt.Sprintf("%s:%d", p.File, p.Line)
	}
	if p.Path == "" {
		return where + ": " + p.Msg
	}
	return where + ": " + p.Path + ": " + p.Msg
}

// Problems is every problem found in one load: Load reports them all at
// once so that an administrator fixes a file in one pass, not one
// restart per typo.
type Problems []Problem

// Error prints one problem per line, in file order.
func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.Error()
	}
	return strings.Join(lines, "\n")
}

// sorted orders problems by line so that the report reads like the file;
// problems without a line (missing keys) come last, by path.
func (ps Problems) sorted() Problems {
	out := append(Problems(nil), ps...)
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if (a.Line == 0) != (b.Line == 0) {
			return b.Line == 0
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Path < b.Path
	})
	return out
}

// report collects problems with the positions of the keys seen in the file.
type report struct {
	file   string
	lines  map[string]int  // key path → line of the key (or item) in the file
	broken map[string]bool // paths that could not be decoded
	probs  Problems
}

func newReport(file string) *report {
	return &report{file: file, lines: map[string]int{}, broken: map[string]bool{}}
}

// at records a problem found while decoding, at an exact line.
func (r *report) at(line int, path, format string, args ...any) {
	r.broken[path] = true
	r.probs = append(r.probs, Problem{File: r.file, Line: line, Path: path, Msg: fmt.Sprintf(format, args...)})
}

// add records a problem about path, placed at the line of path or, when
// the key is absent, of its nearest ancestor present in the file. It is
// silent under a path that could not be decoded: "redis: must be a
// mapping" says all there is to say about redis.addrs.
func (r *report) add(path, format string, args ...any) {
	for p := path; p != ""; p = parent(p) {
		if r.broken[p] {
			return
		}
	}
	r.probs = append(r.probs, Problem{File: r.file, Line: r.line(path), Path: path, Msg: fmt.Sprintf(format, args...)})
}

// has reports whether path was written in the file.
func (r *report) has(path string) bool {
	_, ok := r.lines[path]
	return ok
}

func (r *report) line(path string) int {
	for p := path; p != ""; p = parent(p) {
		if l, ok := r.lines[p]; ok {
			return l
		}
	}
	return 0
}

// parent strips the last element of a key path: a.b[2].c → a.b[2] → a.b → a.
func parent(p string) string {
	i := strings.LastIndexAny(p, ".[")
	if i < 0 {
		return ""
	}
	return p[:i]
}

// suggest returns the candidate closest to key when it is close enough to
// be a typo (a small edit distance, relative to the word's length).
func suggest(key string, candidates []string) string {
	best, bestD := "", 1<<30
	for _, c := range candidates {
		if d := distance(key, c); d < bestD {
			best, bestD = c, d
		}
	}
	limit := 2
	if len(key) > 8 {
		limit = 3
	}
	if bestD <= limit && bestD < len(key) {
		return best
	}
	return ""
}

// distance is the Levenshtein edit distance between a and b.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
