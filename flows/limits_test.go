package flows_test

import (
	"context"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/seuil-idp/seuil/flows"
	"github.com/seuil-idp/seuil/flows/flow"
	"github.com/seuil-idp/seuil/idp/regulation"
)

// hookedRegulator calls onHit before counting an event of rule.
type hookedRegulator struct {
	flow.Regulator
	rule  regulation.Rule
	onHit func()
}

func (h hookedRegulator) Hit(ctx context.Context, rule regulation.Rule, key string) (regulation.Decision, error) {
	if rule == h.rule && h.onHit != nil {
		h.onHit()
	}
	return h.Regulator.Hit(ctx, rule, key)
}

// Showing the verify page while a wrong code is being judged (a second
// tab, or a script) must not make the flow forget the wrong attempt: the
// flow closes after max_attempts wrong codes all the same.
func TestWrongCodesCountedDespiteConcurrentShow(t *testing.T) {
	t.Parallel()
	var b *browser
	e := newEnv(t, func(_ *flows.Config, d *flows.Deps) {
		d.Regulator = hookedRegulator{Regulator: d.Regulator, rule: regulation.CodeVerifyPerStudent,
			onHit: func() { b.get("/activation/verify") }}
	})
	b = e.browser(t)
	b.follow("/activation")
	b.submit("/activation/identify", identifyForm("22012345", "123456789AB", "0788102599"))
	good := e.box.lastCode(t)
	bad := "000000"
	if good == bad {
		bad = "111111"
	}
	for i := 0; i < 5; i++ {
		b.post("/activation/verify", url.Values{"code": {bad}})
		b.follow("/activation/verify")
	}
	r := b.submit("/activation/verify", url.Values{"code": {good}})
	if strings.Contains(r.body, "Choisissez votre mot de passe") {
		t.Fatal("a sixth code was judged after five wrong ones")
	}
}

// Once the student's wrong codes reach code_verify_per_student, no code is
// judged until the limit allows again, the right one included (otherwise
// every new flow would be one more free guess), and no new code is sent.
func TestCodeVerifyLimitCheckedFirst(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var flows []*browser
	var codes []string
	for i := 0; i < 3; i++ {
		b := e.browser(t)
		b.follow("/activation")
		must(t, b.submit("/activation/identify", identifyForm("22012345", "123456789AB", "0788102599")), 200)
		flows, codes = append(flows, b), append(codes, e.box.lastCode(t))
	}
	for i, b := range flows[:2] { // 2 flows × 5 wrong codes = the burst of 10
		bad := "000000"
		if codes[i] == bad {
			bad = "111111"
		}
		for j := 0; j < 5; j++ {
			b.post("/activation/verify", url.Values{"code": {bad}})
		}
	}
	r := flows[2].submit("/activation/verify", url.Values{"code": {codes[2]}})
	must(t, r, http.StatusTooManyRequests, "Trop de tentatives. Réessayez dans")
	sent, _ := e.box.counts()
	e.clock.advance(61 * time.Second) // past the resend cooldown
	must(t, flows[2].post("/activation/verify", url.Values{"action": {"resend"}}), http.StatusTooManyRequests,
		"Trop de tentatives. Réessayez dans")
	b := e.browser(t)
	b.follow("/activation")
	must(t, b.post("/activation/identify", identifyForm("22012345", "123456789AB", "0788102599")),
		http.StatusTooManyRequests, "Trop de tentatives. Réessayez dans")
	if now, _ := e.box.counts(); now != sent {
		t.Fatal("a code was sent that could not be checked")
	}
}

// A code refused by one send limit (here the address's) costs nothing
// under the others: the phone's budget stays whole for its owner.
func TestRefusedSendCountsNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withStudents(camille, yanis), func(_ *flows.Config, d *flows.Deps) {
		one := regulation.Limit{Rate: 1, Per: time.Hour, Burst: 1}
		reg, err := regulation.New(d.Store.Client(), "t:", regulation.Rules{
			regulation.CodeSendPerIP: one, regulation.CodeSendPerPhone: one}, []byte("0123456789abcdef"))
		if err != nil {
			t.Fatal(err)
		}
		d.Regulator = reg
		d.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	})
	from := func(b *browser, ip string, form url.Values) resp {
		b.follow("/activation")
		form.Set("csrf", b.csrf)
		form.Set("version", b.version)
		form.Set("step", "identify")
		req, _ := http.NewRequest("POST", e.srv.URL+"/activation/identify", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Forwarded-For", ip)
		return b.do(req)
	}
	yanisForm := func() url.Values { return identifyForm(yanis.StudentID, yanis.INE, "0611223344") }
	must(t, from(e.browser(t), "192.0.2.1", identifyForm("22012345", "123456789AB", "0788102599")), http.StatusSeeOther)
	must(t, from(e.browser(t), "192.0.2.1", yanisForm()), http.StatusTooManyRequests)
	must(t, from(e.browser(t), "192.0.2.2", yanisForm()), http.StatusSeeOther)
	if s, _ := e.box.counts(); s != 2 {
		t.Fatalf("%d SMS sent, want 2", s)
	}
}

// Whatever the mismatch (unknown number, wrong INE, wrong phone), it
// counts the same: the sixth try for that number is refused with the
// same answer, so the limit tells nothing about which field was wrong.
func TestMismatchLimitSameForEveryCause(t *testing.T) {
	t.Parallel()
	for name, form := range map[string]url.Values{
		"wrong INE":       identifyForm("22012345", "987654321AB", "0788102599"),
		"wrong phone":     identifyForm("22012345", "123456789AB", "0611223344"),
		"unknown student": identifyForm("29999999", "123456789AB", "0788102599"),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			b := e.browser(t)
			b.follow("/activation")
			for i := 0; i < 5; i++ {
				must(t, b.post("/activation/identify", cloneForm(form)), http.StatusUnprocessableEntity,
					"ne correspondent à aucun dossier")
			}
			must(t, b.post("/activation/identify", cloneForm(form)), http.StatusTooManyRequests, "Trop de tentatives. Réessayez dans 12 minute(s)")
		})
	}
}

func cloneForm(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}
