package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// untar unpacks the regular files of a .tgz into dir, refusing paths that
// would escape it.
func untar(tgz, dir string) error {
	f, err := os.Open(tgz)
	if err != nil {
		return err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return err
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		p := filepath.Join(dir, filepath.FromSlash(h.Name))
		if !strings.HasPrefix(p, dir+string(filepath.Separator)) {
			return fmt.Errorf("untar: %q escapes the target folder", h.Name)
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			return err
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			return err
		}
	}
}

// readLists reads a JSON file that holds either one list of words, in
// frequency order, or an object of such lists (wordSequences.json).
func readLists(path string) ([][]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var one []string
	if err := json.Unmarshal(b, &one); err == nil {
		return [][]string{one}, nil
	}
	var many map[string][]string
	if err := json.Unmarshal(b, &many); err != nil {
		return nil, fmt.Errorf("%s: neither a list nor an object of lists: %w", path, err)
	}
	var out [][]string
	for _, l := range many {
		out = append(out, l)
	}
	return out, nil
}

func trimSpace(b []byte) []byte { return bytes.TrimSpace(b) }
