// Package docs holds the project's documents; its tests keep
// security.md and accessibilite.md true to the code they cite.
package docs

import (
	"bufio"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

var (
	codeSpan = regexp.MustCompile("`([^`]+)`")
	testName = regexp.MustCompile(`^(Test|Fuzz|Benchmark)[A-Za-z0-9_]+$`)
	testFunc = regexp.MustCompile(`(?m)^func ((?:Test|Fuzz|Benchmark)[A-Za-z0-9_]+)\(`)
	// The repository's own top-level directories: a code span starting
	// with one of them is a path that must exist.
	ownPath = regexp.MustCompile(`^(cmd|idp|flows|themes|charts|docs|ldapsync)/[A-Za-z0-9_./-]*$`)
)

// TestSecurityMatrixHoldsToTheCode: every test security.md names exists,
// every path it names exists, and every requirement of the texts it
// keys to has its row (a renamed test or a dropped row fails here).
func TestSecurityMatrixHoldsToTheCode(t *testing.T) {
	doc, err := os.ReadFile("security.md")
	if err != nil {
		t.Fatal(err)
	}
	tests := testFuncs(t, "..")
	for _, m := range codeSpan.FindAllStringSubmatch(string(doc), -1) {
		span := m[1]
		switch {
		case testName.MatchString(span):
			if !tests[span] {
				t.Errorf("security.md names %s, which no _test.go file defines", span)
			}
		case ownPath.MatchString(span):
			if _, err := os.Stat(filepath.Join("..", span)); err != nil {
				t.Errorf("security.md names %s, which does not exist", span)
			}
		}
	}

	rows := map[string]bool{}
	for _, line := range strings.Split(string(doc), "\n") {
		if cells := strings.Split(line, "|"); len(cells) > 2 {
			rows[strings.TrimSpace(cells[1])] = true
		}
	}
	for _, id := range asvsIDs(t) {
		if !rows[id] {
			t.Errorf("security.md has no row for ASVS %s", id)
		}
	}
	anssi := []string{"R29-"}
	for i := 1; i <= 42; i++ {
		anssi = append(anssi, "R"+strconv.Itoa(i))
	}
	for _, r := range anssi {
		if !rows[r] {
			t.Errorf("security.md has no row for ANSSI %s", r)
		}
	}
}

// testFuncs lists the test, fuzz and benchmark functions of the tree.
func testFuncs(t *testing.T, root string) map[string]bool {
	t.Helper()
	found := map[string]bool{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "node_modules" || d.Name() == ".git") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range testFunc.FindAllStringSubmatch(string(src), -1) {
			found[m[1]] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

func asvsIDs(t *testing.T) []string {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "asvs-5.0.0-v6-v7-v10-l2.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var ids []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); line != "" && !strings.HasPrefix(line, "#") {
			ids = append(ids, line)
		}
	}
	if len(ids) != 82 {
		t.Fatalf("%d ASVS ids in testdata, the release has 82 at level 1 and 2 in V6, V7 and V10", len(ids))
	}
	return ids
}
