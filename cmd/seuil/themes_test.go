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
	"github.com/seuil-idp/seuil/idp/state/redistest"
)

// TestThemeActivatedOnEveryReplica: a theme written in the console is
// refused with every problem and its line; once valid, it is previewed
// before it runs (its pages and its stylesheet under the draft's name),
// activated on one replica, and served by the other within seconds, a
// flow then naming it; a rollback brings the earlier version back on
// both.
func TestThemeActivatedOnEveryReplica(t *testing.T) {
	t.Parallel()
	l1, l2 := listenLoopback(t), listenLoopback(t)
	base1, base2 := "http://"+l1.Addr().String(), "http://"+l2.Addr().String()
	cfg := multiSetup(t, base1, []string{redistest.Start(t)})
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	a1, a2 := serveBuilt(t, cfg, l1, quiet), serveBuilt(t, cfg, l2, quiet)
	ctx := context.Background()
	if !a1.themes.Managed() {
		t.Fatal("no themes.dir, yet the console may not manage the themes")
	}
	if text, _ := a1.themes.Text(ctx, "poitiers"); !strings.Contains(text, "parent: default") {
		t.Fatalf("a new theme's starter: %q", text)
	}
	bad := "parent: default\ncolours:\n  brand: \"#fafafa\"\nmessages:\n  fr:\n    university.nom: x\n"
	if _, _, err := a1.themes.Activate(ctx, "poitiers", []byte(bad), "", "admin", "x"); err == nil ||
		!strings.Contains(err.Error(), "line 3: themes.poitiers.colours: brand-ink (#ffffff) on brand (#fafafa)") ||
		!strings.Contains(err.Error(), "line 6: themes.poitiers.messages.fr.university.nom: no such message") {
		t.Fatalf("a broken theme: %v", err)
	}
	if _, _, err := a1.themes.Activate(ctx, "default", []byte("parent: default\n"), "", "admin", "x"); err == nil {
		t.Error("the shipped theme was changed")
	}
	doc := func(name string) string {
		return "parent: default\nmessages:\n  fr:\n    university.name: \"" + name + "\"\n  en:\n    university.name: \"" + name + "\"\ncolours:\n  brand: \"#003a70\"\n"
	}
	get := func(url string) string {
		t.Helper()
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d\n%s", url, resp.StatusCode, body)
		}
		return string(body)
	}

	// Previewed before it runs.
	id, screens, err := a1.themes.Draft(ctx, "poitiers", []byte(doc("Université de Poitiers")))
	if err != nil || len(screens) != 5 {
		t.Fatalf("Draft = %q, %v, %v", id, screens, err)
	}
	for _, s := range screens {
		w := httptest.NewRecorder()
		if err := a2.themes.Preview(w, httptest.NewRequest("GET", "/admin/themes/preview?lang=fr", nil), "poitiers", id, s); err != nil ||
			w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "Université de Poitiers") || !strings.Contains(w.Body.String(), "/static/draft-"+id+"/seuil.css") {
			t.Errorf("the draft's %s screen from the other replica: %v %d\n%.400s", s, err, w.Code, w.Body.String())
		}
	}
	if css := get(base2 + "/static/draft-" + id + "/seuil.css"); !strings.Contains(css, "--brand: #003a70") {
		t.Error("the draft's stylesheet lacks its colour")
	}
	shipped, _ := flows.Shipped("reset")
	if err := a2.flows.Check("reset", []byte(strings.Replace(string(shipped), "theme: default", "theme: draft-"+id, 1))); err == nil {
		t.Error("a flow may name a draft")
	}

	// Activated on one replica, served by the other.
	first, _, err := a1.themes.Activate(ctx, "poitiers", []byte(doc("Université de Poitiers")), "", "admin", "rebranding")
	if err != nil {
		t.Fatal(err)
	}
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); !ok(); time.Sleep(50 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("the other replica never %s", what)
			}
		}
	}
	// has says whether url's page holds want (the reset flow's, fetched
	// without its cookie, is the themed "expired" page: themed all the
	// same).
	has := func(url, want string) func() bool {
		return func() bool {
			resp, err := http.Get(url)
			if err != nil {
				return false
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			return strings.Contains(string(body), want)
		}
	}
	waitFor("served the theme", has(base2+"/static/poitiers/seuil.css", "--brand: #003a70"))
	themed := strings.Replace(string(shipped), "theme: default", "theme: poitiers", 1)
	if themed == string(shipped) {
		t.Fatalf("the shipped reset names no theme:\n%s", shipped)
	}
	if _, _, err := a2.flows.Activate(ctx, "reset", []byte(themed), "", "admin", "the new theme"); err != nil {
		t.Fatalf("a flow naming the console's theme: %v", err)
	}
	pageHas := func(base, want string) func() bool { return has(base+"/reset", want) }
	waitFor("showed the theme's name on the reset flow", pageHas(base1, "Copyright © Université de Poitiers"))

	// A second version, then back to the first, from the other replica.
	if _, _, err := a2.themes.Activate(ctx, "poitiers", []byte(doc("Université de Poitiers (essai)")), "", "admin", "essai"); err != nil {
		t.Fatal(err)
	}
	waitFor("took the second version", pageHas(base1, "Université de Poitiers (essai)"))
	if _, _, err := a1.themes.Activate(ctx, "poitiers", nil, first, "admin", "back"); err != nil {
		t.Fatal(err)
	}
	waitFor("came back to the first version", pageHas(base2, "Copyright © Université de Poitiers</p>"))
	if vs, active, _ := a2.themes.Versions(ctx, "poitiers"); len(vs) != 2 || active != first {
		t.Errorf("versions %+v, active %s", vs, active)
	}
}
