// Package websec holds the HTTP protections every Seuil page shares:
// security headers and a strict Content-Security-Policy, cross-origin
// request refusal, request size limits, cookie settings, random tokens
// compared in constant time, and the client address behind trusted proxies.
package websec

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"
)

// CSP is the Content-Security-Policy of every HTML page: no inline script
// or style, nothing from another origin. form-action is left out on
// purpose: browsers apply it to the redirect that follows a form post, and
// the login form must be able to redirect to a relying party.
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; font-src 'self'; base-uri 'none'; frame-ancestors 'none'"

// MaxBodyBytes bounds every request body: the largest legitimate form
// (password + confirmation + token) is well under 4 KiB.
const MaxBodyBytes = 64 << 10

// Headers sets the security headers on every response and bounds the
// request body. hsts turns on Strict-Transport-Security (HTTPS deployments).
func Headers(hsts bool) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h := w.Header()
			h.Set("Content-Security-Policy", CSP)
			h.Set("X-Content-Type-Options", "nosniff")
			h.Set("X-Frame-Options", "DENY")
			h.Set("Referrer-Policy", "no-referrer")
			h.Set("Cross-Origin-Opener-Policy", "same-origin")
			h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
			if hsts {
				h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
			}
			if r.Body != nil {
				r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
			}
			next.ServeHTTP(w, r)
		})
	}
}

// NoStore marks a response as never cacheable (pages with tokens or
// personal data).
func NoStore(w http.ResponseWriter) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
}

// CrossOrigin refuses cross-origin unsafe requests (Go's
// net/http.CrossOriginProtection, using Sec-Fetch-Site and Origin). Forms
// carry a per-flow token as well (Token, Equal); this layer stops the
// request before any handler runs. deny renders the refusal.
func CrossOrigin(deny http.Handler, trusted ...string) (func(http.Handler) http.Handler, error) {
	p := http.NewCrossOriginProtection()
	for _, o := range trusted {
		if err := p.AddTrustedOrigin(o); err != nil {
			return nil, err
		}
	}
	if deny != nil {
		p.SetDenyHandler(deny)
	}
	return p.Handler, nil
}

// Token returns 32 random bytes, URL-safe base64 encoded.
func Token() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand never fails on supported platforms
	return base64.RawURLEncoding.EncodeToString(b)
}

// Equal compares two secrets in constant time.
func Equal(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// Cookies makes cookies for one deployment. Over HTTPS they are
// "__Host-" prefixed, Secure, HttpOnly and SameSite=Lax; over plain HTTP
// (the demo on 127.0.0.1) the prefix and Secure flag are dropped, since
// browsers refuse them there.
type Cookies struct {
	Secure bool
}

// Name returns the cookie name with the "__Host-" prefix when Secure.
func (c Cookies) Name(base string) string {
	if c.Secure {
		return "__Host-" + base
	}
	return base
}

// Set writes a session-scoped (maxAge 0) or persistent cookie.
func (c Cookies) Set(w http.ResponseWriter, base, value string, maxAge time.Duration) {
	ck := &http.Cookie{
		Name: c.Name(base), Value: value, Path: "/",
		Secure: c.Secure, HttpOnly: true, SameSite: http.SameSiteLaxMode,
	}
	if maxAge > 0 {
		ck.MaxAge = int(maxAge / time.Second)
		ck.Expires = time.Now().Add(maxAge)
	}
	http.SetCookie(w, ck)
}

// Get reads a cookie set by Set.
func (c Cookies) Get(r *http.Request, base string) (string, bool) {
	ck, err := r.Cookie(c.Name(base))
	if err != nil || ck.Value == "" {
		return "", false
	}
	return ck.Value, true
}

// Clear deletes a cookie set by Set.
func (c Cookies) Clear(w http.ResponseWriter, base string) {
	http.SetCookie(w, &http.Cookie{
		Name: c.Name(base), Value: "", Path: "/", MaxAge: -1,
		Secure: c.Secure, HttpOnly: true, SameSite: http.SameSiteLaxMode,
	})
}

// ClientIP returns the address of the client for rate limiting. The
// X-Forwarded-For header is only believed when the direct peer is one of
// the trusted proxies; then the right-most untrusted address is taken, as
// that is the first one a trusted proxy wrote.
func ClientIP(r *http.Request, trusted []netip.Prefix) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	if !isTrusted(peer, trusted) {
		return peer.Unmap().String()
	}
	// Several header lines are one list (RFC 9110 §5.3): a proxy may add
	// its own line rather than append to the client's.
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		if !isTrusted(a, trusted) {
			return a.Unmap().String()
		}
	}
	return peer.Unmap().String()
}

func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(a.Unmap()) {
			return true
		}
	}
	return false
}
