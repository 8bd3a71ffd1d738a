package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// demo is `seuil demo` built from this tree and run as a process, with an
// extra client "loadtest" that, unlike the demo's pjweb, may not ask for
// offline_access (so no refresh token).
type demo struct {
	issuer, rpAddr, dataDir string
	login, password         string
}

const loadtestSecret = "loadtest-secret-0123456789abcdefghij"

var signInLineRE = regexp.MustCompile(`login (\S+), password (\S+)`)

func startDemo(t *testing.T) *demo {
	t.Helper()
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "seuil")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/seuil-idp/seuil/cmd/seuil").CombinedOutput(); err != nil {
		t.Fatalf("building seuil: %v\n%s", err, out)
	}
	d := &demo{dataDir: filepath.Join(tmp, "data"), rpAddr: freeAddr(t)}
	addr := freeAddr(t)
	d.issuer = "http://" + addr
	writeTestFile(t, filepath.Join(tmp, "loadtest-secret"), loadtestSecret)
	writeTestFile(t, filepath.Join(tmp, "extra.yaml"), fmt.Sprintf(`oidc:
  clients:
    - id: loadtest
      secret_file: %s
      redirect_uris: ["http://127.0.0.1:9/callback"]
      scopes: [openid]
`, filepath.Join(tmp, "loadtest-secret")))
	cmd := exec.Command(bin, "demo", "--addr", addr, "--rp-addr", d.rpAddr, "--data", d.dataDir,
		"--config", filepath.Join(tmp, "extra.yaml"))
	stdout, _ := cmd.StdoutPipe()
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Signal(os.Interrupt); _ = cmd.Wait() })
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if m := signInLineRE.FindStringSubmatch(sc.Text()); m != nil {
			d.login, d.password = m[1], m[2]
			break
		}
	}
	if d.login == "" {
		t.Fatalf("seuil demo printed no pre-activated login; stderr:\n%s", stderr.String())
	}
	waitReady(t, discoveryURL(d.issuer), &stderr)
	return d
}

func (d *demo) args(client, secret, redirect, scenario string, extra ...string) []string {
	return append([]string{"--issuer", d.issuer, "--client-id", client, "--client-secret", secret,
		"--redirect-uri", redirect, "--username", d.login, "--password", d.password,
		"--scenario", scenario, "--warmup", "0s", "--concurrency", "2", "--json"}, extra...)
}

func (d *demo) pjweb(t *testing.T, scenario string, extra ...string) []string {
	secret, err := os.ReadFile(filepath.Join(d.dataDir, "pjweb-secret"))
	if err != nil {
		t.Fatal(err)
	}
	return d.args("pjweb", strings.TrimSpace(string(secret)), "http://"+d.rpAddr+"/callback", scenario, extra...)
}

func (d *demo) loadtest(scenario string, extra ...string) []string {
	return d.args("loadtest", loadtestSecret, "http://127.0.0.1:9/callback", scenario, extra...)
}

// runLoad runs the command and returns its results.
func runLoad(ctx context.Context, t *testing.T, args []string) []result {
	t.Helper()
	var out, errOut strings.Builder
	if code := runMain(ctx, args, &out, &errOut); code != 0 {
		t.Fatalf("seuil-load %s: exit %d\n%s", strings.Join(args, " "), code, errOut.String())
	}
	var doc struct{ Results []result }
	if err := json.Unmarshal([]byte(out.String()), &doc); err != nil {
		t.Fatalf("--json output: %v\n%s", err, out.String())
	}
	return doc.Results
}

func TestEveryScenarioAgainstSeuilDemo(t *testing.T) {
	d := startDemo(t)
	ctx := context.Background()
	rs := runLoad(ctx, t, d.pjweb(t, "discovery,jwks,authorize-session,code,login,userinfo,refresh", "--duration", "1s"))
	if want := len(oidcScenarios()); len(rs) != want {
		t.Fatalf("%d results, want %d", len(rs), want)
	}
	for _, r := range rs {
		if r.Requests == 0 || r.ErrorCount != 0 || r.P50 <= 0 || r.Max < r.P99 || r.Concurrency != 2 || r.CPUs < 1 {
			t.Errorf("%s: %+v", r.Scenario, r)
		}
		t.Logf("%s: %.0f req/s, p50 %.2fms, p99 %.2fms", r.Scenario, r.PerSecond, r.P50, r.P99)
	}

	t.Run("--requests bounds a run", func(t *testing.T) {
		r := runLoad(ctx, t, d.pjweb(t, "jwks", "--requests", "50", "--duration", "1m"))[0]
		if r.Requests < 50 || r.Requests >= 52 || r.Seconds > 30 {
			t.Errorf("requests %d in %.1fs, want 50 (at most one more per worker)", r.Requests, r.Seconds)
		}
	})
	t.Run("an interrupt stops early and reports", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
		defer cancel()
		r := runLoad(ctx, t, d.pjweb(t, "discovery,jwks", "--duration", "1m"))
		if len(r) != 1 || !r[0].Interrupted || r[0].Requests == 0 || r[0].Seconds > 5 {
			t.Errorf("results %+v, want discovery alone, interrupted, with requests", r)
		}
	})
	t.Run("refresh says why without offline_access", func(t *testing.T) {
		var errOut strings.Builder
		code := runMain(ctx, d.loadtest("refresh", "--duration", "1s"), io.Discard, &errOut)
		if code != 1 || !strings.Contains(errOut.String(), "no refresh_token") {
			t.Errorf("exit %d, stderr %q", code, errOut.String())
		}
	})
	t.Run("a wrong password is reported at sign-in", func(t *testing.T) {
		args := d.pjweb(t, "authorize-session", "--duration", "1s")
		args = append(args, "--password", "not-"+d.password)
		var errOut strings.Builder
		if code := runMain(ctx, args, io.Discard, &errOut); code != 1 || !strings.Contains(errOut.String(), "sign-in as") {
			t.Errorf("exit %d, stderr %q", code, errOut.String())
		}
	})
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func waitReady(t *testing.T, u string, stderr fmt.Stringer) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if resp, err := http.Get(u); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
	}
	t.Fatalf("%s never answered; stderr:\n%s", u, stderr)
}

func writeTestFile(t *testing.T, path, data string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
}
