package notify

import "testing"

// FuzzSuccessCheck feeds arbitrary provider answers to the success check:
// it must never panic, and never accept an answer without the JSON value.
func FuzzSuccessCheck(f *testing.F) {
	for _, s := range []string{`{"status":1}`, `{"a":[{"b":"ok"}]}`, `[1,2]`, `{"status":"1"}`, `nul`, `{"a":{"b":[true]}}`} {
		f.Add([]byte(s))
	}
	checks := []SuccessCheck{
		SuccessCheck{JSONField: "status", JSONValues: []string{"1"}}.withDefaults(),
		SuccessCheck{JSONField: "a.0.b", JSONValues: []string{"ok"}}.withDefaults(),
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, c := range checks {
			if c.check(200, body) == nil {
				if got, err := jsonField(body, c.JSONField); err != nil || got != c.JSONValues[0] {
					t.Fatalf("accepted %q: field %q, %v", body, got, err)
				}
			}
		}
	})
}
