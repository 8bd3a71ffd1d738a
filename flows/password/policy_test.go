package password

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	t.Parallel()
	with := func(f func(*Policy)) Policy { p := DefaultPolicy(); f(&p); return p }
	tests := []struct {
		name    string
		p       Policy
		wantKey string // "" for valid
	}{
		{"default", DefaultPolicy(), ""},
		{"min 12", with(func(p *Policy) { p.MinLength = 12 }), ""},
		{"min 7", with(func(p *Policy) { p.MinLength = 7 }), "min_length"},
		{"min 129", with(func(p *Policy) { p.MinLength = 129; p.MaxLength = 200 }), "min_length"},
		{"max below min", with(func(p *Policy) { p.MinLength = 70; p.MaxLength = 69 }), "max_length"},
		{"max 63", with(func(p *Policy) { p.MaxLength = 63 }), "max_length"},
		{"context word too short", with(func(p *Policy) { p.ContextWords = []string{"tours", "Été"} }), "context_words[1]"},
		{"no context words", with(func(p *Policy) { p.ContextWords = nil }), ""},
		{"max 64", with(func(p *Policy) { p.MaxLength = 64 }), ""},
		{"max 257", with(func(p *Policy) { p.MaxLength = 257 }), "max_length"},
		{"score 4", with(func(p *Policy) { p.MinScore = 4 }), ""},
		{"score 5", with(func(p *Policy) { p.MinScore = 5 }), "min_score"},
		{"score -1", with(func(p *Policy) { p.MinScore = -1 }), "min_score"},
		{"zero value", Policy{}, "min_length"},
	}
	for _, tt := range tests {
		err := tt.p.Validate()
		switch {
		case tt.wantKey == "" && err != nil:
			t.Errorf("%s: Validate() = %v, want nil", tt.name, err)
		case tt.wantKey != "" && (err == nil || !errors.Is(err, ErrInvalidPolicy) || !strings.Contains(err.Error(), tt.wantKey)):
			t.Errorf("%s: Validate() = %v, want ErrInvalidPolicy naming %s", tt.name, err, tt.wantKey)
		}
	}
}

func TestRules(t *testing.T) {
	t.Parallel()
	want := []Rule{RuleLength, RuleDigit, RuleASCII, RuleDictionary, RulePersonal, RuleContext, RuleHistory}
	if got := DefaultPolicy().Rules(); !reflect.DeepEqual(got, want) {
		t.Errorf("DefaultPolicy().Rules() = %v, want %v", got, want)
	}
	p := Policy{MinLength: 8, MaxLength: 8, MinScore: 2}
	if got := p.Rules(); !reflect.DeepEqual(got, []Rule{RuleLength, RuleStrength}) {
		t.Errorf("minimal policy Rules() = %v", got)
	}
}
