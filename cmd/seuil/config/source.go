package config

import "fmt"

// source remembers where a loaded configuration's keys were, so that
// checks made after loading (the preflight of check-config and serve:
// files that must exist, flows and themes that must load) report
// file:line: key like the loader does.
type source struct {
	file  string
	lines map[string]int
	paths []PathKey
}

// PathKey is a file or directory name the configuration sets: its key
// path and its value, resolved against the configuration file's directory.
type PathKey struct {
	Key, Value string
	// Created: Seuil creates the file when missing (the embedded
	// directory's accounts, the audit file); its directory must exist.
	Created bool
}

// Paths lists the file and directory names the configuration sets, in
// file order.
func (c *Config) Paths() []PathKey {
	if c.src == nil {
		return nil
	}
	return c.src.paths
}

// At is a problem with key, placed at its line in the file (or its
// nearest parent's).
func (c *Config) At(key, format string, args ...any) Problem {
	p := Problem{Path: key, Msg: fmt.Sprintf(format, args...)}
	if c.src == nil {
		return p
	}
	p.File = c.src.file
	for k := key; k != ""; k = parent(k) {
		if l, ok := c.src.lines[k]; ok {
			p.Line = l
			break
		}
	}
	return p
}

// Sorted orders problems as the file reads.
func (ps Problems) Sorted() Problems { return ps.sorted() }
