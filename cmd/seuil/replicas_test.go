package main

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/seuil-idp/seuil/cmd/seuil/config"
	"github.com/seuil-idp/seuil/flows/notify"
	"github.com/seuil-idp/seuil/idp/directory/ldap/slapdtest"
	"github.com/seuil-idp/seuil/idp/state/redistest"
)

// Two `seuil serve` replicas behind one address, requests alternating
// between them as a round-robin load balancer without affinity sends
// them: an activation, a sign-in at a relying party, the code exchange,
// a refresh and userinfo all finish though no two consecutive requests
// meet the same replica. Everything a request leaves for the next
// (flows, codes, sessions, authorization requests, tokens, limits) is in
// the shared redis-server and slapd.
func TestTwoReplicasBehindOneAddress(t *testing.T) {
	t.Parallel()
	front := listenLoopback(t)
	base := "http://" + front.Addr().String()
	cfg := multiSetup(t, base, []string{redistest.Start(t)})
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	var replicas []*app
	var targets []*url.URL
	for range 2 {
		l := listenLoopback(t)
		replicas = append(replicas, serveBuilt(t, cfg, l, quiet))
		targets = append(targets, &url.URL{Scheme: "http", Host: l.Addr().String()})
	}
	// The balancer: each request to the next replica, the Host kept (the
	// public URL's), as an ingress does.
	var next atomic.Uint64
	served := make([]atomic.Int64, len(targets))
	var mu sync.Mutex
	var trail []int
	proxy := &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		i := int(next.Add(1)) % len(targets)
		served[i].Add(1)
		mu.Lock()
		trail = append(trail, i)
		mu.Unlock()
		r.SetURL(targets[i])
		r.Out.Host = r.In.Host
	}}
	srv := &http.Server{Handler: proxy}
	go srv.Serve(front)
	t.Cleanup(func() { srv.Close() })

	activateAndSignIn(t, base, replicas...)

	mu.Lock()
	defer mu.Unlock()
	for i := 1; i < len(trail); i++ {
		if trail[i] == trail[i-1] {
			t.Fatalf("requests %d and %d met the same replica: the balancer did not alternate (%v)", i-1, i, trail)
		}
	}
	if a, b := served[0].Load(), served[1].Load(); a < 5 || b < 5 {
		t.Errorf("replicas served %d and %d requests: the journey did not cross them", a, b)
	}
}

// The relying party of multiSetup's configuration.
const (
	multiRPSecret = "replica-test-client-secret-0123456789"
	multiRedirect = "http://127.0.0.1:1/cb" // never fetched: the tests read the Location
)

// multiSetup writes and loads a production configuration on slapd (with
// the demo students synced) and the Redis at redisAddrs (one: a server;
// several: Cluster), with the relying party rp.
func multiSetup(t *testing.T, base string, redisAddrs []string) *config.Config {
	t.Helper()
	ldapSrv := slapdtest.Start(t, slapdtest.Options{})
	dir, csv, keyFile := productionFiles(t)
	cfgPath := writeProductionConfig(t, dir, base, redisAddrs[0], ldapSrv, csv, keyFile, "{level: warn, format: text}", fmt.Sprintf(`
    - id: rp
      secret: %q
      redirect_uris: [%q]
      scopes: [openid, profile, email, offline_access]
      id_token_signed_response_alg: ES256
`, multiRPSecret, multiRedirect))
	cfg, _ := syncAndLoad(t, cfgPath)
	cfg.Redis.Addrs = redisAddrs
	return cfg
}

// activateAndSignIn walks an activation at base, the code read from
// whichever app's outbox has it, then a relying party's sign-in from the
// activation's SSO session: code exchange, userinfo, a refresh, and the
// spent refresh token refused.
func activateAndSignIn(t *testing.T, base string, apps ...*app) {
	t.Helper()
	const rpSecret, redirect = multiRPSecret, multiRedirect
	// The activation: the code is in whichever replica's outbox sent it.
	b := newBrowser(t)
	p := b.get(base + "/activation")
	p = b.submit(p, map[string]string{"student_id": "22012345", "ine": "123456789ab", "phone": "07 88 10 25 99"})
	code := ""
	for _, a := range apps {
		for _, m := range a.outbox.Messages() {
			if m.Channel == notify.ChannelSMS && m.To == "+33788102599" {
				code = m.Code
			}
		}
	}
	if code == "" {
		t.Fatalf("no SMS in either replica's outbox; screen:\n%s", p.body)
	}
	p = b.submit(p, map[string]string{"code": code})
	p = b.submit(p, map[string]string{"password": "Velo-Rouge-Tours-8", "confirm": "Velo-Rouge-Tours-8"})
	if !strings.Contains(p.body, "22012345T") {
		t.Fatalf("the activation did not finish across replicas:\n%s", p.body)
	}

	// A relying party's sign-in: the activation's SSO session answers
	// the authorization request on whichever replica gets it.
	verifier := "replica-test-pkce-verifier-0123456789-abcdefghijklmnop"
	code = authorizeCode(t, b, base, redirect, verifier, "openid profile offline_access")
	tokens := func(form url.Values) map[string]any { t.Helper(); return tokenOK(t, base, "rp", rpSecret, form) }
	userinfo := func(at any) {
		t.Helper()
		req, _ := http.NewRequest("GET", base+"/userinfo", nil)
		req.Header.Set("Authorization", "Bearer "+fmt.Sprint(at))
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var claims map[string]any
		_ = json.NewDecoder(res.Body).Decode(&claims)
		res.Body.Close()
		if res.StatusCode != 200 || claims["preferred_username"] != "22012345T" {
			t.Fatalf("userinfo: %d %v", res.StatusCode, claims)
		}
	}
	tk := tokens(url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"redirect_uri": {redirect}, "code_verifier": {verifier}})
	userinfo(tk["access_token"])
	rt := tokens(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {fmt.Sprint(tk["refresh_token"])}})
	userinfo(rt["access_token"])
	// The rotated refresh token is spent, whichever replica is asked.
	if status, m := tokenRequest(t, base, "rp", rpSecret, url.Values{"grant_type": {"refresh_token"},
		"refresh_token": {fmt.Sprint(tk["refresh_token"])}}); status != http.StatusBadRequest {
		t.Fatalf("a spent refresh token: %d %v", status, m)
	}
}

// authorizeCode asks base, as client rp with PKCE (S256 of verifier),
// for a code the browser's SSO session answers with, and returns it.
func authorizeCode(t *testing.T, b *browser, base, redirect, verifier, scope string) string {
	t.Helper()
	sum := sha256.Sum256([]byte(verifier))
	q := url.Values{"client_id": {"rp"}, "response_type": {"code"}, "scope": {scope},
		"redirect_uri": {redirect}, "state": {"test-state-1"}, "nonce": {"test-nonce-1"}, "prompt": {"consent"},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"}}
	b.c.CheckRedirect = func(req *http.Request, _ []*http.Request) error {
		if strings.HasPrefix(req.URL.String(), redirect) {
			return http.ErrUseLastResponse
		}
		return nil
	}
	resp, err := b.c.Get(base + "/oauth2/auth?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if loc == nil || loc.Query().Get("code") == "" {
		t.Fatalf("no code: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	return loc.Query().Get("code")
}

// tokenRequest posts form to base's token endpoint as client id and
// returns the status and the decoded answer.
func tokenRequest(t *testing.T, base, id, secret string, form url.Values) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("POST", base+"/oauth2/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(id, secret)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(res.Body).Decode(&m)
	return res.StatusCode, m
}

// tokenOK is tokenRequest that must succeed.
func tokenOK(t *testing.T, base, id, secret string, form url.Values) map[string]any {
	t.Helper()
	status, m := tokenRequest(t, base, id, secret, form)
	if status != 200 {
		t.Fatalf("token: %d %v", status, m)
	}
	return m
}

// The production wiring on a Redis Cluster of three masters
// (redis.addrs lists them): the activation, the sign-in, the code
// exchange, userinfo and a refresh, every key of theirs in whichever slot
// it hashes to. A multi-key transaction across slots fails there with
// CROSSSLOT: none is left.
func TestProductionOnCluster(t *testing.T) {
	t.Parallel()
	l := listenLoopback(t)
	base := "http://" + l.Addr().String()
	cfg := multiSetup(t, base, redistest.StartCluster(t))
	a := serveBuilt(t, cfg, l, slog.New(slog.NewTextHandler(io.Discard, nil)))
	activateAndSignIn(t, base, a)
}
