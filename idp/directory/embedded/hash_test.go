package embedded

import "testing"

func TestHashVerify(t *testing.T) {
	t.Parallel()
	p := Params{Memory: 1024, Time: 1, Threads: 1}
	h, err := hash("correct horse", p)
	if err != nil {
		t.Fatal(err)
	}
	h2, _ := hash("correct horse", p)
	if h == h2 {
		t.Error("two hashes of one password are equal: salt not random")
	}
	tests := []struct {
		password, phc string
		want          bool
	}{
		{"correct horse", h, true},
		{"correct horsf", h, false},
		{"", h, false},
		{"correct horse", "", false},
		{"correct horse", h[:len(h)-2], false},
		{"correct horse", "$argon2i" + h[len("$argon2id"):], false},
		{"correct horse", "$argon2id$v=19$m=4194304,t=1,p=1$c2FsdHNhbHQ$" + h[len(h)-43:], false}, // 4 GiB refused
	}
	for _, tt := range tests {
		if got := verify(tt.password, tt.phc); got != tt.want {
			t.Errorf("verify(%q, %q) = %v, want %v", tt.password, tt.phc, got, tt.want)
		}
	}
}

// FuzzParseHash: the store file may be edited by hand; parsing must never
// panic nor accept costs outside the limits.
func FuzzParseHash(f *testing.F) {
	f.Add("$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U")
	f.Add("$argon2id$v=19$m=8,t=1,p=1$$")
	f.Fuzz(func(t *testing.T, s string) {
		p, _, key, err := parseHash(s)
		if err == nil && (p.Memory > 1<<20 || p.Time > 32 || len(key) > 64) {
			t.Fatalf("accepted excessive params %+v", p)
		}
	})
}

// BenchmarkHash measures one hash with DefaultParams: the cost of a login.
func BenchmarkHash(b *testing.B) {
	for b.Loop() {
		if _, err := hash("Benchmark-pass-1", DefaultParams); err != nil {
			b.Fatal(err)
		}
	}
}
