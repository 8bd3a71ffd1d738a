package main

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/seuil-idp/seuil/idp/directory/ldap/slapdtest"
	"github.com/seuil-idp/seuil/idp/provider/keys"
	"github.com/seuil-idp/seuil/idp/state/redistest"
)

// lockedBuffer is a log sink shared by the server's goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestNothingLeaks drives every journey through the production wiring
// (real redis-server and slapd, JSON logs at debug level): activation,
// sign-in with a wrong then an expired password, the expired flow, a
// reset, an OIDC code exchange with PKCE, refresh, userinfo, revocation
// and logout. Then no log line holds a password, code, token, cookie
// value, full phone number or full e-mail address, and a full dump of
// Redis (every key and value) holds no credential usable as is (issue
// 10, "a test that no secret leaks").
func TestNothingLeaks(t *testing.T) {
	ldapSrv := slapdtest.Start(t, slapdtest.Options{MaxAge: 3 * time.Second, InHistory: 5})
	redisAddr := redistest.Start(t)
	dir := t.TempDir()
	csv := filepath.Join(dir, "students.csv")
	if err := os.WriteFile(csv, demoStudents, 0o600); err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(dir, "rs256.pem")
	if err := keys.Generate(keyFile, "RS256"); err != nil {
		t.Fatal(err)
	}
	l := listenLoopback(t)
	base := "http://" + l.Addr().String()
	const rpSecret = "leak-test-client-secret-0123456789"
	const redirect = "http://127.0.0.1:1/cb" // never fetched: the test reads the Location
	cfgPath := writeProductionConfig(t, dir, base, redisAddr, ldapSrv, csv, keyFile, "{level: debug, format: json}", fmt.Sprintf(`
    - id: rp
      secret: %q
      redirect_uris: [%q]
      post_logout_redirect_uris: [http://127.0.0.1:1/]
      scopes: [openid, profile, email, offline_access]
      grant_types: [authorization_code, refresh_token]
`, rpSecret, redirect))
	cfg, _ := syncAndLoad(t, cfgPath)
	var logs lockedBuffer
	log := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	a := serveBuilt(t, cfg, l, log)
	e := &demoEnv{seuil: base, outbox: a.outbox}
	secrets := map[string]string{"client secret": rpSecret}
	keep := func(what, v string) {
		if v != "" {
			secrets[what] = v
		}
	}

	// Activation, then a wrong and an expired password at the sign-in,
	// the expired flow, and a reset.
	const first, second, third = "Velo-Rouge-Tours-8", "Pont-Wilson-Loire-9", "Plume-Cathedrale-7"
	keep("password", first)
	keep("new password", second)
	keep("reset password", third)
	b := newBrowser(t)
	e.activateUntilDone(t, b, b.get(base+"/activation"), first)
	login := newBrowser(t)
	p := login.get(base + "/login")
	p = login.submitStatus(p, map[string]string{"login": "22012345T", "password": "Faux-Mot-De-Passe-1"}, http.StatusUnauthorized)
	keep("wrong password", "Faux-Mot-De-Passe-1")
	time.Sleep(4 * time.Second) // pwdMaxAge is 3 s
	p = login.submit(p, map[string]string{"login": "22012345T", "password": first})
	if !strings.Contains(p.body, "Choisissez votre mot de passe") && !strings.Contains(p.body, "expiré") {
		t.Fatalf("an expired password does not lead to the expired flow:\n%s", p.body)
	}
	p = login.submit(p, map[string]string{"password": second, "confirm": second})
	if !strings.Contains(p.body, "22012345T") {
		t.Fatalf("expired flow did not finish:\n%s", p.body)
	}
	r := newBrowser(t)
	p = e.identifyAndVerify(t, r, r.get(base+"/reset"))
	r.submit(p, map[string]string{"password": third, "confirm": third})

	// OIDC: the reset's browser is signed in (the reset ended the
	// activation's session); code with PKCE.
	b = r
	verifier := "leak-test-pkce-verifier-0123456789-abcdefghijklmnop"
	keep("PKCE verifier", verifier)
	code := authorizeCode(t, b, base, redirect, verifier, "openid profile email offline_access")
	keep("authorization code", code)
	tokens := func(form url.Values) map[string]any { t.Helper(); return tokenOK(t, base, "rp", rpSecret, form) }
	tk := tokens(url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirect},
		"code_verifier": {verifier}})
	rt := tokens(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {fmt.Sprint(tk["refresh_token"])}})
	for i, m := range []map[string]any{tk, rt} {
		for _, k := range []string{"access_token", "refresh_token", "id_token"} {
			keep(fmt.Sprintf("%s #%d", k, i+1), fmt.Sprint(m[k]))
		}
	}
	req, _ := http.NewRequest("GET", base+"/userinfo", nil)
	req.Header.Set("Authorization", "Bearer "+fmt.Sprint(rt["access_token"]))
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != 200 {
		t.Fatalf("userinfo: %v %v", res, err)
	}
	req, _ = http.NewRequest("POST", base+"/oauth2/revoke", strings.NewReader(url.Values{"token": {fmt.Sprint(rt["refresh_token"])}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("rp", rpSecret)
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != 200 {
		t.Fatalf("revoke: %v %v", res, err)
	}

	// Every cookie any browser holds, and every code sent.
	u, _ := url.Parse(base)
	for _, br := range []*browser{b, login, r} {
		for _, c := range br.c.Jar.Cookies(u) {
			if !strings.HasSuffix(c.Name, "seuil_lang") { // "fr": no secret
				keep("cookie "+c.Name, c.Value)
			}
		}
	}
	for i, m := range a.outbox.Messages() {
		keep(fmt.Sprintf("code #%d (%s)", i, m.Channel), m.Code)
	}
	rdb := redis.NewClient(&redis.Options{Addr: redisAddr})
	defer rdb.Close()
	dump := redistest.Dump(t, rdb)

	// Logout, at the end: its id_token_hint is a token already kept.
	resp, err := b.c.Get(base + "/oauth2/logout?" + url.Values{"id_token_hint": {fmt.Sprint(tk["id_token"])},
		"post_logout_redirect_uri": {"http://127.0.0.1:1/"}}.Encode())
	if err == nil {
		resp.Body.Close()
	}

	text := logs.String()
	if !strings.Contains(text, `"password set"`) || !strings.Contains(text, `"code sent"`) {
		t.Fatalf("the logs miss the journeys:\n%s", text)
	}
	personal := map[string]string{"mobile (E.164)": "+33788102599", "mobile (national)": "0788102599",
		"e-mail": "camille.martin", "INE": "123456789AB"}
	for what, v := range personal {
		if strings.Contains(strings.ToUpper(text), strings.ToUpper(v)) {
			t.Errorf("the logs hold the student's %s", what)
		}
	}
	for what, v := range secrets {
		if strings.Contains(text, v) {
			t.Errorf("the logs hold the %s", what)
		}
		for k, val := range dump {
			if strings.Contains(k, v) || strings.Contains(val, v) {
				t.Errorf("Redis key %s holds the %s", k, what)
			}
		}
	}
	if len(dump) < 5 {
		t.Fatalf("the Redis dump is nearly empty (%d keys): wrong server?", len(dump))
	}
}
