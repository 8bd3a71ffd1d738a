package docs

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// criterionRow is one row of accessibilite.md's tables: a criterion (or a
// range of them, "4.1 à 4.13") and its status.
var criterionRow = regexp.MustCompile(`(?m)^\| (\d+)\.(\d+)(?: à \d+\.(\d+))? \| [^|]+ \| (C|NC|NA)\b`)

// rgaaThemes is how many criteria each of RGAA 4.1's 13 themes has.
var rgaaThemes = []int{9, 2, 3, 13, 8, 2, 5, 10, 4, 14, 13, 11, 12}

// TestAccessibilityDeclarationHoldsTogether: accessibilite.md rates each
// of RGAA 4.1's 106 criteria once, its summary counts what its tables
// say, every file it cites exists, and every check it credits to
// a11y.mjs is one that script makes.
func TestAccessibilityDeclarationHoldsTogether(t *testing.T) {
	raw, err := os.ReadFile("accessibilite.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	seen := map[string]string{}
	applicable, conform := 0, 0
	for _, m := range criterionRow.FindAllStringSubmatch(doc, -1) {
		theme, _ := strconv.Atoi(m[1])
		from, _ := strconv.Atoi(m[2])
		to := from
		if m[3] != "" {
			to, _ = strconv.Atoi(m[3])
		}
		for n := from; n <= to; n++ {
			id := fmt.Sprintf("%d.%d", theme, n)
			if _, dup := seen[id]; dup {
				t.Errorf("criterion %s rated twice", id)
			}
			seen[id] = m[4]
			if m[4] != "NA" {
				applicable++
			}
			if m[4] == "C" {
				conform++
			}
		}
	}
	for theme, n := range rgaaThemes {
		for c := 1; c <= n; c++ {
			if id := fmt.Sprintf("%d.%d", theme+1, c); seen[id] == "" {
				t.Errorf("criterion %s has no row", id)
			}
		}
	}
	if len(seen) != 106 {
		t.Errorf("%d criteria rated, RGAA 4.1 has 106", len(seen))
	}
	if want := fmt.Sprintf("%d s'appliquent et les %d sont évalués conformes", applicable, conform); applicable != conform ||
		!strings.Contains(strings.Join(strings.Fields(doc), " "), want) {
		t.Errorf("the summary does not say %q (applicable %d, conform %d)", want, applicable, conform)
	}
	for _, m := range codeSpan.FindAllStringSubmatch(doc, -1) {
		if p := m[1]; ownPath.MatchString(p) {
			if _, err := os.Stat(filepath.Join("..", p)); err != nil {
				t.Errorf("accessibilite.md cites %s: %v", p, err)
			}
		}
	}
	script, err := os.ReadFile(filepath.Join("..", "flows", "e2e", "a11y.mjs"))
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"12.8", "12.9", "7.1", "7.5", "11.1", "9.1", "10.4", "10.12", "13.9", "10.2", "10.3", "3.3", "11.10"} {
		if !strings.Contains(string(script), id) {
			t.Errorf("a11y.mjs makes no check named %s, which accessibilite.md credits to it", id)
		}
	}
}
