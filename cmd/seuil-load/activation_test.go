package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/seuil-idp/seuil/idp/directory/ldap/slapdtest"
	"github.com/seuil-idp/seuil/idp/provider/keys"
	"github.com/seuil-idp/seuil/idp/state/redistest"
	"github.com/seuil-idp/seuil/idp/students/pegasetest"
)

// The activation scenario against `seuil serve` built from this tree,
// on a real redis-server and slapd, its SMS provider and mail relay being
// the tool's sinks: every journey goes through the four screens with the
// code the SMS sink read, each screen is timed, and the server's CPU per
// journey is reported. SEUIL_LOAD_JOURNEYS, SEUIL_LOAD_CONCURRENCY and
// SEUIL_LOAD_SMS_LATENCY make it a measurement (go test -v -run
// TestActivationScenario ./cmd/seuil-load prints the report);
// SEUIL_LOAD_SOURCE_LATENCY (200ms) reads the students from a Pégase
// whose every lookup takes that long; SEUIL_LOAD_SMS_WAIT is serve's
// sms.wait.
func TestActivationScenarioAgainstServe(t *testing.T) {
	journeys, concurrency, smsLatency := envOr("SEUIL_LOAD_JOURNEYS", "20"), envOr("SEUIL_LOAD_CONCURRENCY", "4"), envOr("SEUIL_LOAD_SMS_LATENCY", "20ms")
	n, _ := strconv.Atoi(journeys)
	c, _ := strconv.Atoi(concurrency)
	srv := startServe(t, n+c, "") // the journeys in flight when the budget is reached, too
	addr, students, smsAddr, mailAddr, serve, serveErr := srv.addr, srv.students, srv.smsAddr, srv.mailAddr, srv.cmd, srv.stderr
	idle := procStatusMiB(serve.Process.Pid, "VmRSS")
	// The binary's pages (file) apart from the heap and stacks (anon).
	idleAnon, idleFile := procStatusMiB(serve.Process.Pid, "RssAnon"), procStatusMiB(serve.Process.Pid, "RssFile")
	want, _ := strconv.ParseUint(journeys, 10, 64)
	r, report := measure(t, []string{"--issuer", "http://" + addr, "--scenario", "activation",
		"--students", students, "--sms-sink", smsAddr, "--mail-sink", mailAddr, "--sms-latency", smsLatency,
		"--concurrency", concurrency, "--requests", journeys, "--warmup", "0", "--duration", "10m", "--forwarded-for",
		"--server-pid", fmt.Sprint(serve.Process.Pid), "--json"}, want, serveErr)
	var names []string
	phases := map[string]float64{}
	for _, p := range r.Phases {
		names = append(names, p.Name)
		phases[p.Name] = p.P50
	}
	// The code cannot come before the SMS provider has answered; and a
	// provider slower than sms.wait (250 ms) no longer holds the
	// identify screen: the code comes after it.
	lat, _ := time.ParseDuration(smsLatency)
	if got := phases["identify"] + phases["sms"]; got < 0.9*ms(lat) {
		t.Errorf("the code came %.1f ms after identify was sent, under the SMS sink's %s: was it sent?", got, lat)
	}
	if lat > time.Second && phases["identify"] >= ms(lat) {
		t.Errorf("identify took %.1f ms: the %s SMS provider held it", phases["identify"], lat)
	}
	if strings.Join(names, ",") != "start,identify,sms,verify,password" {
		t.Errorf("phases %v", names)
	}
	t.Logf("%s", report)
	t.Logf("seuil serve RSS: idle %.0f MiB, peak under load %.0f MiB (idle: %.0f MiB anonymous, %.0f MiB of the binary's pages)",
		idle, procStatusMiB(serve.Process.Pid, "VmHWM"), idleAnon, idleFile)
}

// pegaseSource starts a Pégase holding the n students of startServe's
// CSV, each lookup taking latency (its three calls: the search, then the
// identity and the enrolments side by side), and returns the students
// section that reads it and serve's environment (the API password).
func pegaseSource(t *testing.T, learners []pegasetest.Learner, latency string) (string, []string) {
	t.Helper()
	d, err := time.ParseDuration(latency)
	if err != nil {
		t.Fatalf("SEUIL_LOAD_SOURCE_LATENCY: %v", err)
	}
	pg := pegasetest.Start(t)
	pg.Delay.Store(int64(d / 2))
	pg.Add(learners...)
	section := fmt.Sprintf("  pegase: {idt_url: %q, ins_url: %q, token_url: %q, structure: %s, period: PER-2026, username: %s}\n",
		pg.IDTURL(), pg.INSURL(), pg.TokenURL(), pg.Structure, pg.User)
	return section, []string{"SEUIL_STUDENTS_PEGASE_PASSWORD=" + pg.Password}
}

// servedStudents are startServe's n students (2300xxxx), enrolled for
// PER-2026 (2026), born on 2007-09-01.
func servedStudents(n int) []pegasetest.Learner {
	ls := make([]pegasetest.Learner, n)
	for i := range ls {
		ls[i] = pegasetest.Learner{Code: fmt.Sprintf("2300%04d", i), INE: fmt.Sprintf("%010dA", 1000000000+i),
			LastName: "CHARGE", FirstName: fmt.Sprintf("Étudiant%d", i), BirthDate: "2007-09-01",
			Mobile: fmt.Sprintf("06 00 00 %02d %02d", i/100, i%100), Email: fmt.Sprintf("charge%d@example.org", i),
			Enrolments: []pegasetest.Enrolment{{Period: "PER-2026", Year: 2026, Principal: true}}}
	}
	return ls
}

// served is `seuil serve` built from this tree and started on a real
// redis-server and slapd, with n students in its CSV (2300xxxx) and the
// tool's sinks as its SMS provider and mail relay.
type served struct {
	addr, students, smsAddr, mailAddr string
	// The slapd it runs on, for another provider beside it.
	ldapURL, ldapServiceDN, ldapServicePassword, ldapPeopleDN string
	cmd                                                       *exec.Cmd
	stderr                                                    *bytes.Buffer
}

// startServe starts it; clients is YAML added under oidc (its keys are
// an ES256 and an RS256 one, the ES256 first).
func startServe(t *testing.T, n int, clients string) *served {
	t.Helper()
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "seuil")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/seuil-idp/seuil/cmd/seuil").CombinedOutput(); err != nil {
		t.Fatalf("building seuil: %v\n%s", err, out)
	}
	ldapSrv := slapdtest.Start(t, slapdtest.Options{})
	redisAddr := redistest.Start(t)
	learners := servedStudents(n)
	var csv strings.Builder
	csv.WriteString("COD_ETU;COD_NNE_IND;LIB_NOM_PAT_IND;LIB_PR1_IND;DATE_NAI_IND;NUM_TEL_PORT;ADR_MAIL_PERSO;COD_ANU\n")
	for _, l := range learners {
		fmt.Fprintf(&csv, "%s;%s;%s;%s;01/09/2007;%s;%s;2026\n", l.Code, l.INE, l.LastName, l.FirstName, l.Mobile, l.Email)
	}
	s := &served{students: filepath.Join(tmp, "students.csv"), stderr: &bytes.Buffer{},
		ldapURL: ldapSrv.URL, ldapServiceDN: ldapSrv.ServiceDN, ldapServicePassword: ldapSrv.ServicePassword, ldapPeopleDN: ldapSrv.PeopleDN}
	writeTestFile(t, s.students, csv.String()) // the tool's list, and serve's source unless Pégase is
	source, env := fmt.Sprintf("  csv: {path: %q}\n", s.students), []string(nil)
	if d := envOr("SEUIL_LOAD_SOURCE_LATENCY", ""); d != "" {
		source, env = pegaseSource(t, learners, d)
	}
	es, rs := filepath.Join(tmp, "es256.pem"), filepath.Join(tmp, "rs256.pem")
	for k, alg := range map[string]string{es: "ES256", rs: "RS256"} {
		if err := keys.Generate(k, alg); err != nil {
			t.Fatal(err)
		}
	}
	s.addr, s.smsAddr, s.mailAddr = freeAddr(t), freeAddr(t), freeAddr(t)
	mailHost, mailPort, _ := strings.Cut(s.mailAddr, ":")
	cfg := filepath.Join(tmp, "seuil.yaml")
	writeTestFile(t, cfg, fmt.Sprintf(`
server: {addr: %q, public_url: "http://%s", trusted_proxies: [127.0.0.1]%s}
log: {level: %s, format: text}
redis: {addrs: [%q]}
directory:
  ldap: {url: %s, bind_dn: %q, bind_password: %q, base_dn: %q, default_policy_dn: %q, mail_domain: univ-tours.fr}
students:
%smail:
  smtp: {host: %s, port: %s, tls: none, from: "Université <ne-pas-repondre@univ-tours.fr>"}
sms:
  wait: %s
  http:
    url: http://%s/send
    body: '{"to":{{.To | json}},"text":{{.Body | json}}}'
    content_type: application/json
    success: {json_field: status, json_values: [sent]}
oidc:
  secret: "0123456789abcdef0123456789abcdef-load"
  keys: [{file: %q}, {file: %q}]
%s`, s.addr, s.addr, pprofSetting(), envOr("SEUIL_LOAD_SERVE_LOG", "warn"), redisAddr, ldapSrv.URL, ldapSrv.ServiceDN, ldapSrv.ServicePassword, ldapSrv.PeopleDN, ldapSrv.PolicyDN,
		source, mailHost, mailPort, envOr("SEUIL_LOAD_SMS_WAIT", "250ms"), s.smsAddr, es, rs, clients))
	s.cmd = exec.Command(bin, "serve", "--config", cfg)
	s.cmd.Env = append(os.Environ(), env...)
	s.cmd.Stderr = s.stderr
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.cmd.Process.Signal(os.Interrupt); _ = s.cmd.Wait() })
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if resp, err := http.Get("http://" + s.addr + "/healthz"); err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("seuil serve did not start:\n%s", s.stderr.String())
		}
	}
	return s
}

// pprofSetting turns on serve's profiles at SEUIL_LOAD_PPROF (an
// address), to profile serve under a measurement's load.
func pprofSetting() string {
	if a := os.Getenv("SEUIL_LOAD_PPROF"); a != "" {
		return fmt.Sprintf(", metrics_addr: %q, pprof: true", a)
	}
	return ""
}

// procStatusMiB reads a memory line of /proc/PID/status (Linux), in MiB.
func procStatusMiB(pid int, field string) float64 {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(l, field+":"); ok {
			kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return float64(kb) / 1024
		}
	}
	return 0
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// activate makes the first n students' accounts (23000000T…), each
// with password, through the activation scenario.
func (s *served) activate(t *testing.T, n int, password string) {
	t.Helper()
	var out, errOut bytes.Buffer
	if code := runMain(context.Background(), []string{"--issuer", "http://" + s.addr, "--scenario", "activation",
		"--students", s.students, "--sms-sink", s.smsAddr, "--mail-sink", s.mailAddr, "--password", password, "--forwarded-for",
		"--concurrency", fmt.Sprint(min(n, 4)), "--requests", fmt.Sprint(n), "--warmup", "0", "--duration", "5m", "--json"}, &out, &errOut); code != 0 {
		t.Fatalf("activating %d accounts: %d\n%s\nserve:\n%s", n, code, errOut.String(), s.stderr.String())
	}
}

// TestLoginAgainstServe: whole sign-ins through the HTML form, each in a
// new browser, all from one address (a campus NAT), against `seuil
// serve` on redis-server and slapd ({ARGON2} passwords): the issue's
// "HTML-form login + code exchange" row, with the server's own CPU per
// sign-in (slapd's hashing is slapd's, not counted). Every sign-in must
// succeed: honest students of one address do not queue into "limited".
// SEUIL_LOAD_ACCOUNTS, SEUIL_LOAD_LOGINS, SEUIL_LOAD_CONCURRENCY and
// SEUIL_LOAD_ALGS (the ID tokens' algorithms, "RS256,ES256") make it a
// measurement; SEUIL_LOAD_SPREAD gives each sign-in its own address, and
// SEUIL_LOAD_PPROF serve's profiles.
func TestLoginAgainstServe(t *testing.T) {
	const secret, redirect, password = "login-load-secret-0123456789abcdef", "http://127.0.0.1:9/callback", "Qz-0123456789ab-Wx7"
	accounts, _ := strconv.Atoi(envOr("SEUIL_LOAD_ACCOUNTS", "40"))
	logins, concurrency := envOr("SEUIL_LOAD_LOGINS", "120"), envOr("SEUIL_LOAD_CONCURRENCY", "32")
	algs := strings.Split(envOr("SEUIL_LOAD_ALGS", "RS256,ES256"), ",")
	srv, file := accountsServe(t, accounts, algs, false, secret, redirect, password)
	t.Setenv("SEUIL_LOAD_CLIENT_SECRET", secret)
	addresses := "one address"
	if os.Getenv("SEUIL_LOAD_SPREAD") != "" {
		addresses = "an address each"
	}
	for _, alg := range algs {
		args := []string{"--issuer", "http://" + srv.addr, "--scenario", "login",
			"--client-id", "load-" + alg, "--redirect-uri", redirect, "--logins", file, "--password", password,
			"--concurrency", concurrency, "--requests", logins, "--warmup", "0", "--duration", "5m",
			"--server-pid", fmt.Sprint(srv.cmd.Process.Pid), "--json"}
		if os.Getenv("SEUIL_LOAD_SPREAD") != "" {
			args = append(args, "--forwarded-for") // an address each
		}
		want, _ := strconv.ParseUint(logins, 10, 64)
		r, _ := measure(t, args, want, srv.stderr)
		t.Logf("login, %s ID token, %s workers, %d accounts, %s: %.0f/s, p50 %.0f ms, p99 %.0f ms, max %.0f ms; server CPU %.2f ms per sign-in",
			alg, concurrency, accounts, addresses, r.Rate, r.P50, r.P99, r.Max, r.CPU)
	}
}

// accountsServe starts seuil serve with a client per ID token algorithm
// ("load-RS256"…; with refresh, offline_access and refresh_token too),
// flow starts unbounded, and n accounts activated with password; it
// returns it and a file of their logins (seuil-load --logins).
func accountsServe(t *testing.T, n int, algs []string, refresh bool, secret, redirect, password string) (*served, string) {
	t.Helper()
	scopes, grants := "[openid]", ""
	if refresh {
		scopes, grants = "[openid, offline_access]", ", grant_types: [authorization_code, refresh_token]"
	}
	var clients strings.Builder
	clients.WriteString("  clients:\n")
	// An algorithm named twice (ES256,ES256) is measured twice with one
	// client: a phase right after start, then one on a warm server.
	distinct := slices.Clone(algs)
	slices.Sort(distinct)
	for _, alg := range slices.Compact(distinct) {
		fmt.Fprintf(&clients, "    - {id: load-%s, secret: %q, redirect_uris: [%q], scopes: %s%s, id_token_signed_response_alg: %s}\n",
			alg, secret, redirect, scopes, grants, alg)
	}
	// Every sign-in parks a request: one address makes thousands here.
	clients.WriteString(flowStartsUnbounded)
	srv := startServe(t, n+4, clients.String())
	srv.activate(t, n, password)
	var list strings.Builder
	for i := range n {
		fmt.Fprintf(&list, "2300%04dT\n", i)
	}
	file := filepath.Join(t.TempDir(), "logins")
	writeTestFile(t, file, list.String())
	return srv, file
}

// flowStartsUnbounded lifts flow_start_per_ip (appended to startServe's
// clients, it closes the oidc section): a load of sign-ins from one
// address parks more requests than its burst of 1,000.
const flowStartsUnbounded = "limits:\n  flow_start_per_ip: {rate: 100000, per: 1h, burst: 100000}\n"

// measured is one scenario's figures, as seuil-load --json reports them.
type measured struct {
	Requests uint64            `json:"requests"`
	Errors   uint64            `json:"errors"`
	ByKind   map[string]uint64 `json:"errors_by_kind"`
	CPU      float64           `json:"server_cpu_ms_per_request"`
	Rate     float64           `json:"requests_per_second"`
	P50      float64           `json:"p50_ms"`
	P99      float64           `json:"p99_ms"`
	Max      float64           `json:"max_ms"`
	Phases   []struct {
		Name string  `json:"name"`
		P50  float64 `json:"p50_ms"`
	} `json:"phases"`
}

// measure runs seuil-load with args (one scenario, --json, --server-pid)
// and requires at least want iterations, no error, and the server's CPU.
// It returns the figures and the report as printed.
func measure(t *testing.T, args []string, want uint64, server fmt.Stringer) (measured, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	if code := runMain(context.Background(), args, &out, &errOut); code != 0 {
		t.Fatalf("seuil-load %s: %d\n%s\nserver:\n%s", strings.Join(args, " "), code, errOut.String(), server)
	}
	var rep struct{ Results []measured }
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil || len(rep.Results) != 1 {
		t.Fatalf("report: %v\n%s", err, out.String())
	}
	r := rep.Results[0]
	if r.Requests < want || r.Errors != 0 || r.CPU <= 0 {
		t.Fatalf("%d iterations, %d errors %v, %.3f ms of server CPU each:\n%s\nserver:\n%s", r.Requests, r.Errors, r.ByKind, r.CPU, out.String(), server)
	}
	return r, out.String()
}

// TestRefreshCPUAgainstServe: refreshes with rotation against `seuil
// serve` (redis-server, slapd), the server's own CPU measured apart from
// the tool's, for an ES256 and an RS256 client: the refresh scenario's
// figure for "refresh per provider CPU-second". The account is one the
// activation scenario made, with the password given to it.
// SEUIL_LOAD_REFRESHES sets the count (default 300).
func TestRefreshCPUAgainstServe(t *testing.T) {
	const secret, redirect, password = "refresh-load-secret-0123456789abcdef", "http://127.0.0.1:9/callback", "Qz-0123456789ab-Wx7"
	algs := []string{"ES256", "RS256"}
	srv, _ := accountsServe(t, 1, algs, true, secret, redirect, password)
	refreshes := envOr("SEUIL_LOAD_REFRESHES", "300")
	want, _ := strconv.ParseUint(refreshes, 10, 64)
	t.Setenv("SEUIL_LOAD_CLIENT_SECRET", secret)
	for _, alg := range algs {
		r, _ := measure(t, []string{"--issuer", "http://" + srv.addr, "--scenario", "refresh",
			"--client-id", "load-" + alg, "--client-secret", secret, "--redirect-uri", redirect,
			"--username", "23000000T", "--password", password, "--concurrency", "4", "--requests", refreshes,
			"--warmup", "0", "--duration", "5m", "--server-pid", fmt.Sprint(srv.cmd.Process.Pid), "--json"}, want, srv.stderr)
		t.Logf("refresh, %s ID token: %.0f per server CPU-second (%.2f ms each), %.0f/s with the tool on the same cores",
			alg, 1000/r.CPU, r.CPU, r.Rate)
	}
}
