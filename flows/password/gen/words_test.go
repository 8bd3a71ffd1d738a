package main

import (
	"reflect"
	"testing"
)

func TestVariants(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want []string
	}{
		{"Bonjour", []string{"bonjour"}},
		{"été", []string{"ete"}},
		{"Œuvre", []string{"oeuvre"}},
		{"aujourd'hui", []string{"aujourd'hui", "aujourdhui"}},
		{"arrière-grand-mère", []string{"arriere-grand-mere", "arrieregrandmere"}},
	}
	for _, tt := range tests {
		if got := variants(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("variants(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestAddKeepsBestRankAndAllFlags(t *testing.T) {
	t.Parallel()
	w := newWordSet()
	w.addList([]string{"x", "soleil", "été"}, flagWord)
	w.addList([]string{"soleil", "привет", "Été"}, flagPassword)
	if got := w["soleil"]; got != (entry{rank: 1, flags: flagWord | flagPassword}) {
		t.Errorf("soleil = %+v", got)
	}
	if got := w["ete"]; got != (entry{rank: 3, flags: flagWord | flagPassword}) {
		t.Errorf("ete = %+v", got)
	}
	if _, ok := w["x"]; ok || len(w) != 2 {
		t.Errorf("short or non-ASCII words kept: %v", w)
	}
}
