package flows_test

import (
	"context"
	"encoding/json"
	"html"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/seuil-idp/seuil/flows"
	"github.com/seuil-idp/seuil/idp/directory"
	"github.com/seuil-idp/seuil/idp/state"
	"github.com/seuil-idp/seuil/themes"
)

const goodPassword = "correct-Cheval-9-agrafe"

type landing struct{}

func (landing) LandingURL(_ context.Context, client, login string) (string, error) {
	return "https://" + client + ".example.org/start?login_hint=" + login, nil
}

type sessions struct{ started []string }

func (s *sessions) StartSession(_ context.Context, w http.ResponseWriter, _ *http.Request, a directory.Account, amr []string) error {
	s.started = append(s.started, a.Login+":"+strings.Join(amr, "+"))
	http.SetCookie(w, &http.Cookie{Name: "sso", Value: "yes", Path: "/"})
	return nil
}

func TestActivationJourney(t *testing.T) {
	t.Parallel()
	ss := &sessions{}
	e := newEnv(t, func(_ *flows.Config, d *flows.Deps) { d.Landing = landing{}; d.Sessions = ss })
	b := e.browser(t)

	r := b.get("/activation")
	if r.status != http.StatusSeeOther || r.location != "/activation/identify" {
		t.Fatalf("start: %d %q", r.status, r.location)
	}
	r = b.follow(r.location)
	must(t, r, 200, "Création du compte numérique étudiant", "Numéro étudiant", "Code INE",
		"Numéro portable de l'étudiant", "relevé de notes du baccalauréat", "07\u00a088\u00a010\u00a025\u00a099")

	r = b.submit("/activation/identify", identifyForm(" 22012345 ", "1234 56789 ab", "07 88 10 25 99"))
	must(t, r, 200, "Code d'activation", "+33 7 •• •• •• 99", "c•••@example.org")
	if s, m := e.box.counts(); s != 1 || m != 1 {
		t.Fatalf("sent %d SMS and %d mails, want 1 and 1", s, m)
	}
	code := e.box.lastCode(t)
	mail := e.box.mails[0]
	if mail.To != camille.Email || !strings.Contains(mail.Text, code) || !strings.Contains(mail.HTML, code) ||
		e.box.sms()[0].To != camille.Mobile {
		t.Fatalf("code not sent to the addresses on record: %+v %+v", e.box.sms(), mail)
	}

	r = b.submit("/activation/verify", url.Values{"code": {code}})
	must(t, r, 200, "Choisissez votre mot de passe", "Un mot de passe personnel", "Un mot de passe sécurisé",
		"Un mot de passe facilement mémorable", "cyber.gouv.fr", "Confirmez le mot de passe", "365 jours")

	// The live checklist: token in a header, rules with texts, a score.
	check := func(pw, token string) (int, map[string]any) {
		req, _ := http.NewRequest("POST", e.srv.URL+"/activation/password/check",
			strings.NewReader(url.Values{"password": {pw}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-CSRF-Token", token)
		res, err := b.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(res.Body).Decode(&out)
		return res.StatusCode, out
	}
	if st, _ := check("x", "wrong"); st != http.StatusForbidden {
		t.Fatalf("check without token: %d", st)
	}
	st, out := check("abc", b.csrf)
	rules, _ := out["rules"].([]any)
	if st != 200 || len(rules) < 5 || rules[0].(map[string]any)["ok"] != false {
		t.Fatalf("check: %d %v", st, out)
	}
	if _, out := check(goodPassword, b.csrf); out["rules"].([]any)[1].(map[string]any)["ok"] != true {
		t.Fatalf("digit rule not ticked: %v", out)
	}

	r = b.submit("/activation/password", pwForm(goodPassword, goodPassword))
	must(t, r, 200, "Mot de passe initialisé avec succès", "22012345T", "Continuez votre inscription ici",
		"https://pjweb.example.org/start?login_hint=22012345T")
	if strings.Contains(r.body, goodPassword) {
		t.Fatal("the password is re-rendered")
	}
	if _, err := e.dir.Authenticate(context.Background(), "22012345T", goodPassword); err != nil {
		t.Fatalf("password not set in the directory: %v", err)
	}
	// A check typed just before the form was sent arrives on a flow that
	// has moved on: nothing to check, and no error.
	if st, out := check(goodPassword, b.csrf); st != http.StatusNoContent || out != nil {
		t.Fatalf("stale check: %d %v", st, out)
	}
	if len(ss.started) != 1 || ss.started[0] != "22012345T:otp+pwd" {
		t.Fatalf("sessions: %v", ss.started)
	}
	if _, m := e.box.counts(); m != 2 || !strings.Contains(e.box.mails[1].Text, "22012345T") {
		t.Fatalf("no confirmation mail: %d", m)
	}
	// Done is final: earlier steps lead back to it.
	if r := b.get("/activation/password"); r.location != "/activation/done" {
		t.Fatalf("after done: %d %q", r.status, r.location)
	}
}

func TestHandoverContinue(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(_ *flows.Config, d *flows.Deps) { d.Landing = landing{} })
	b := e.browser(t)
	putHandover(t, e, "tkt", state.Handover{Flow: "activation", Continue: "/authorize/resume?x=1", ClientID: "pjweb"})
	r := b.get("/activation?handover=tkt")
	if r.status != http.StatusSeeOther {
		t.Fatalf("handover start: %d %s", r.status, r.body)
	}
	b.toPassword("activation")
	r = b.submit("/activation/password", pwForm(goodPassword, goodPassword))
	must(t, r, 200, `href="/authorize/resume?x=1"`)
	// Single use.
	must(t, e.browser(t).get("/activation?handover=tkt"), http.StatusBadRequest, "Lien expiré")
}

func TestExpiredFlowNeedsHandover(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser(t)
	b.toPassword("activation")
	must(t, b.submit("/activation/password", pwForm(goodPassword, goodPassword)), 200, "22012345T")

	must(t, b.get("/expired"), http.StatusBadRequest)
	// A year and a day later the password has expired: the page says so
	// first, with the date, in the expired flow's own words.
	e.clock.advance(366 * 24 * time.Hour)
	putHandover(t, e, "exp", state.Handover{Flow: "expired", Login: "22012345T", Continue: "/authorize/resume"})
	r := b.follow("/expired?handover=exp")
	must(t, r, 200, "Changement du mot de passe expiré", "Choisissez un nouveau mot de passe",
		"Votre mot de passe a expiré le "+e.clock.now().Add(-24*time.Hour).Format("02/01/2006"))
	must(t, b.submit("/expired/password", pwForm(goodPassword, goodPassword)), 422, "déjà été utilisé")
	r = b.submit("/expired/password", pwForm("Autre-chemin-7-ble", "Autre-chemin-7-ble"))
	must(t, r, 200, "Mot de passe changé avec succès", `href="/authorize/resume"`, "Reprendre où vous en étiez")
	for _, activationOnly := range []string{"pièces justificatives", "Continuez votre inscription", "initialisé"} {
		if strings.Contains(r.body, activationOnly) {
			t.Errorf("the expired flow's done page says %q", activationOnly)
		}
	}
}

// The reset flow speaks of a verification code, not an activation code,
// and ends on its own done page.
func TestResetHasItsOwnWords(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser(t)
	b.follow("/reset")
	r := b.submit("/reset/identify", identifyForm("22012345", "123456789ab", "07 88 10 25 99"))
	must(t, r, 200, "Code de vérification", "<title>Code de vérification")
	if strings.Contains(r.body, "Code d'activation") {
		t.Error("the reset flow calls its code an activation code")
	}
	if sms := e.box.sms(); !strings.Contains(sms[len(sms)-1].Body, "code de verification") {
		t.Errorf("the reset SMS: %q", sms[len(sms)-1].Body)
	}
	r = b.submit("/reset/verify", url.Values{"code": {e.box.lastCode(t)}})
	must(t, r, 200, "Choisissez un nouveau mot de passe")
	r = b.submit("/reset/password", pwForm(goodPassword, goodPassword))
	must(t, r, 200, "Mot de passe modifié avec succès")
	if strings.Contains(r.body, "pièces justificatives") {
		t.Error("the reset flow's done page speaks of PJ Web")
	}
}

func TestResetRefusesHistory(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser(t)
	b.toPassword("activation")
	must(t, b.submit("/activation/password", pwForm(goodPassword, goodPassword)), 200, "22012345T")

	r := b.toPassword("reset")
	must(t, r, 200, "Réinitialisation du mot de passe", "déjà activé")
	must(t, b.submit("/reset/password", pwForm(goodPassword, goodPassword)), 422,
		"Ce mot de passe a déjà été utilisé")
	must(t, b.submit("/reset/password", pwForm("Nouvelle-piste-8-vent", "Nouvelle-piste-8-vent")), 200,
		"Mot de passe modifié avec succès")
}

func TestLanguageSwitch(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser(t)
	b.follow("/activation")
	r := b.get("/activation/identify?lang=en")
	must(t, r, 200, `<html lang="en">`, "Student number", "INE code", "Student's mobile number")
	// The choice sticks (cookie).
	must(t, b.get("/activation/identify"), 200, "Student number")
}

func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	res, err := http.Get(e.srv.URL + "/activation/identify")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	csp := res.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") ||
		strings.Contains(csp, "unsafe-inline") || res.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("headers: %v", res.Header)
	}
}

func putHandover(t *testing.T, e *env, ticket string, h state.Handover) {
	t.Helper()
	if err := e.store.PutHandover(context.Background(), ticket, h); err != nil {
		t.Fatal(err)
	}
}

func TestPreview(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *flows.Config, _ *flows.Deps) { c.Preview = true })
	b := e.browser(t)
	must(t, b.get("/preview"), 200, "/preview/identify", "/preview/done")
	for page, want := range map[string]string{"identify": "Code INE", "verify": "Il vous reste 3 essai(s)",
		"password": "au moins un chiffre", "done": "22012345T", "message": "Session expirée"} {
		must(t, b.get("/preview/"+page+"?error=1"), 200, want)
	}
	must(t, newEnv(t).browser(t).get("/preview/identify"), http.StatusNotFound)
}

// Served under a prefix, every link and redirect carries it.
func TestBasePath(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *flows.Config, _ *flows.Deps) { c.BasePath = "/seuil" })
	b := e.browser(t)
	r := b.get("/seuil/activation")
	if r.location != "/seuil/activation/identify" {
		t.Fatalf("start redirects to %q", r.location)
	}
	must(t, b.get(r.location), 200, `action="/seuil/activation/identify"`, `href="/seuil/static/default/seuil.css"`,
		`href="/seuil/activation/identify?lang=en"`)
	r = b.submit("/seuil/activation/identify", identifyForm("22012345", "123456789AB", "0788102599"))
	must(t, r, 200, `href="/seuil/activation/identify"`, `action="/seuil/activation/verify"`)
	if res, err := http.Get(e.srv.URL + "/seuil/static/default/seuil.css"); err != nil || res.StatusCode != 200 {
		t.Fatalf("static under the prefix: %v %v", err, res)
	}
}

// TestHandoverBoundToItsBrowser checks that a ticket made for one browser
// (its binding in that browser's cookie) is refused in any other: an
// attacker cannot send someone a link into a flow for the attacker's
// account.
func TestHandoverBoundToItsBrowser(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	owner, other := e.browser(t), e.browser(t)
	setCookie := func(b *browser, v string) {
		u, _ := url.Parse(e.srv.URL)
		b.c.Jar.SetCookies(u, []*http.Cookie{{Name: state.HandoverCookie, Value: v, Path: "/"}})
	}
	putHandover(t, e, "bound", state.Handover{Flow: "activation", Continue: "/authorize/resume", Binding: "the-binding"})
	setCookie(other, "another-binding")
	must(t, other.get("/activation?handover=bound"), http.StatusBadRequest, "Lien expiré")

	putHandover(t, e, "bound2", state.Handover{Flow: "activation", Continue: "/authorize/resume", Binding: "the-binding"})
	must(t, e.browser(t).get("/activation?handover=bound2"), http.StatusBadRequest, "Lien expiré")

	putHandover(t, e, "bound3", state.Handover{Flow: "activation", Continue: "/authorize/resume", Binding: "the-binding"})
	setCookie(owner, "the-binding")
	if r := owner.get("/activation?handover=bound3"); r.status != http.StatusSeeOther {
		t.Fatalf("owner's browser refused: %d %s", r.status, r.body)
	}
}

// TestHandoverTheme checks that a flow handed over by a relying party is
// shown in that party's theme, and that an unknown theme falls back to the
// flow's own.
func TestHandoverTheme(t *testing.T) {
	t.Parallel()
	overlay := fstest.MapFS{}
	err := fs.WalkDir(themes.DefaultFS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(themes.DefaultFS(), p)
		overlay[p] = &fstest.MapFile{Data: b}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	layout := string(overlay["i18n/fr/layout.yaml"].Data)
	overlay["i18n/fr/layout.yaml"] = &fstest.MapFile{Data: []byte(strings.ReplaceAll(layout, `"de Tours"`, `"de Test-sur-Loire"`))}
	ent, err := themes.Load("ent", overlay)
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, func(_ *flows.Config, d *flows.Deps) {
		d.Themes = themes.NewRegistry(map[string]*themes.Theme{"ent": ent})
	})
	putHandover(t, e, "themed", state.Handover{Flow: "activation", Continue: "/authorize/resume", Theme: "ent"})
	must(t, e.browser(t).follow("/activation?handover=themed"), http.StatusOK, "de Test-sur-Loire", `/static/ent/seuil.css`)
	putHandover(t, e, "unknown", state.Handover{Flow: "activation", Continue: "/authorize/resume", Theme: "nope"})
	r := e.browser(t).follow("/activation?handover=unknown")
	must(t, r, http.StatusOK, "de Tours")
	if strings.Contains(r.body, "Test-sur-Loire") {
		t.Error("unknown theme: not the flow's own")
	}
}

// A password that fails a rule and a confirmation that differs are both
// reported at once (issue 14, point 5): one round, not two.
func TestPasswordAndConfirmReportedTogether(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser(t)
	b.toPassword("activation")
	// The summary links each field in error; the confirmation's own
	// message sits by its input (the page also carries it, hidden, for the
	// live check).
	must(t, b.post("/activation/password", pwForm("short1", "other1")), 422,
		`<a href="#password">Le mot de passe doit faire entre`,
		`<p class="error" id="confirm-error">Les deux mots de passe ne sont pas identiques.</p>`)
}

// No page is a dead end: the expired flow opened directly and a page not
// found both lead to the sign-in page, in the student's language.
func TestNoDeadEnds(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *flows.Config, _ *flows.Deps) { c.SignInPath = "/login" })
	b := e.browser(t)
	must(t, b.get("/expired"), http.StatusBadRequest, `href="/login"`, "Aller à la page de connexion")
	must(t, b.get("/nowhere"), http.StatusNotFound, `href="/login"`)
	must(t, b.get("/nowhere?lang=en"), http.StatusNotFound, `href="/login"`, "Go to the sign-in page")
}

// Without JavaScript, a refused password comes back with the checklist
// marked rule by rule (the server judged it), the history rule left
// neutral, and each mark told to screen readers.
func TestChecklistMarkedWithoutJavaScript(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser(t)
	b.toPassword("activation")
	r := b.post("/activation/password", pwForm("motdepasse", "motdepasse"))
	must(t, r, 422,
		`<li class="rule ok" data-rule="length">`, `<li class="rule ko" data-rule="digit">`,
		`<li class="rule" data-rule="history">`, "(non respecté)", "(respecté)")
	fresh := b.get("/activation/password")
	if strings.Contains(fresh.body, "(non respecté)") || strings.Contains(fresh.body, `class="rule ko"`) {
		t.Error("a fresh password page marks rules")
	}
}

// A student whose relying party asked for English (ui_locales, through
// the handover) keeps English on the error page of a lost flow.
func TestLostFlowKeepsLanguage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser(t)
	putHandover(t, e, "en1", state.Handover{Flow: "activation", ClientID: "pjweb", Lang: "en"})
	must(t, b.follow("/activation?handover=en1"), 200, "Student number")
	if err := e.store.Client().FlushAll(context.Background()).Err(); err != nil {
		t.Fatal(err)
	}
	r := b.post("/activation/identify", identifyForm("22012345", "123456789AB", "0788102599"))
	if !strings.Contains(r.body, `lang="en"`) || strings.Contains(r.body, "Session expirée") {
		t.Fatalf("the lost flow's page is not in English: %d\n%.600s", r.status, r.body)
	}
}

// The expiry sentence is built from the step's max_age: 180 days say
// 180 days, never a hard-coded "one year".
func TestExpirySentenceFollowsMaxAge(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	def := "name: activation\nttl: 1h\ntheme: default\nsteps:\n  - type: identify\n  - type: verify\n" +
		"  - type: password\n    max_age: 180d\n  - type: done\n"
	if err := os.WriteFile(filepath.Join(dir, "activation.yaml"), []byte(def), 0o600); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, func(c *flows.Config, _ *flows.Deps) { c.DefinitionsDir = dir })
	r := e.browser(t).toPassword("activation")
	must(t, r, 200, "180 jours maximum")
	if strings.Contains(r.body, "un an") || strings.Contains(r.body, "365") {
		t.Error("the expiry sentence still says a year")
	}
}

// The password step agrees with the directory's own policy or the flows
// do not start: the screen states the directory's lifetime when the
// definition sets none, and a lifetime, a history or a minimum length
// that the directory contradicts is refused, every one at once, naming
// both values.
func TestPasswordStepAgreesWithTheDirectory(t *testing.T) {
	t.Parallel()
	const src = "cn=default,ou=policies,dc=univ-tours,dc=fr"
	year := 365 * 24 * time.Hour
	cases := []struct {
		name   string
		params string // the password step's lines
		policy directory.Policy
		screen string   // on the password screen
		errs   []string // from flows.New
	}{
		{"the directory's lifetime on screen", "", directory.Policy{Source: src, MaxAge: 180 * 24 * time.Hour, InHistory: 5}, "180 jours maximum", nil},
		{"passwords that never expire: no sentence", "", directory.Policy{Source: src, InHistory: 5}, "!durée de vie", nil},
		{"a directory that says nothing: a year", "", directory.Policy{}, "365 jours maximum", nil},
		{"max_age the directory does not apply", "    max_age: 180d\n", directory.Policy{Source: src, MaxAge: year, InHistory: 5}, "",
			[]string{"steps[2].max_age: 180d, but the directory's policy (" + src + ") sets pwdMaxAge to 365d"}},
		{"every contradiction at once", "    max_age: 90d\n    policy: {min_length: 8}\n", directory.Policy{Source: src, MaxAge: year, MinLength: 12}, "",
			[]string{"steps[2].max_age: 90d", "steps[2].policy.history: true, but the directory's policy (" + src + ") keeps no previous password",
				"steps[2].policy.min_length: 8, below the directory's pwdMinLength 12"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			def := "name: activation\nttl: 1h\ntheme: default\nsteps:\n  - type: identify\n  - type: verify\n" +
				"  - type: password\n" + c.params + "  - type: done\n"
			if err := os.WriteFile(filepath.Join(dir, "activation.yaml"), []byte(def), 0o600); err != nil {
				t.Fatal(err)
			}
			opt := func(cfg *flows.Config, d *flows.Deps) { cfg.DefinitionsDir, d.PasswordPolicy = dir, c.policy }
			if c.errs != nil {
				err := newEnvErr(t, opt)
				for _, want := range c.errs {
					if err == nil || !strings.Contains(err.Error(), want) {
						t.Errorf("flows.New = %v, want %q", err, want)
					}
				}
				return
			}
			r := newEnv(t, opt).browser(t).toPassword("activation")
			if not, ok := strings.CutPrefix(c.screen, "!"); ok {
				if strings.Contains(r.body, not) {
					t.Errorf("the screen says %q", not)
				}
				return
			}
			must(t, r, 200, c.screen)
		})
	}
}

// The previews show every screen a theme shapes, the provider's too: the
// sign-in page (and its error), the grace-login page, and the expired
// flow's password screen saying when the password expired.
func TestPreviewSignInAndExpired(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *flows.Config, _ *flows.Deps) { c.Preview = true })
	week := time.Now().AddDate(0, 0, -7).Format("02/01/2006")
	for path, want := range map[string]string{
		"/preview":                 "login_grace",
		"/preview/login":           "Connexion à votre compte numérique",
		"/preview/login?error=1":   "Identifiant ou mot de passe incorrect.",
		"/preview/login_grace":     "Il vous en reste 2",
		"/preview/expired":         "Votre mot de passe a expiré le " + week,
		"/preview/expired?lang=en": "Your password expired on",
	} {
		r := e.browser(t).get(path) // each its own: ?lang=en is remembered in a cookie
		if r.status != http.StatusOK || !strings.Contains(html.UnescapeString(r.body), want) {
			t.Errorf("%s: %d, lacks %q", path, r.status, want)
		}
	}
}
