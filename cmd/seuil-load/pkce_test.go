package main

import (
	"regexp"
	"testing"
)

func TestChallengeS256(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ verifier, want string }{
		// RFC 7636 Appendix B.
		{"dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"},
		{"", "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU"}, // SHA-256 of nothing
	} {
		if got := challengeS256(tc.verifier); got != tc.want {
			t.Errorf("challengeS256(%q) = %q, want %q", tc.verifier, got, tc.want)
		}
	}
}

func TestRandomTokenIsAVerifier(t *testing.T) {
	t.Parallel()
	// RFC 7636 §4.1: 43 to 128 characters of [A-Z] [a-z] [0-9] - . _ ~
	valid := regexp.MustCompile(`^[A-Za-z0-9._~-]{43,128}$`)
	seen := map[string]bool{}
	for range 100 {
		v := randomToken()
		if !valid.MatchString(v) {
			t.Fatalf("randomToken() = %q, not a valid code_verifier", v)
		}
		if seen[v] {
			t.Fatalf("randomToken() repeated %q", v)
		}
		seen[v] = true
	}
}
