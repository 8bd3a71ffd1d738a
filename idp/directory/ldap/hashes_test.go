package ldapdir

import (
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// Vectors for the password "secret" made with Debian's slappasswd 2.5
// (`slappasswd -o module-load=pw-sha2.so -h {SSHA256} -s secret`, and
// module-load=argon2.so for {ARGON2}); "password" ones are the argon2
// reference implementation's (phc-winner-argon2, src/test.c).
var hashVectors = []struct {
	name, stored, password string
	known                  bool
}{
	{"ssha", "{SSHA}Y2ch4rdLZyOylQIGYZ8CJOIBSrIeZGJ7", "secret", true},
	{"ssha lower-case scheme", "{ssha}Y2ch4rdLZyOylQIGYZ8CJOIBSrIeZGJ7", "secret", true},
	{"ssha256", "{SSHA256}//J70mEPFTC074d8AFaqKqfKFQiGX+tc4xBvxsS04dIg7lJC10CVww==", "secret", true},
	{"ssha512", "{SSHA512}8ech+NkZrVMFqHD47gQpWqP8Js7snVrdeywRIU2XHFoAakhVjoM9H+xcdMow2F0nLJTSwBKqVoK6b6YrEzXHA/lyv38HMNId", "secret", true},
	{"sha", "{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=", "secret", true},
	{"argon2i slappasswd", "{ARGON2}$argon2i$v=19$m=4096,t=3,p=1$qlbK9H1rmHhQFSsnmDsB5g$HJcM0q0pDhtLcp6yNeTYeQYkH9DgUWSfDIdHLfXDIws", "secret", true},
	{"argon2i reference", "{ARGON2}$argon2i$v=19$m=256,t=2,p=2$c29tZXNhbHQ$T/XOJ2mh1/TIpJHfCdQan76Q5esCFVoT5MAeIM1Oq2E", "password", true},
	{"argon2id reference", "{ARGON2}$argon2id$v=19$m=256,t=2,p=2$c29tZXNhbHQ$bQk8UB/VmZZF4Oo79iDXuL5/0ttZwg2f/5U52iv1cDc", "password", true},
	{"crypt skipped", "{CRYPT}kihiwPcM/O5nU", "secret", false},
	{"unknown scheme", "{PBKDF2}abc", "secret", false},
	{"cleartext", "secret", "secret", false},
	{"argon2 version 16", "{ARGON2}$argon2i$v=16$m=256,t=2,p=2$c29tZXNhbHQ$T/XOJ2mh1/TIpJHfCdQan76Q5esCFVoT5MAeIM1Oq2E", "password", false},
	{"argon2d", "{ARGON2}$argon2d$v=19$m=256,t=2,p=2$c29tZXNhbHQ$T/XOJ2mh1/TIpJHfCdQan76Q5esCFVoT5MAeIM1Oq2E", "password", false},
	{"argon2 memory too large", "{ARGON2}$argon2id$v=19$m=4194304,t=2,p=1$c29tZXNhbHQ$bQk8UB/VmZZF4Oo79iDXuL5/0ttZwg2f/5U52iv1cDc", "password", false},
	{"sha truncated", "{SHA}5en6G6MezRroT3XKqkdPOmY=", "secret", false},
	{"ssha bad base64", "{SSHA}!!!", "secret", false},
}

func TestHashMatches(t *testing.T) {
	t.Parallel()
	for _, v := range hashVectors {
		t.Run(v.name, func(t *testing.T) {
			t.Parallel()
			match, known := hashMatches(v.stored, v.password)
			if known != v.known || match != v.known {
				t.Errorf("right password: match %v known %v, want %v %v", match, known, v.known, v.known)
			}
			match, known = hashMatches(v.stored, v.password+"x")
			if match || known != v.known {
				t.Errorf("wrong password: match %v known %v, want false %v", match, known, v.known)
			}
		})
	}
}

// TestNULQuirk: Debian's slapd stores argon2 values with a trailing NUL
// and a junk byte; the value must still verify, in userPassword and
// inside a pwdHistory value whose length counts those bytes.
func TestNULQuirk(t *testing.T) {
	t.Parallel()
	stored := hashVectors[5].stored
	for name, v := range map[string]string{
		"userPassword": stored + "\x00\x7f",
		"pwdHistory":   historyFor(stored + "\x00\x7f"),
	} {
		if name == "pwdHistory" {
			var ok bool
			if v, ok = historyValue(v); !ok {
				t.Fatalf("pwdHistory value not parsed")
			}
		}
		if match, known := hashMatches(v, "secret"); !match || !known {
			t.Errorf("%s with NUL: match %v known %v", name, match, known)
		}
		if match, _ := hashMatches(v, "secret\x00\x7f"); match {
			t.Errorf("%s: the junk was taken as part of the password", name)
		}
	}
}

func historyFor(stored string) string {
	return "20261126085717Z#1.3.6.1.4.1.1466.115.121.1.40#" + strconv.Itoa(len(stored)) + "#" + stored
}

func TestHistoryValue(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in, want string
		ok       bool
	}{
		{"20261126085717Z#1.3.6.1.4.1.1466.115.121.1.40#9#{SHA}abcd", "{SHA}abcd", true},
		{"20261126085717Z#1.3.6.1.4.1.1466.115.121.1.40#5#{SHA}abcd", "{SHA}", true},
		{"20261126085717Z#oid#x#{SHA}abcd", "", false},
		{"20261126085717Z#oid#-1#{SHA}abcd", "", false},
		{"no separators", "", false},
		{"t#oid#10#{SSHA}a#b", "{SSHA}a#b", true},
	} {
		got, ok := historyValue(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("historyValue(%q) = %q %v, want %q %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

// TestSlappasswdVerifies hashes a fresh password with the installed
// slappasswd in every scheme Seuil verifies, so a change in its output
// format shows up here rather than as a silently skipped history.
func TestSlappasswdVerifies(t *testing.T) {
	t.Parallel()
	const password = "Fresh-pass-42 é"
	// slappasswd honours a single module-load: one module per scheme.
	for scheme, module := range map[string]string{"{SSHA}": "pw-sha2.so", "{SSHA256}": "pw-sha2.so",
		"{SSHA512}": "pw-sha2.so", "{SHA}": "pw-sha2.so", "{ARGON2}": "argon2.so"} {
		out, err := exec.Command("/usr/sbin/slappasswd", "-o", "module-load="+module,
			"-h", scheme, "-s", password).Output()
		if err != nil {
			t.Fatalf("slappasswd %s: %v", scheme, err)
		}
		stored := strings.TrimSpace(string(out))
		if match, known := hashMatches(stored, password); !match || !known {
			t.Errorf("%s %q: match %v known %v", scheme, stored, match, known)
		}
		if match, _ := hashMatches(stored, "Fresh-pass-43 é"); match {
			t.Errorf("%s: another password matches", scheme)
		}
	}
}

// FuzzHashMatches: stored values come from the directory; none may
// panic or run away with memory.
func FuzzHashMatches(f *testing.F) {
	for _, v := range hashVectors {
		f.Add(v.stored, v.password)
	}
	f.Add(historyFor("{SHA}x"), "p")
	f.Fuzz(func(t *testing.T, stored, password string) {
		hashMatches(stored, password)
		if h, ok := historyValue(stored); ok {
			hashMatches(h, password)
		}
	})
}

// BenchmarkArgon2Verify: the cost of one history entry hashed by slapd's
// default argon2i parameters (m=4096 KiB, t=3, p=1); SetPassword pays it
// once per entry in pwdHistory, plus the current one.
func BenchmarkArgon2Verify(b *testing.B) {
	stored := hashVectors[5].stored
	for b.Loop() {
		hashMatches(stored, "not-it")
	}
}
