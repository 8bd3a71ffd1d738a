package provider

import (
	"testing"
	"time"
)

// FuzzAssertionTimes: client_assertion is read (unverified) before fosite
// checks it, so the reading must hold against any input.
func FuzzAssertionTimes(f *testing.F) {
	f.Add("eyJhbGciOiJSUzI1NiJ9.eyJleHAiOjQxMDI0NDQ4MDAsInN1YiI6ImEifQ.c2ln")
	f.Add("eyJhbGciOiJub25lIn0.e30.")
	f.Add("a.b.c")
	f.Fuzz(func(t *testing.T, raw string) {
		_ = assertionTimes(raw, time.Unix(1_800_000_000, 0))
	})
}
