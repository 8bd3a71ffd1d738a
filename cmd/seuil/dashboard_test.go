package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/seuil-idp/seuil/cmd/seuil/config"
	"github.com/seuil-idp/seuil/idp/audit"
	"github.com/seuil-idp/seuil/idp/directory/ldap/slapdtest"
	"github.com/seuil-idp/seuil/idp/funnel"
	"github.com/seuil-idp/seuil/idp/state/redistest"
)

// Every metric the Grafana dashboard the chart ships queries is one Seuil
// serves: after an activation and a failed sign-in through the demo's
// wiring, and a sign-in through the production wiring (slapd,
// redis-server), each appears in the registry /metrics serves. The
// events, sends, grants and limit decisions counted are the journey's.
func TestDashboardMetricsExist(t *testing.T) {
	e := startDemo(t)
	step := func(name string) prometheus.Counter {
		return events.WithLabelValues("flow.step", "activation", name, "ok")
	}
	counters := map[string]prometheus.Counter{
		"identify": step("identify"), "verify": step("verify"), "password": step("password"),
		"sms sent": sends.WithLabelValues("sms", "ok"), "mail sent": sends.WithLabelValues("mail", "ok"),
		"failed sign-in": events.WithLabelValues("signin", "", "password", "failed"),
		"code exchanged": tokenRequests.WithLabelValues("authorization_code", "ok"),
		"identify check": limitDecisions.WithLabelValues("identify_per_ip", "check", "allowed"),
	}
	ldapReads, redisCommands := histogramCount(t, "seuil_ldap_operation_duration_seconds", "read"), histogramCount(t, "seuil_redis_command_duration_seconds", "")
	before := map[string]float64{}
	for k, c := range counters {
		before[k] = testutil.ToFloat64(c)
	}
	b := newBrowser(t)
	e.activate(t, b, b.get(e.seuil+"/activation"), "Velo-Rouge-Tours-8") // and lands in PJ Web
	other := newBrowser(t)
	login := other.get(e.seuil + "/login")
	other.submitStatus(login, map[string]string{"login": "22019999T", "password": "not-it-Either-1"}, 401)
	// The production wiring, for the LDAP pools: one refused sign-in
	// reads the directory.
	l := listenLoopback(t)
	prod := "http://" + l.Addr().String()
	cfg, err := config.Load(productionSetup(t, prod, redistest.Start(t), slapdtest.Start(t, slapdtest.Options{})))
	if err != nil {
		t.Fatal(err)
	}
	serveBuilt(t, cfg, l, slog.New(slog.NewTextHandler(io.Discard, nil)))
	third := newBrowser(t)
	third.submitStatus(third.get(prod+"/login"), map[string]string{"login": "22012345T", "password": "not-it-Either-1"}, 401)

	raw, err := os.ReadFile(filepath.Join("..", "..", "charts", "seuil", "dashboards", "seuil-overview.json"))
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(raw, &dash); err != nil {
		t.Fatal(err)
	}
	families, err := prometheus.DefaultGatherer.Gather()
	if err != nil {
		t.Fatal(err)
	}
	served := map[string]float64{}
	for _, f := range families {
		total := 0.0
		for _, m := range f.GetMetric() {
			if c := m.GetCounter(); c != nil {
				total += c.GetValue()
			}
		}
		served[f.GetName()] = total
	}
	name := regexp.MustCompile(`seuil_[a-z_]+`)
	queried := 0
	for _, p := range dash.Panels {
		for _, tg := range p.Targets {
			for _, m := range name.FindAllString(tg.Expr, -1) {
				m = strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(m, "_bucket"), "_sum"), "_count")
				queried++
				if _, ok := served[m]; !ok {
					t.Errorf("panel %q queries %s, which /metrics does not serve", p.Title, m)
				}
			}
		}
	}
	if queried < 10 {
		t.Errorf("%d metrics queried: the dashboard was not read", queried)
	}
	// The journey's own counts (no test runs beside this one): each step
	// once, one SMS, two mails (the code, the account ready), two failed
	// sign-ins (demo and production), one code exchanged by PJ Web, one
	// identification checked against the address's limit.
	for k, want := range map[string]float64{"identify": 1, "verify": 1, "password": 1, "sms sent": 1, "mail sent": 2, "failed sign-in": 2,
		"code exchanged": 1, "identify check": 1} {
		if got := testutil.ToFloat64(counters[k]) - before[k]; got != want {
			t.Errorf("%s counted %v times, want %v", k, got, want)
		}
	}
	if got := histogramCount(t, "seuil_ldap_operation_duration_seconds", "read"); got <= ldapReads {
		t.Errorf("LDAP reads timed: %d before the sign-in, %d after", ldapReads, got)
	}
	if got := histogramCount(t, "seuil_redis_command_duration_seconds", ""); got <= redisCommands+10 {
		t.Errorf("Redis commands timed: %d before the journeys, %d after", redisCommands, got)
	}
}

// A refused password's event names the broken rules in its detail; the
// step label is the step alone, so label values stay a short, fixed set.
func TestEventLabelsStayBounded(t *testing.T) {
	before := testutil.ToFloat64(events.WithLabelValues("flow.step", "activation", "password", "refused"))
	countEvent(audit.Event{Kind: audit.KindStep, Flow: "activation", Detail: "password: password.failed.digit,password.failed.ascii", Outcome: "refused"})
	if got := testutil.ToFloat64(events.WithLabelValues("flow.step", "activation", "password", "refused")) - before; got != 1 {
		t.Errorf("the refusal counted %v times under step=password", got)
	}
}

// The console's funnel counts the journeys driven through the demo's
// wiring, one by one: one activation to the end, one mismatch, one that
// gave up on the first screen.
func TestFunnelCountsJourneys(t *testing.T) {
	t.Parallel()
	e := startDemo(t)
	b := newBrowser(t)
	e.activate(t, b, b.get(e.seuil+"/activation"), "Velo-Rouge-Tours-8") // and lands in PJ Web
	// A second sign-in at PJ Web from the same session is no second
	// arrival; a sign-in by password is no flow's.
	if again := b.get(e.rp + "/login"); !strings.Contains(again.body, "22012345T") {
		t.Fatalf("PJ Web's second sign-in:\n%s", again.body)
	}
	m := newBrowser(t)
	m.submitStatus(m.get(e.seuil+"/activation"), map[string]string{"student_id": "22012345", "ine": "987654321AB", "phone": "07 88 10 25 99"}, 422)
	q := newBrowser(t)
	q.get(e.seuil + "/activation")

	cfg, err := config.Load(e.cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	counter := funnel.New(e.rdb, cfg.Redis.KeyPrefix, nil)
	want := map[string]int64{funnel.Started: 3, funnel.Identified: 1, funnel.Mismatched: 1, funnel.CodeSMS: 1,
		funnel.CodeMail: 1, funnel.Verified: 1, funnel.PasswordSet: 1, funnel.Landed: 1}
	var got map[string]int64
	for range 40 { // the worker sends every 100 ms
		days, err := counter.Days(context.Background(), "activation", time.Now(), time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if got = days[0].Counts; reflect.DeepEqual(got, want) {
			// Each of the three screens was timed once, for the one
			// student who got past them (seconds, in this test).
			for _, step := range funnel.Screens {
				if bound, over, n := funnel.Quantile(days[0].Screens[step], 0.5); n != 1 || over || bound > 30*time.Second {
					t.Errorf("%s screen: %d times counted, median at most %v (over %t); want one, in seconds", step, n, bound, over)
				}
			}
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Errorf("funnel counts %v, want %v", got, want)
}

// histogramCount is the number of observations a histogram family holds,
// over its series whose label values include label ("" for all).
func histogramCount(t *testing.T, family, label string) uint64 {
	t.Helper()
	families, err := prometheus.DefaultGatherer.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var n uint64
	for _, f := range families {
		if f.GetName() != family {
			continue
		}
		for _, m := range f.GetMetric() {
			match := label == ""
			for _, lp := range m.GetLabel() {
				match = match || lp.GetValue() == label
			}
			if match {
				n += m.GetHistogram().GetSampleCount()
			}
		}
	}
	return n
}
