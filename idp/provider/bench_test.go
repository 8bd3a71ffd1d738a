package provider_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

// latencies records request durations for percentiles.
type latencies struct {
	mu sync.Mutex
	d  []time.Duration
}

func (l *latencies) add(d time.Duration) {
	l.mu.Lock()
	l.d = append(l.d, d)
	l.mu.Unlock()
}

func (l *latencies) report(b *testing.B, elapsed time.Duration) {
	slices.Sort(l.d)
	if len(l.d) == 0 {
		return
	}
	pct := func(p float64) float64 { return float64(l.d[int(p*float64(len(l.d)-1))].Microseconds()) / 1000 }
	b.ReportMetric(float64(len(l.d))/elapsed.Seconds(), "req/s")
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}

func benchClient() *http.Client {
	return &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
}

// signedIn returns a browser with an SSO session.
func signedIn(b *testing.B, e *env) *browser {
	br := e.browser()
	br.login(e.rp().authURL(oauth2.GenerateVerifier()), testPassword)
	return br
}

// BenchmarkAuthorizeWithSession: an authorization request answered from
// the SSO session (session read, directory lookup, code issued).
func BenchmarkAuthorizeWithSession(b *testing.B) {
	e := newEnv(b)
	br := signedIn(b, e)
	u := e.rp().authURL(oauth2.GenerateVerifier())
	var lat latencies
	b.SetParallelism(4)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		c := benchClient()
		c.Jar = br.c.Jar
		for pb.Next() {
			t0 := time.Now()
			resp, err := c.Get(u)
			if err != nil || resp.StatusCode != http.StatusSeeOther || !strings.Contains(resp.Header.Get("Location"), "code=") {
				b.Errorf("authorize: %v %v", err, resp)
				return
			}
			resp.Body.Close()
			lat.add(time.Since(t0))
		}
	})
	lat.report(b, time.Since(start))
}

// BenchmarkTokenCodeExchange: the token endpoint exchanging a code (client
// authentication, PKCE, ID token signature, access and refresh tokens).
func BenchmarkTokenCodeExchange(b *testing.B) {
	e := newEnv(b)
	br := signedIn(b, e)
	r := e.rp()
	type grant struct{ code, verifier string }
	grants := make(chan grant, b.N+1)
	for range b.N + 1 {
		v := oauth2.GenerateVerifier()
		resp, _ := br.follow(r.authURL(v))
		grants <- grant{code(b, resp), v}
	}
	close(grants)
	// Warm up: the first request pays the client secret's bcrypt check,
	// later ones hit the verified-secret memory (see cachingHasher).
	g := <-grants
	if st := postToken(b, benchClient(), e.iss, url.Values{"grant_type": {"authorization_code"}, "code": {g.code},
		"redirect_uri": {rpRedirect}, "code_verifier": {g.verifier}}); st != 200 {
		b.Fatalf("warm-up exchange: %d", st)
	}
	var lat latencies
	b.SetParallelism(4)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		c := benchClient()
		for pb.Next() {
			g := <-grants
			t0 := time.Now()
			st := postToken(b, c, e.iss, url.Values{"grant_type": {"authorization_code"}, "code": {g.code},
				"redirect_uri": {rpRedirect}, "code_verifier": {g.verifier}})
			if st != 200 {
				b.Errorf("exchange: %d", st)
				return
			}
			lat.add(time.Since(t0))
		}
	})
	lat.report(b, time.Since(start))
}

// BenchmarkTokenRefresh: refresh with rotation; each goroutine follows its
// own chain of refresh tokens, as a relying party would.
func BenchmarkTokenRefresh(b *testing.B) {
	e := newEnv(b)
	r := e.rp()
	var lat latencies
	b.SetParallelism(4)
	var mu sync.Mutex
	var seeds []string
	for range 16 {
		tok, _ := e.tokens(b, r)
		seeds = append(seeds, tok.RefreshToken)
	}
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		mu.Lock()
		rt := seeds[0]
		seeds = seeds[1:]
		mu.Unlock()
		c := benchClient()
		for pb.Next() {
			t0 := time.Now()
			out := map[string]any{}
			st := postTokenJSON(b, c, e.iss, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}, &out)
			if st != 200 {
				b.Errorf("refresh: %d %v", st, out)
				return
			}
			rt = out["refresh_token"].(string)
			lat.add(time.Since(t0))
		}
	})
	lat.report(b, time.Since(start))
}

func postToken(b *testing.B, c *http.Client, iss string, form url.Values) int {
	return postTokenJSON(b, c, iss, form, nil)
}

func postTokenJSON(b *testing.B, c *http.Client, iss string, form url.Values, out *map[string]any) int {
	req, _ := http.NewRequestWithContext(context.Background(), "POST", iss+"/oauth2/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("pjweb", rpSecret)
	resp, err := c.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	if out != nil {
		_ = jsonDecode(resp, out)
	}
	return resp.StatusCode
}
