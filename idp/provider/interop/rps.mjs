// Real relying parties against `seuil demo`, signed in through Chromium as
// a student would: Apache httpd with mod_auth_openidc (Debian packages
// apache2, libapache2-mod-auth-openidc), oauth2-proxy (built by .ci/deps
// into .ci/bin) and a single-page app with a public client that exchanges
// its code from the browser (CORS). Each is started here on free loopback
// ports; each check prints "ok  ..."; the first failure exits 1.
//
//   cd idp/provider/interop && npm ci && node rps.mjs
import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { freePort, startDemo } from "./demo.mjs";
import { account, assert, ok } from "./rp.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const secret = "relying-party-secret-0123456789abcdef";
const stops = [];

function run(cmd, args, opts = {}) {
  const proc = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"], ...opts });
  let log = "";
  proc.stdout.on("data", (d) => { log += d; });
  proc.stderr.on("data", (d) => { log += d; });
  stops.push(() => proc.kill());
  return { proc, log: () => log };
}

async function waitFor(url, what, logs) {
  for (let i = 0; i < 100; i++) {
    try { await fetch(url, { redirect: "manual" }); return; } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not start:\n${logs?.() ?? ""}`);
}

// signIn fills Seuil's sign-in page by its French labels.
async function signIn(page) {
  await page.getByLabel("Identifiant").fill(account.login);
  await page.getByLabel("Mot de passe").fill(account.password);
  await page.getByRole("button", { name: "Se connecter" }).click();
}

// apache writes a minimal httpd configuration with mod_auth_openidc
// protecting /protected, where a CGI script prints what Apache knows.
async function apache(issuer, port) {
  const dir = mkdtempSync(path.join(os.tmpdir(), "seuil-apache-"));
  chmodSync(dir, 0o755);
  const mods = "/usr/lib/apache2/modules";
  writeFileSync(path.join(dir, "whoami.cgi"), `#!/bin/sh
printf 'Content-Type: text/plain\\n\\n'
echo "REMOTE_USER=$REMOTE_USER"
echo "EMAIL=$OIDC_CLAIM_email"
echo "SUPANN=$OIDC_CLAIM_supannEtuId"
`, { mode: 0o755 });
  writeFileSync(path.join(dir, "bye.html"), "<!doctype html><title>bye</title><p>signed out of the Apache app</p>\n", { mode: 0o644 });
  const base = `http://127.0.0.1:${port}`;
  writeFileSync(path.join(dir, "httpd.conf"), `ServerRoot ${dir}
ServerName 127.0.0.1
Listen 127.0.0.1:${port}
PidFile ${dir}/httpd.pid
ErrorLog ${dir}/error.log
LogLevel warn auth_openidc:info
User nobody
Group nogroup
LoadModule mpm_prefork_module ${mods}/mod_mpm_prefork.so
LoadModule authn_core_module ${mods}/mod_authn_core.so
LoadModule authz_core_module ${mods}/mod_authz_core.so
LoadModule authz_user_module ${mods}/mod_authz_user.so
LoadModule alias_module ${mods}/mod_alias.so
LoadModule cgi_module ${mods}/mod_cgi.so
LoadModule auth_openidc_module ${mods}/mod_auth_openidc.so
DocumentRoot ${dir}
<Directory ${dir}>
  Require all granted
</Directory>
ScriptAlias /protected/whoami ${dir}/whoami.cgi
Alias /bye ${dir}/bye.html
OIDCProviderMetadataURL ${issuer}/.well-known/openid-configuration
OIDCClientID apache
OIDCClientSecret ${secret}
OIDCRedirectURI ${base}/protected/redirect_uri
OIDCCryptoPassphrase apache-crypto-passphrase-0123456789
OIDCScope "openid profile email"
OIDCRemoteUserClaim preferred_username
OIDCPKCEMethod S256
OIDCCacheType shm
<Location /protected>
  AuthType openid-connect
  Require valid-user
</Location>
`);
  const httpd = run("/usr/sbin/apache2", ["-X", "-f", path.join(dir, "httpd.conf")], { env: { ...process.env, APACHE_LOG_DIR: dir } });
  stops.push(() => rmSync(dir, { recursive: true, force: true }));
  await waitFor(base + "/bye", "apache", () => httpd.log() + (existsSync(`${dir}/error.log`) ? readFileSync(`${dir}/error.log`, "utf8") : ""));
  return { base, error: () => readFileSync(`${dir}/error.log`, "utf8") };
}

async function apacheChecks(browser, issuer, a) {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await page.goto(a.base + "/protected/whoami");
  assert(page.url().startsWith(issuer), `apache: not sent to Seuil (${page.url()})`);
  await signIn(page);
  await page.waitForURL(a.base + "/protected/whoami");
  let text = await page.locator("body").innerText();
  assert(text.includes(`REMOTE_USER=${account.login}`), `apache: REMOTE_USER: ${text}\n${a.error()}`);
  assert(/EMAIL=\S+@/.test(text) && text.includes("SUPANN=22019999"), `apache: claims: ${text}`);
  ok("apache + mod_auth_openidc: signed in through Seuil's page, REMOTE_USER is the login (preferred_username), claims passed");
  await page.goto(a.base + "/protected/whoami");
  assert(page.url() === a.base + "/protected/whoami", "apache: session not reused");
  ok("apache: the session is reused (no new round trip to Seuil)");
  await page.goto(`${a.base}/protected/redirect_uri?logout=${encodeURIComponent(a.base + "/bye")}`);
  await page.waitForURL(a.base + "/bye");
  await page.goto(a.base + "/protected/whoami");
  assert(page.url().startsWith(issuer) && (await page.getByLabel("Mot de passe").count()) === 1,
    `apache: after logout, not asked to sign in again (${page.url()})`);
  ok("apache: RP-initiated logout ends the Seuil session too (id_token_hint, post_logout_redirect_uri)");
  await ctx.close();
}

// upstream echoes the headers oauth2-proxy passes.
async function upstream(port) {
  const srv = http.createServer((req, res) => {
    res.setHeader("Content-Type", "application/json");
    res.end(JSON.stringify({ user: req.headers["x-forwarded-user"], email: req.headers["x-forwarded-email"],
      preferred: req.headers["x-forwarded-preferred-username"], token: req.headers["x-forwarded-access-token"] }));
  });
  await new Promise((r) => srv.listen(port, "127.0.0.1", r));
  stops.push(() => srv.close());
}

async function oauth2Proxy(issuer, port, upPort) {
  const bin = path.join(root, ".ci", "bin", "oauth2-proxy");
  assert(existsSync(bin), "oauth2-proxy is not built (bash .ci/deps)");
  const base = `http://127.0.0.1:${port}`;
  const p = run(bin, [
    "--provider=oidc", `--oidc-issuer-url=${issuer}`, "--client-id=oauth2-proxy", `--client-secret=${secret}`,
    `--redirect-url=${base}/oauth2/callback`, `--http-address=127.0.0.1:${port}`, `--upstream=http://127.0.0.1:${upPort}/`,
    "--cookie-secret=0123456789abcdef0123456789abcdef", "--cookie-secure=false", "--email-domain=*",
    "--code-challenge-method=S256", "--scope=openid profile email offline_access", "--skip-provider-button=true",
    "--pass-access-token=true", "--pass-user-headers=true", "--cookie-refresh=3s",
    // Seuil has no email_verified: the address comes from the student record.
    "--insecure-oidc-allow-unverified-email=true",
    `--backend-logout-url=${issuer}/oauth2/logout?id_token_hint={id_token}`,
  ]);
  await waitFor(base + "/ping", "oauth2-proxy", p.log);
  return { base, log: p.log };
}

async function oauth2ProxyChecks(browser, issuer, o) {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await page.goto(o.base + "/");
  assert(page.url().startsWith(issuer), `oauth2-proxy: not sent to Seuil (${page.url()})\n${o.log()}`);
  await signIn(page);
  await page.waitForURL(o.base + "/");
  const first = JSON.parse(await page.locator("body").innerText());
  // X-Forwarded-User is sub (opaque); the login is preferred_username.
  assert(first.user && first.user !== account.login && first.preferred === account.login && first.email?.includes("@") && first.token,
    `oauth2-proxy: upstream headers ${JSON.stringify(first)}\n${o.log()}`);
  ok("oauth2-proxy: signed in through Seuil, upstream gets X-Forwarded-Preferred-Username (the login), -User (sub), -Email, -Access-Token");
  await new Promise((r) => setTimeout(r, 4000)); // past --cookie-refresh
  await page.goto(o.base + "/");
  const second = JSON.parse(await page.locator("body").innerText());
  assert(second.preferred === account.login && second.token && second.token !== first.token,
    `oauth2-proxy: no refresh after --cookie-refresh (same access token)\n${o.log()}`);
  ok("oauth2-proxy: --cookie-refresh refreshes the tokens at Seuil (a new access token upstream)");
  await page.goto(o.base + "/oauth2/sign_out");
  await page.goto(o.base + "/");
  assert(page.url().startsWith(issuer) && (await page.getByLabel("Mot de passe").count()) === 1,
    `oauth2-proxy: after sign_out, the Seuil session lives on (${page.url()})\n${o.log()}`);
  ok("oauth2-proxy: sign_out's server-side backend logout (id_token_hint, no cookie) ends the Seuil session");
  await ctx.close();
}

// spa serves a page that runs the code flow itself: PKCE, the code
// exchanged with fetch (CORS), then userinfo with the access token.
async function spa(issuer, port) {
  const base = `http://127.0.0.1:${port}`;
  const page = `<!doctype html><meta charset="utf-8"><title>SPA</title><pre id="out">…</pre><script type="module">
const issuer = ${JSON.stringify(issuer)}, client_id = "spa", redirect_uri = ${JSON.stringify(base + "/cb")};
const b64 = (buf) => btoa(String.fromCharCode(...new Uint8Array(buf))).replace(/\\+/g, "-").replace(/\\//g, "_").replace(/=+$/, "");
const out = document.getElementById("out");
const md = await (await fetch(issuer + "/.well-known/openid-configuration")).json();
const q = new URLSearchParams(location.search);
if (location.pathname !== "/cb") {
  const verifier = b64(crypto.getRandomValues(new Uint8Array(32)));
  sessionStorage.verifier = verifier;
  const challenge = b64(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
  location = md.authorization_endpoint + "?" + new URLSearchParams({ client_id, redirect_uri, response_type: "code",
    scope: "openid profile", code_challenge: challenge, code_challenge_method: "S256" });
} else {
  try {
    if (q.get("iss") !== md.issuer) throw new Error("iss " + q.get("iss"));
    const tok = await (await fetch(md.token_endpoint, { method: "POST", body: new URLSearchParams({ grant_type: "authorization_code",
      code: q.get("code"), redirect_uri, client_id, code_verifier: sessionStorage.verifier }) })).json();
    const ui = await (await fetch(md.userinfo_endpoint, { headers: { Authorization: "Bearer " + tok.access_token } })).json();
    out.textContent = "SIGNED IN " + ui.preferred_username;
  } catch (e) { out.textContent = "FAILED " + e; }
}
</script>`;
  const srv = http.createServer((req, res) => { res.setHeader("Content-Type", "text/html"); res.end(page); });
  await new Promise((r) => srv.listen(port, "127.0.0.1", r));
  stops.push(() => srv.close());
  return { base };
}

async function spaChecks(browser, issuer, s) {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await page.goto(s.base + "/");
  await page.waitForURL((u) => u.href.startsWith(issuer));
  await signIn(page);
  await page.waitForURL((u) => u.href.startsWith(s.base + "/cb"));
  await page.locator("#out").filter({ hasText: /SIGNED IN|FAILED/ }).waitFor();
  const text = await page.locator("#out").innerText();
  assert(text === `SIGNED IN ${account.login}`, `spa: ${text}`);
  ok("single-page app: public client, code exchanged and userinfo read from the browser (CORS from its redirect URI's origin)");
  await ctx.close();
}

async function main() {
  const [pa, po, pu, ps] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const demo = await startDemo([
    "    - id: apache", `      secret: "${secret}"`, `      redirect_uris: ["http://127.0.0.1:${pa}/protected/redirect_uri"]`,
    `      post_logout_redirect_uris: ["http://127.0.0.1:${pa}/bye"]`,
    "      claims: {supannEtuId: student_id}",
    "    - id: oauth2-proxy", `      secret: "${secret}"`, `      redirect_uris: ["http://127.0.0.1:${po}/oauth2/callback"]`,
    "      scopes: [openid, profile, email, offline_access]",
    "    - id: spa", "      public: true", `      redirect_uris: ["http://127.0.0.1:${ps}/cb"]`, "      scopes: [openid, profile]",
  ]);
  stops.push(demo.stop);
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"] });
  stops.push(() => browser.close());
  await apacheChecks(browser, demo.issuer, await apache(demo.issuer, pa));
  await upstream(pu);
  await oauth2ProxyChecks(browser, demo.issuer, await oauth2Proxy(demo.issuer, po, pu));
  await spaChecks(browser, demo.issuer, await spa(demo.issuer, ps));
  console.log("all relying-party checks passed");
}

main().catch((e) => {
  console.error(`FAIL ${e.message}`);
  process.exitCode = 1;
}).finally(async () => {
  for (const stop of stops.reverse()) {
    try { await stop(); } catch {}
  }
});
