package main

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestSideBySideWithDex measures Seuil and Dex on the same slapd, the same
// accounts ({ARGON2} hashes, made by Seuil's activation) and the same load
// tool, their phases interleaved: HTML-form sign-ins with a code exchange
// (a new browser each, from one address), then refreshes with rotation,
// each server's own CPU measured apart. Dex keeps its state in memory (its
// lightest storage), Seuil in redis-server; Dex signs RS256, so Seuil is
// measured with RS256 and with ES256 ID tokens.
//
// It runs only when SEUIL_LOAD_DEX names a dex binary (v2.45.1 for the
// README's figures; cmd/seuil-load/README.md says how to build one).
// SEUIL_LOAD_LOGINS, SEUIL_LOAD_REFRESHES and SEUIL_LOAD_ROUNDS size it;
// SEUIL_LOAD_CONCURRENCIES lists the sign-in phases' worker counts (32
// unless set, e.g. 1,8,32,64: a tail is only "under Dex's" if it is at
// every load).
func TestSideBySideWithDex(t *testing.T) {
	dex := os.Getenv("SEUIL_LOAD_DEX")
	if dex == "" {
		t.Skip("SEUIL_LOAD_DEX names no dex binary")
	}
	const secret, redirect, password = "side-by-side-secret-0123456789abcdef", "http://127.0.0.1:9/callback", "Qz-0123456789ab-Wx7"
	const accounts = 40
	logins, _ := strconv.ParseUint(envOr("SEUIL_LOAD_LOGINS", "600"), 10, 64)
	refreshes, _ := strconv.ParseUint(envOr("SEUIL_LOAD_REFRESHES", "2000"), 10, 64)
	rounds, _ := strconv.Atoi(envOr("SEUIL_LOAD_ROUNDS", "2"))
	concurrencies := strings.Split(envOr("SEUIL_LOAD_CONCURRENCIES", "32"), ",")
	srv, file := accountsServe(t, accounts, []string{"RS256", "ES256"}, true, secret, redirect, password)

	dexAddr := freeAddr(t)
	dexIssuer := "http://" + dexAddr + "/dex"
	cfg := filepath.Join(t.TempDir(), "dex.yaml")
	writeTestFile(t, cfg, fmt.Sprintf(`issuer: %s
storage: {type: memory}
web: {http: %q}
logger: {level: warn}
oauth2: {skipApprovalScreen: true, responseTypes: [code]}
staticClients:
  - {id: load, secret: %q, name: load, redirectURIs: [%q]}
connectors:
  - type: ldap
    id: ldap
    name: LDAP
    config:
      host: %s
      insecureNoSSL: true
      bindDN: %q
      bindPW: %q
      usernamePrompt: Identifiant
      userSearch: {baseDN: %q, filter: "(objectClass=inetOrgPerson)", username: uid, idAttr: uid, emailAttr: eduPersonPrincipalName, nameAttr: cn}
`, dexIssuer, dexAddr, secret, redirect, strings.TrimPrefix(srv.ldapURL, "ldap://"), srv.ldapServiceDN, srv.ldapServicePassword, srv.ldapPeopleDN))
	dexErr := &bytes.Buffer{}
	cmd := exec.Command(dex, "serve", cfg)
	cmd.Stderr, cmd.Stdout = dexErr, dexErr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if resp, err := http.Get(dexIssuer + "/.well-known/openid-configuration"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("dex did not start:\n%s", dexErr)
		}
	}

	type target struct {
		name, issuer, client string
		pid                  int
		log                  fmt.Stringer
	}
	targets := []target{
		{"Dex (RS256)", dexIssuer, "load", cmd.Process.Pid, dexErr},
		{"Seuil (RS256)", "http://" + srv.addr, "load-RS256", srv.cmd.Process.Pid, srv.stderr},
		{"Seuil (ES256)", "http://" + srv.addr, "load-ES256", srv.cmd.Process.Pid, srv.stderr},
	}
	t.Setenv("SEUIL_LOAD_CLIENT_SECRET", secret)
	for round := 1; round <= rounds; round++ {
		for _, tg := range targets {
			common := []string{"--issuer", tg.issuer, "--client-id", tg.client, "--redirect-uri", redirect,
				"--password", password, "--warmup", "0", "--duration", "5m", "--server-pid", strconv.Itoa(tg.pid), "--json"}
			for _, c := range concurrencies {
				login, _ := measure(t, append([]string{"--scenario", "login", "--logins", file, "--concurrency", c,
					"--requests", strconv.FormatUint(logins, 10)}, common...), logins, tg.log)
				t.Logf("round %d, %s: login c=%s %.0f/s, p50 %.0f ms, p99 %.0f ms, max %.0f ms, %.2f ms of its CPU each",
					round, tg.name, c, login.Rate, login.P50, login.P99, login.Max, login.CPU)
			}
			refresh, _ := measure(t, append([]string{"--scenario", "refresh", "--username", "23000000T", "--logins", file, "--concurrency", "4",
				"--requests", strconv.FormatUint(refreshes, 10)}, common...), refreshes, tg.log)
			t.Logf("round %d, %s: refresh c=4 %.0f/s, %.0f per its CPU-second (%.2f ms each)",
				round, tg.name, refresh.Rate, 1000/refresh.CPU, refresh.CPU)
		}
	}
}
