package flows_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestIdentifyFieldErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	cases := []struct {
		name       string
		form       url.Values
		field, msg string
		keeps      string
	}{
		{"empty number", identifyForm("", "123456789AB", "0788102599"), "student_id", "Saisissez votre numéro étudiant", "123456789AB"},
		{"short number", identifyForm("1234", "123456789AB", "0788102599"), "student_id", "8 chiffres", "0788102599"},
		{"bad INE", identifyForm("22012345", "12345", "0788102599"), "ine", "relevé de notes du baccalauréat ou le récapitulatif PDF", "22012345"},
		{"bad phone", identifyForm("22012345", "123456789AB", "12"), "phone", "indicatif du pays", "123456789AB"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := e.browser(t)
			b.follow("/activation")
			r := b.post("/activation/identify", c.form)
			must(t, r, http.StatusUnprocessableEntity, c.msg, `id="`+c.field+`-error"`, `aria-invalid="true"`,
				`href="#`+c.field+`"`, `value="`+c.keeps+`"`)
			if s, _ := e.box.counts(); s != 0 {
				t.Fatal("a code was sent for an invalid form")
			}
		})
	}
}

// Every mismatch shows the same message, never naming the wrong field.
func TestMismatchIsGeneric(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var bodies []string
	for _, f := range []url.Values{
		identifyForm("22012345", "987654321AB", "0788102599"), // wrong INE
		identifyForm("22012345", "123456789AB", "0611223344"), // wrong phone
		identifyForm("29999999", "123456789AB", "0788102599"), // unknown student
	} {
		b := e.browser(t)
		b.follow("/activation")
		r := b.post("/activation/identify", f)
		must(t, r, http.StatusUnprocessableEntity, "ne correspondent à aucun dossier")
		if strings.Contains(r.body, `aria-invalid`) {
			t.Fatal("a mismatch marks a field")
		}
		bodies = append(bodies, r.body[strings.Index(r.body, "<main"):strings.Index(r.body, "<form")])
	}
	if bodies[0] != bodies[1] || bodies[1] != bodies[2] {
		t.Fatalf("mismatch messages differ:\n%s\n%s\n%s", bodies[0], bodies[1], bodies[2])
	}
	if s, m := e.box.counts(); s+m != 0 {
		t.Fatal("a code was sent on mismatch")
	}
}

func TestMismatchRateLimited(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser(t)
	b.follow("/activation")
	for i := 0; i < 5; i++ { // identify_per_student: burst 5
		must(t, b.post("/activation/identify", identifyForm("22012345", "987654321AB", "0788102599")), 422)
	}
	r := b.post("/activation/identify", identifyForm("22012345", "123456789AB", "0788102599"))
	must(t, r, http.StatusTooManyRequests, "Trop de tentatives. Réessayez dans")
	if s, _ := e.box.counts(); s != 0 {
		t.Fatal("a code was sent while limited")
	}
}

func TestWrongCodes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser(t)
	b.follow("/activation")
	b.submit("/activation/identify", identifyForm("22012345", "123456789AB", "0788102599"))
	good := e.box.lastCode(t)
	bad := "000000"
	if good == bad {
		bad = "111111"
	}
	for left := 4; left >= 1; left-- {
		r := b.post("/activation/verify", url.Values{"code": {bad}})
		must(t, r, 422, "Il vous reste "+string(rune('0'+left))+" essai(s)", `id="code-error"`)
	}
	r := b.post("/activation/verify", url.Values{"code": {bad}})
	must(t, r, http.StatusTooManyRequests, "Trop de codes incorrects", "Recommencer")
	// The flow is gone: the right code is useless now.
	must(t, b.post("/activation/verify", url.Values{"code": {good}}), http.StatusGone, "Session expirée")
}

func TestExpiredCodeAndResend(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser(t)
	b.follow("/activation")
	b.submit("/activation/identify", identifyForm("22012345", "123456789AB", "0788102599"))
	old := e.box.lastCode(t)

	must(t, b.post("/activation/verify", url.Values{"action": {"resend"}}), http.StatusTooManyRequests,
		"Patientez encore")
	if s, _ := e.box.counts(); s != 1 {
		t.Fatal("resent within the cooldown")
	}
	e.clock.advance(16 * time.Minute)
	must(t, b.post("/activation/verify", url.Values{"code": {old}}), 422, "Ce code a expiré")
	r := b.submit("/activation/verify", url.Values{"action": {"resend"}})
	must(t, r, 200, "Un nouveau code vient de vous être envoyé")
	fresh := e.box.lastCode(t)
	if s, m := e.box.counts(); s != 2 || m != 2 {
		t.Fatalf("resend sent %d SMS %d mails", s, m)
	}
	if fresh != old {
		must(t, b.post("/activation/verify", url.Values{"code": {old}}), 422, "Code incorrect")
	}
	must(t, b.submit("/activation/verify", url.Values{"code": {fresh}}), 200, "Choisissez votre mot de passe")
}

func TestPasswordRules(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser(t)
	b.toPassword("activation")
	cases := []struct{ pw, confirm, msg string }{
		{"ab1", "ab1", "entre 8 et 128 caractères"},
		{"correct-Cheval-agrafe", "correct-Cheval-agrafe", "au moins un chiffre"},
		{"Éléphant-rose-42x", "Éléphant-rose-42x", "Ces caractères sont refusés : É, é"},
		{"Bonjour2024!", "Bonjour2024!", "mot du dictionnaire"},
		{"zq-22012345-vk", "zq-22012345-vk", "données personnelles (numéro étudiant)"},
		{goodPassword, goodPassword + "x", "ne sont pas identiques"},
	}
	for _, c := range cases {
		r := b.post("/activation/password", pwForm(c.pw, c.confirm))
		must(t, r, 422, c.msg)
		if strings.Contains(r.body, c.pw) {
			t.Fatalf("%q re-rendered", c.pw)
		}
	}
	// Several rules at once are all listed (no JavaScript needed).
	must(t, b.post("/activation/password", pwForm("éa", "éa")), 422, "au moins un chiffre", "entre 8 et", "refusés")
}

func TestExpiredFlow(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser(t)
	b.follow("/activation")
	e.clock.advance(2 * time.Hour)
	r := b.get("/activation/identify")
	must(t, r, http.StatusGone, "Votre session a expiré", "/activation?restart=1")
	must(t, b.post("/activation/identify", identifyForm("22012345", "123456789AB", "0788102599")), http.StatusGone)
}

// A replayed POST of an earlier step changes nothing: it lands on the
// current step, and no second code is sent.
func TestReplayedPost(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser(t)
	b.follow("/activation")
	form := identifyForm("22012345", "123456789AB", "0788102599")
	form.Set("csrf", b.csrf)
	form.Set("version", b.version)
	form.Set("step", "identify")
	if r := b.post("/activation/identify", form); r.status != http.StatusSeeOther {
		t.Fatalf("first post: %d", r.status)
	}
	r := b.post("/activation/identify", form)
	if r.status != http.StatusSeeOther || r.location != "/activation/verify" {
		t.Fatalf("replay: %d %q", r.status, r.location)
	}
	if s, _ := e.box.counts(); s != 1 {
		t.Fatalf("replay sent another code (%d SMS)", s)
	}
	// A stale form of the current step is refused the same way.
	b.follow("/activation/verify")
	stale := url.Values{"code": {"000000"}, "version": {"0"}} // the identify form's
	if r := b.post("/activation/verify", stale); r.status != http.StatusSeeOther {
		t.Fatalf("stale version: %d", r.status)
	}
	// Skipping ahead is impossible.
	if r := b.post("/activation/password", pwForm(goodPassword, goodPassword)); r.status != http.StatusSeeOther ||
		r.location != "/activation/verify" {
		t.Fatalf("skip: %d %q", r.status, r.location)
	}
}

func TestCSRF(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser(t)
	b.follow("/activation")
	f := identifyForm("22012345", "123456789AB", "0788102599")
	f.Set("csrf", "forged")
	must(t, b.post("/activation/identify", f), http.StatusForbidden, "Formulaire refusé", "Revenez en arrière")

	req, _ := http.NewRequest("POST", e.srv.URL+"/activation/identify", strings.NewReader(f.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	must(t, b.do(req), http.StatusForbidden, "Requête refusée")
	if s, _ := e.box.counts(); s != 0 {
		t.Fatal("a refused request sent a code")
	}
}

// Going back to the first step is allowed: the flow restarts there.
func TestGoBack(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser(t)
	b.follow("/activation")
	b.submit("/activation/identify", identifyForm("22012345", "123456789AB", "0788102599"))
	r := b.get("/activation/identify")
	must(t, r, 200, `value="22012345"`, `value="123456789AB"`)
	if r := b.get("/activation/password"); r.location != "/activation/identify" {
		t.Fatalf("after going back, password redirects to %q", r.location)
	}
	r = b.submit("/activation/identify", identifyForm("22012345", "123456789AB", "0788102599"))
	must(t, r, 200, "Code d'activation")
}

func TestNotFoundThemed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	must(t, e.browser(t).get("/nope"), http.StatusNotFound, "Page introuvable")
}

// Every SMS costs money: past the per-phone cap, resends are refused.
func TestResendCap(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser(t)
	b.follow("/activation")
	b.submit("/activation/identify", identifyForm("22012345", "123456789AB", "0788102599"))
	for i := 0; i < 4; i++ { // code_send_per_phone: burst 5, the first send included
		e.clock.advance(61 * time.Second)
		must(t, b.submit("/activation/verify", url.Values{"action": {"resend"}}), 200, "Un nouveau code")
	}
	e.clock.advance(61 * time.Second)
	must(t, b.post("/activation/verify", url.Values{"action": {"resend"}}), http.StatusTooManyRequests,
		"Trop de tentatives. Réessayez dans")
	if s, _ := e.box.counts(); s != 5 {
		t.Fatalf("%d SMS sent, want 5", s)
	}
}

func TestOversizedForm(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser(t)
	b.follow("/activation")
	f := identifyForm(strings.Repeat("1", 70<<10), "123456789AB", "0788102599")
	must(t, b.post("/activation/identify", f), http.StatusRequestEntityTooLarge, "trop volumineux")
}

// A double submit runs once: the second request finds its form version
// claimed and is redirected.
func TestDoubleSubmit(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser(t)
	b.follow("/activation")
	form := identifyForm("22012345", "123456789AB", "0788102599")
	form.Set("csrf", b.csrf)
	form.Set("version", b.version)
	form.Set("step", "identify")
	statuses := make(chan int, 4)
	for i := 0; i < 4; i++ {
		go func() {
			req, _ := http.NewRequest("POST", e.srv.URL+"/activation/identify", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			res, err := b.c.Do(req)
			if err != nil {
				statuses <- 0
				return
			}
			res.Body.Close()
			statuses <- res.StatusCode
		}()
	}
	for i := 0; i < 4; i++ {
		if st := <-statuses; st != http.StatusSeeOther {
			t.Errorf("status %d", st)
		}
	}
	if s, _ := e.box.counts(); s != 1 {
		t.Fatalf("%d codes sent for one form", s)
	}
}
