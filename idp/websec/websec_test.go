package websec

import (
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
)

func TestClientIP(t *testing.T) {
	t.Parallel()
	proxies := []netip.Prefix{netip.MustParsePrefix("10.42.0.0/16")}
	tests := []struct {
		name, remote, xff, xff2, want string
	}{
		{name: "direct client", remote: "203.0.113.7:5555", want: "203.0.113.7"},
		{name: "untrusted peer's header ignored", remote: "203.0.113.7:5555", xff: "198.51.100.1", want: "203.0.113.7"},
		{name: "trusted proxy", remote: "10.42.1.2:80", xff: "198.51.100.1", want: "198.51.100.1"},
		{name: "spoofed left-most entry ignored", remote: "10.42.1.2:80", xff: "1.2.3.4, 198.51.100.1", want: "198.51.100.1"},
		{name: "chain of trusted proxies", remote: "10.42.1.2:80", xff: "198.51.100.1, 10.42.9.9", want: "198.51.100.1"},
		{name: "garbage header keeps the peer", remote: "10.42.1.2:80", xff: "not-an-ip", want: "10.42.1.2"},
		{name: "IPv4-mapped IPv6 peer", remote: "[::ffff:203.0.113.7]:1", want: "203.0.113.7"},
		{name: "proxy adds its own header line", remote: "10.42.1.2:80", xff: "1.2.3.4", xff2: "198.51.100.1", want: "198.51.100.1"},
	}
	for _, tt := range tests {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.RemoteAddr = tt.remote
		if tt.xff != "" {
			r.Header.Set("X-Forwarded-For", tt.xff)
		}
		if tt.xff2 != "" {
			r.Header.Add("X-Forwarded-For", tt.xff2)
		}
		if got := ClientIP(r, proxies); got != tt.want {
			t.Errorf("%s: ClientIP = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestCookies(t *testing.T) {
	t.Parallel()
	for _, secure := range []bool{true, false} {
		c := Cookies{Secure: secure}
		w := httptest.NewRecorder()
		c.Set(w, "seuil_flow", "v", 0)
		set := w.Header().Get("Set-Cookie")
		hasPrefix := strings.HasPrefix(set, "__Host-seuil_flow=v")
		if hasPrefix != secure || strings.Contains(set, "Secure") != secure {
			t.Errorf("secure=%v: Set-Cookie %q", secure, set)
		}
		for _, attr := range []string{"HttpOnly", "SameSite=Lax", "Path=/"} {
			if !strings.Contains(set, attr) {
				t.Errorf("secure=%v: Set-Cookie %q lacks %s", secure, set, attr)
			}
		}
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("Cookie", strings.SplitN(set, ";", 2)[0])
		if v, ok := c.Get(r, "seuil_flow"); !ok || v != "v" {
			t.Errorf("secure=%v: Get = %q, %v", secure, v, ok)
		}
	}
}

func TestHeaders(t *testing.T) {
	t.Parallel()
	h := Headers(true)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		buf := make([]byte, MaxBodyBytes+1)
		n, err := r.Body.Read(buf)
		for err == nil && n < len(buf) {
			var m int
			m, err = r.Body.Read(buf[n:])
			n += m
		}
		if err == nil || n > MaxBodyBytes {
			t.Errorf("body not bounded: read %d", n)
		}
	}))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/", strings.NewReader(strings.Repeat("x", MaxBodyBytes+10))))
	for _, k := range []string{"Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options", "Strict-Transport-Security"} {
		if w.Header().Get(k) == "" {
			t.Errorf("missing %s", k)
		}
	}
	if csp := w.Header().Get("Content-Security-Policy"); strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP allows inline code: %s", csp)
	}
}

func TestEqual(t *testing.T) {
	t.Parallel()
	a := Token()
	if len(a) != 43 || a == Token() {
		t.Fatalf("Token() = %q: want 43 random characters", a)
	}
	last := "x"
	if a[42] == 'x' {
		last = "y"
	}
	if !Equal(a, a) || Equal(a, a[:42]+last) || Equal(a, "") {
		t.Error("Equal is wrong")
	}
}

// Session ids, flow ids and tickets are websec.Token: 256 bits from
// crypto/rand, well above the 128 bits ASVS 5.0 V7.2.3 asks of a
// reference token.
func TestTokenCarries256Bits(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		tok := Token()
		raw, err := base64.RawURLEncoding.DecodeString(tok)
		if err != nil || len(raw) != 32 {
			t.Fatalf("Token() = %q: %d bytes, %v", tok, len(raw), err)
		}
		if seen[tok] {
			t.Fatalf("Token() repeated %q", tok)
		}
		seen[tok] = true
	}
}
