package main

import (
	"crypto/sha256"
	"encoding/base64"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/seuil-idp/seuil/flows/notify"
	"github.com/seuil-idp/seuil/idp/state/redistest"
)

// The Redis master is lost and Sentinel fails over to its replica in the
// middle of an activation (between the code sent and the code typed, the
// code typed during the outage) and of an OIDC sign-in (between the
// relying party's request and the password typed): both finish, nothing
// written before the loss is lost (the flow, its code, the parked
// request, the session), and the students meet at most one "try again".
// Real redis-server, replica and redis-sentinel processes; serve's own
// Sentinel client (redis.addrs: the sentinel, redis.master_name).
func TestSentinelFailoverMidJourney(t *testing.T) {
	t.Parallel()
	sent := redistest.StartSentinel(t)
	l := listenLoopback(t)
	base := "http://" + l.Addr().String()
	const redirect = multiRedirect
	cfg := multiSetup(t, base, []string{sent.Sentinel})
	cfg.Redis.MasterName = sent.MasterName // redis.addrs names the sentinel; the master comes from it
	a := serveBuilt(t, cfg, l, slog.New(slog.NewTextHandler(io.Discard, nil)))

	retries := 0
	// step submits a form, once more if the switch made it fail.
	step := func(b *browser, p page, fields map[string]string) page {
		t.Helper()
		for attempt := 0; ; attempt++ {
			got, status := submitAny(t, b, p, fields)
			if status == http.StatusOK {
				return got
			}
			if attempt == 1 {
				t.Fatalf("a step failed twice across the failover (%d):\n%s", status, got.body)
			}
			if !strings.Contains(got.body, "réessayer") && !strings.Contains(got.body, "Réessayez") {
				t.Fatalf("a step failed without a try-again message (%d):\n%s", status, got.body)
			}
			retries++
		}
	}

	// An activation with its code on the way, and a relying party's
	// sign-in with its page open, when the master is switched.
	first := sent.Master(t)
	b := newBrowser(t)
	p := b.get(base + "/activation")
	p = step(b, p, map[string]string{"student_id": "22012345", "ine": "123456789ab", "phone": "07 88 10 25 99"})
	code := ""
	for _, m := range a.outbox.Messages() {
		if m.Channel == notify.ChannelSMS && m.To == "+33788102599" {
			code = m.Code
			break
		}
	}
	if code == "" {
		t.Fatalf("no code sent:\n%s", p.body)
	}
	verifier := "sentinel-test-pkce-verifier-0123456789-abcdefghijkl"
	sum := sha256.Sum256([]byte(verifier))
	q := url.Values{"client_id": {"rp"}, "response_type": {"code"}, "scope": {"openid profile"},
		"redirect_uri": {redirect}, "state": {"sentinel-state"}, "nonce": {"sentinel-nonce"},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"}}
	rp := newBrowser(t)
	var location string
	rp.c.CheckRedirect = func(req *http.Request, _ []*http.Request) error {
		if strings.HasPrefix(req.URL.String(), redirect) {
			location = req.URL.String()
			return http.ErrUseLastResponse
		}
		return nil
	}
	login := rp.get(base + "/oauth2/auth?" + q.Encode())

	// The master is lost while both wait on their students: the code
	// is typed at once, during the outage, and again (the one "try
	// again") once the replica is promoted if the outage refused it.
	time.Sleep(50 * time.Millisecond) // the writes some ms old, replicated as they would be
	old := sent.Kill(t)
	got, status := submitAny(t, b, p, map[string]string{"code": code})
	sent.WaitPromoted(t, old)
	if status != http.StatusOK {
		if !strings.Contains(got.body, "réessay") && !strings.Contains(got.body, "Réessay") {
			t.Fatalf("during the outage, a step failed without a try-again message (%d):\n%s", status, got.body)
		}
		retries++
		got = step(b, p, map[string]string{"code": code})
	}
	p = got
	if sent.Master(t) == first {
		t.Fatal("the failover did not happen")
	}

	// The activation goes on with the code sent before the switch.
	if !strings.Contains(p.body, `name="confirm"`) {
		t.Fatalf("the code sent before the switch was not taken after it:\n%s", p.body)
	}
	p = step(b, p, map[string]string{"password": "Velo-Rouge-Tours-8", "confirm": "Velo-Rouge-Tours-8"})
	if !strings.Contains(p.body, "22012345T") {
		t.Fatalf("the activation did not finish:\n%s", p.body)
	}
	// The sign-in goes on with the request parked before the switch.
	for attempt := 0; location == ""; attempt++ {
		got, status := submitAny(t, rp, login, map[string]string{"login": "22012345T", "password": "Velo-Rouge-Tours-8"})
		if location != "" {
			break
		}
		if attempt == 1 {
			t.Fatalf("the sign-in failed twice across the failover (%d):\n%s", status, got.body)
		}
		retries++
	}
	loc, _ := url.Parse(location)
	status, tk := tokenRequest(t, base, "rp", multiRPSecret, url.Values{"grant_type": {"authorization_code"},
		"code": {loc.Query().Get("code")}, "redirect_uri": {redirect}, "code_verifier": {verifier}})
	if status != 200 || tk["id_token"] == nil {
		t.Fatalf("code exchange after the failover: %d %v", status, tk)
	}
	if retries > 1 {
		t.Errorf("the students tried again %d times across the failover: at most one", retries)
	}
	t.Logf("tries again across the failover: %d", retries)
}

// submitAny posts the page's first form and returns the answer whatever
// its status.
func submitAny(t *testing.T, b *browser, p page, fields map[string]string) (page, int) {
	t.Helper()
	m := actionRE.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no form on %s:\n%s", p.url, p.body)
	}
	form := url.Values{}
	for _, h := range hiddenRE.FindAllStringSubmatch(p.body, -1) {
		form.Set(h[1], html.UnescapeString(h[2]))
	}
	for k, v := range fields {
		form.Set(k, v)
	}
	target := p.url.ResolveReference(mustParse(t, html.UnescapeString(m[1])))
	req, _ := http.NewRequest(http.MethodPost, target.String(), strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", p.url.Scheme+"://"+p.url.Host)
	resp, err := b.c.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", target, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return page{url: resp.Request.URL, body: string(body)}, resp.StatusCode
}
