package console

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/seuil-idp/seuil/idp/audit"
	"github.com/seuil-idp/seuil/idp/session"
	"github.com/seuil-idp/seuil/idp/staff"
	"github.com/seuil-idp/seuil/themes"
)

// fakeFlows runs one flow, "reset", whose text is ttl-led.
type fakeFlows struct {
	drafts   []string
	text     string
	versions []FlowVersion
	active   string
}

func (f *fakeFlows) Managed() bool                                { return true }
func (f *fakeFlows) Text(context.Context, string) (string, error) { return f.text, nil }
func (f *fakeFlows) Check(_ string, raw []byte) error {
	if strings.Contains(string(raw), "bogus") {
		return errors.Join(errors.New("line 2: flows.reset.ttl: \"5x\" is not a duration"),
			errors.New("line 5: flows.reset.steps[0].bogus: unknown key"))
	}
	return nil
}
func (f *fakeFlows) Versions(context.Context, string) ([]FlowVersion, string, error) {
	return f.versions, f.active, nil
}
func (f *fakeFlows) Activate(_ context.Context, _ string, raw []byte, id, by, note string) (string, string, error) {
	before := f.text
	if id == "" {
		id = "abcdef012345"
		f.versions = append([]FlowVersion{{ID: id, By: by, Note: note}}, f.versions...)
		f.text = string(raw)
	}
	f.active = id
	return id, before, nil
}

func (f *fakeFlows) Draft(_ context.Context, _ string, raw []byte) (string, []string, error) {
	f.drafts = append(f.drafts, string(raw))
	return "d00000000001", []string{"identify", "done"}, nil
}

func (f *fakeFlows) Preview(w http.ResponseWriter, r *http.Request, name, id, page string) error {
	if id != "d00000000001" {
		return ErrNoVersion
	}
	http.SetCookie(w, &http.Cookie{Name: "lang", Value: r.URL.Query().Get("lang")})
	_, err := io.WriteString(w, "screen "+page+" of draft "+id+" in "+r.URL.Query().Get("lang"))
	return err
}

// The flow editor: a version with mistakes shows every one with its
// line and saves nothing; a valid one shows what it changes; activating
// it puts it in service and records the change, with its diff, in the
// audit trail; the versions are listed, the running one marked.
func TestFlowEditor(t *testing.T) {
	t.Parallel()
	var heard []audit.Event
	trail := audit.New(nil, slog.New(slog.NewTextHandler(io.Discard, nil)), 0)
	trail.Observe(func(e audit.Event) { heard = append(heard, e) })
	ff := &fakeFlows{text: "name: reset\nttl: 1h\n"}
	c := testConsole(t, Deps{FlowAdmin: ff, Catalogue: fakeCatalogue{}, Trail: trail})
	th, _ := themes.Default()
	m := &member{s: session.Session{Login: "admin"}, roles: []staff.Role{staff.Admin}, lang: "fr", tr: th.Translator("fr")}
	post := func(form url.Values) string {
		r := httptest.NewRequest("POST", "/admin/flows/edit", strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w := httptest.NewRecorder()
		c.flowEdit(w, r, m)
		return strings.ReplaceAll(w.Body.String(), "&#34;", `"`)
	}
	body := post(url.Values{"name": {"activation"}, "action": {"check"}, "text": {"name: reset\nttl: 5x\nsteps:\n  - type: identify\n    bogus: 1\n"}})
	for _, want := range []string{"Cette version a 2 problème(s)", `line 2: flows.reset.ttl: "5x" is not a duration`, "line 5: flows.reset.steps[0].bogus: unknown key"} {
		if !strings.Contains(body, want) {
			t.Errorf("a broken version: the page lacks %q:\n%s", want, body)
		}
	}
	body = post(url.Values{"name": {"activation"}, "action": {"check"}, "text": {"name: reset\nttl: 20m\n"}})
	if !strings.Contains(body, "Cette version est valide") || !strings.Contains(body, "<del>- ttl: 1h</del>") || !strings.Contains(body, "<ins>+ ttl: 20m</ins>") {
		t.Errorf("a valid version's differences:\n%s", body)
	}
	if len(ff.versions) != 0 || len(heard) != 0 {
		t.Fatalf("checking saved or recorded something: %+v %+v", ff.versions, heard)
	}
	// The checked text is kept as a draft, each screen previewable in
	// both languages; the preview sets no cookie of the staff member's.
	for _, want := range []string{"/admin/flows/preview?name=activation&amp;version=d00000000001&amp;page=identify&amp;lang=fr",
		"/admin/flows/preview?name=activation&amp;version=d00000000001&amp;page=done&amp;lang=en", "done en anglais"} {
		if !strings.Contains(body, want) {
			t.Errorf("a valid version's previews: the page lacks %q:\n%s", want, body)
		}
	}
	if len(ff.drafts) != 1 || ff.drafts[0] != "name: reset\nttl: 20m\n" {
		t.Errorf("drafts %q", ff.drafts)
	}
	preview := func(query string) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		c.flowPreview(w, httptest.NewRequest("GET", "/admin/flows/preview?"+query, nil), m)
		return w
	}
	if w := preview("name=activation&version=d00000000001&page=identify&lang=en"); w.Body.String() != "screen identify of draft d00000000001 in en" ||
		w.Header().Get("Set-Cookie") != "" {
		t.Errorf("the preview: %d %q, cookies %q", w.Code, w.Body.String(), w.Header().Values("Set-Cookie"))
	}
	if w := preview("name=activation&version=d00000000002&page=identify"); w.Code != http.StatusNotFound || !strings.Contains(w.Body.String(), "Cet aperçu n&#39;existe plus") {
		t.Errorf("a draft gone: %d\n%s", w.Code, w.Body.String())
	}
	if w := preview("name=activation&version=x:other&page=identify"); w.Code != http.StatusNotFound || strings.Contains(w.Body.String(), "screen") {
		t.Errorf("a version id that is not one: %d\n%s", w.Code, w.Body.String())
	}
	if body = post(url.Values{"name": {"activation"}, "action": {"activate"}, "text": {"name: reset\nttl: 20m\n"}}); !strings.Contains(body, "Donnez le motif du changement") || len(ff.versions) != 0 {
		t.Errorf("an activation without a reason went through:\n%s", body)
	}
	body = post(url.Values{"name": {"activation"}, "action": {"activate"}, "text": {"name: reset\r\nttl: 20m\r\n"}, "note": {"a shorter reset"}})
	if !strings.Contains(body, "La version abcdef012345 est en service") || !strings.Contains(body, "en service</td>") {
		t.Errorf("after activation:\n%s", body)
	}
	if len(heard) != 1 || heard[0].Kind != audit.KindFlowChange || heard[0].Reason != "a shorter reset" || heard[0].Actor != "admin" ||
		!strings.Contains(heard[0].Detail, "- ttl: 1h\n+ ttl: 20m") {
		t.Errorf("the audit trail: %+v", heard)
	}
	// Back to the version before, its reason given by the page.
	ff.versions = append(ff.versions, FlowVersion{ID: "000000000001", By: "admin"})
	body = post(url.Values{"name": {"activation"}, "version": {"000000000001"}})
	if len(heard) != 2 || heard[1].Reason != "retour à la version 000000000001" || ff.active != "000000000001" {
		t.Errorf("the rollback: %+v, active %s\n%s", heard, ff.active, body)
	}
}

// TestTruncateKeepsUTF8: the audit detail of a long change to a French
// definition is cut between runes, never inside one.
func TestTruncateKeepsUTF8(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int
		want string
	}{
		{"court", 10, "court"},
		{"abcdef", 3, "abc…"},
		{"aé", 2, "a…"},   // byte 2 is inside é
		{"été", 4, "ét…"}, // byte 4 is inside the second é
	} {
		got := truncate(tc.in, tc.n)
		if got != tc.want || !utf8.ValidString(got) {
			t.Errorf("truncate(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
		}
	}
}
