// Seuil's OpenID provider driven by an independent, certified relying
// party library: panva's openid-client (v6). It starts `seuil demo` with
// three extra clients (client_secret_basic, client_secret_post, public +
// PKCE) and, for each, walks the code flow headlessly (fetch + a cookie
// jar, see browser.mjs), then refresh, introspection, revocation,
// RP-initiated logout and prompt=none. Each check prints "ok  ..."; the
// first failure stops the process with a message and exit status 1.
//
//   cd idp/provider/interop && npm ci && node rp.mjs
//
// SEUIL_BIN=path uses a binary built beforehand; SEUIL_LOG=1 shows the
// demo's log.
import * as oidc from "openid-client";
import { createRemoteJWKSet, jwtVerify } from "jose";
import { createHash } from "node:crypto";
import { Browser, forms } from "./browser.mjs";
import { startDemo, clients } from "./demo.mjs";

export const account = { login: "22019999T", password: "Lanterne-Bleue-2026" };

export function ok(msg) { console.log(`ok  ${msg}`); }
export function fail(msg) { throw new Error(msg); }
export function assert(cond, msg) { if (!cond) fail(msg); }

// rejects runs fn and returns the OAuth error it must fail with.
export async function rejects(fn, what) {
  try { await fn(); } catch (e) {
    if (e instanceof oidc.ResponseBodyError || e instanceof oidc.AuthorizationResponseError) return e.error;
    // A 401 to HTTP Basic carries the Basic challenge (RFC 6749 §5.2),
    // which the library raises as such: the body still says why.
    if (e instanceof oidc.WWWAuthenticateChallengeError && e.cause?.[0]?.scheme === "basic") {
      return (await e.response.json()).error;
    }
    throw new Error(`${what}: unexpected ${e.name}: ${e.message}`, { cause: e });
  }
  return fail(`${what}: succeeded, must fail`);
}

// discover configures the library for one client, with its auth method.
export async function discover(issuer, c) {
  const auth = c.auth === "client_secret_post" ? oidc.ClientSecretPost(c.secret)
    : c.auth === "none" ? oidc.None() : oidc.ClientSecretBasic(c.secret);
  const config = await oidc.discovery(new URL(issuer), c.id, c.secret ? undefined : { seuilPublic: true }, auth,
    { execute: [oidc.allowInsecureRequests] });
  oidc.enableNonRepudiationChecks(config); // the library checks ID token signatures against jwks_uri
  return config;
}

// authorize builds an authorization URL (PKCE S256, state, nonce) and
// walks the browser through it, signing in when the login form shows.
export async function authorize(config, browser, rp, extra = {}) {
  const checks = { pkceCodeVerifier: oidc.randomPKCECodeVerifier(), expectedState: oidc.randomState(),
    expectedNonce: oidc.randomNonce(), idTokenExpected: true };
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: `${rp}/cb`, scope: "openid profile email offline_access",
    code_challenge: await oidc.calculatePKCECodeChallenge(checks.pkceCodeVerifier), code_challenge_method: "S256",
    state: checks.expectedState, nonce: checks.expectedNonce, ...extra,
  });
  let step = await browser.go(url.href);
  const signedIn = !step.rp && forms(step.html || "").some((f) => "password" in f.inputs);
  if (signedIn) step = await browser.submit(step, account);
  return { step, checks, signedIn };
}

// idTokenChecks verifies the ID token a second time, independently of
// openid-client: signature against the JWKS, iss, aud, nonce, at_hash.
export async function idTokenChecks(config, tokens, nonce) {
  const md = config.serverMetadata();
  const { payload, protectedHeader } = await jwtVerify(tokens.id_token, createRemoteJWKSet(new URL(md.jwks_uri)),
    { issuer: md.issuer, audience: config.clientMetadata().client_id });
  assert(payload.nonce === nonce, "ID token nonce differs");
  assert(protectedHeader.kid, "ID token header has no kid");
  const bits = { ES256: "sha256", RS256: "sha256", PS256: "sha256", ES384: "sha384", RS384: "sha384" }[protectedHeader.alg];
  const digest = createHash(bits).update(tokens.access_token).digest();
  const want = digest.subarray(0, digest.length / 2).toString("base64url");
  assert(payload.at_hash === want, `at_hash ${payload.at_hash}, want ${want}`);
  return payload;
}

async function main() {
  const demo = await startDemo();
  try {
    const { discoveryChecks } = await import("./discovery.mjs");
    const { flowChecks } = await import("./flow.mjs");
    await discoveryChecks(demo.issuer);
    for (const c of clients) await flowChecks(demo, c);
    console.log("all interop checks passed");
  } finally {
    demo.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((e) => {
    console.error(`FAIL ${e.message}`);
    if (e.cause) console.error(e.cause);
    process.exitCode = 1;
  });
}
