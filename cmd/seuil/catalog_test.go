package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/seuil-idp/seuil/flows"
	"github.com/seuil-idp/seuil/idp/console"
	"github.com/seuil-idp/seuil/idp/state/redistest"
)

// A flow definition changed from the console reaches every replica
// within seconds, without a SIGHUP: a version with mistakes is refused
// with all of them and saves nothing; a good one runs on the replica
// that took it at once and on the other after its watch; an earlier
// version comes back the same way.
func TestFlowActivatedOnEveryReplica(t *testing.T) {
	t.Parallel()
	l1, l2 := listenLoopback(t), listenLoopback(t)
	base := "http://" + l1.Addr().String()
	cfg := multiSetup(t, base, []string{redistest.Start(t)})
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	a1, a2 := serveBuilt(t, cfg, l1, quiet), serveBuilt(t, cfg, l2, quiet)
	ctx := context.Background()
	if !a1.flows.Managed() {
		t.Fatal("no flows.dir, yet the console may not manage the definitions")
	}
	shipped, _ := flows.Shipped("reset")
	if text, err := a2.flows.Text(ctx, "reset"); err != nil || text != string(shipped) {
		t.Fatalf("before any change, reset runs %q, %v", text, err)
	}

	bad := "name: reset\nttl: 2m\nsteps:\n  - type: identify\n    bogus: 1\n  - type: verify\n  - type: password\n  - type: done\n"
	if _, _, err := a1.flows.Activate(ctx, "reset", []byte(bad), "", "admin", "too short"); err == nil ||
		!strings.Contains(err.Error(), "line 2: flows.reset.ttl") || !strings.Contains(err.Error(), "line 5: flows.reset.steps[0].bogus") {
		t.Fatalf("a broken version: %v", err)
	}
	if vs, _, _ := a1.flows.Versions(ctx, "reset"); len(vs) != 0 {
		t.Fatalf("a refused version was saved: %+v", vs)
	}

	good := strings.Replace(string(shipped), "ttl: 1h", "ttl: 20m", 1)
	if good == string(shipped) {
		t.Fatalf("the shipped reset has no ttl: 1h to change:\n%s", shipped)
	}
	first, before, err := a1.flows.Activate(ctx, "reset", []byte(good), "", "admin", "a shorter reset")
	if err != nil || before != string(shipped) {
		t.Fatalf("Activate = %s, %q, %v", first, before, err)
	}
	ttl := func(a *app) time.Duration {
		return a.flows.(consoleFlows).fh.Definitions()["reset"].TTL
	}
	if got := ttl(a1); got != 20*time.Minute {
		t.Errorf("the replica that took the change runs reset for %v", got)
	}
	follows := func(want time.Duration) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); ttl(a2) != want; time.Sleep(50 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("the other replica still runs reset for %v, want %v", ttl(a2), want)
			}
		}
	}
	follows(20 * time.Minute)

	second, _, err := a2.flows.Activate(ctx, "reset", []byte(strings.Replace(good, "ttl: 20m", "ttl: 45m", 1)), "", "admin", "longer")
	if err != nil {
		t.Fatal(err)
	}
	if vs, active, _ := a1.flows.Versions(ctx, "reset"); len(vs) != 2 || vs[0].ID != second || active != second || vs[1].Note != "a shorter reset" {
		t.Fatalf("versions %+v, active %s", vs, active)
	}
	// Back to the first, from the other replica.
	if _, _, err := a1.flows.Activate(ctx, "reset", nil, first, "admin", "back"); err != nil {
		t.Fatal(err)
	}
	follows(20 * time.Minute)
	if text, _ := a2.flows.Text(ctx, "reset"); text != good {
		t.Errorf("after the rollback the other replica runs %q", text)
	}
}

// TestDraftPreviewedBeforeItRuns: a checked text is kept as a draft
// whose every screen renders, in French and in English, with what it
// changes, while the flow still runs the text before it; a draft is not
// a version, and an unknown one is not found.
func TestDraftPreviewedBeforeItRuns(t *testing.T) {
	t.Parallel()
	l := listenLoopback(t)
	cfg := multiSetup(t, "http://"+l.Addr().String(), []string{redistest.Start(t)})
	a := serveBuilt(t, cfg, l, slog.New(slog.NewTextHandler(io.Discard, nil)))
	ctx := context.Background()
	shipped, _ := flows.Shipped("activation")
	longer := strings.Replace(string(shipped), "  - type: password\n", "  - type: password\n    policy: {min_length: 12}\n", 1)
	if longer == string(shipped) {
		t.Fatal("no password step to change in the shipped activation")
	}
	id, screens, err := a.flows.Draft(ctx, "activation", []byte(longer))
	if err != nil || strings.Join(screens, ",") != "identify,verify,password,done,message" {
		t.Fatalf("Draft = %q, %v, %v", id, screens, err)
	}
	page := func(version, screen, lang string) (int, string, http.Header) {
		r := httptest.NewRequest("GET", "/admin/flows/preview?lang="+lang, nil)
		w := httptest.NewRecorder()
		err := a.flows.Preview(w, r, "activation", version, screen)
		if err != nil {
			return 0, err.Error(), nil
		}
		return w.Code, w.Body.String(), w.Header()
	}
	for _, tc := range []struct{ lang, want string }{{"fr", "12 caractères"}, {"en", "12 characters"}} {
		code, body, _ := page(id, "password", tc.lang)
		if code != http.StatusOK || !strings.Contains(body, tc.want) {
			t.Errorf("the draft's password screen in %s (%d) lacks %q:\n%s", tc.lang, code, tc.want, body)
		}
	}
	for _, s := range screens {
		if code, body, _ := page(id, s, "fr"); code != http.StatusOK {
			t.Errorf("the draft's %s screen: %d %s", s, code, body)
		}
	}
	if text, err := a.flows.Text(ctx, "activation"); err != nil || text != string(shipped) {
		t.Errorf("previewing a draft put it in service: %q, %v", text, err)
	}
	if vs, _, _ := a.flows.Versions(ctx, "activation"); len(vs) != 0 {
		t.Errorf("a draft was listed as a version: %+v", vs)
	}
	if _, msg, _ := page("000000000000", "password", "fr"); msg != console.ErrNoVersion.Error() {
		t.Errorf("an unknown draft: %q", msg)
	}
}
