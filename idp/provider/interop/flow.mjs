// One client's walk: code flow, userinfo, refresh rotation, introspection,
// revocation, SSO with prompt=none, form_post, logout, then login_required.
import * as oidc from "openid-client";
import { Browser } from "./browser.mjs";
import { ok, fail, assert, rejects, discover, authorize, idTokenChecks } from "./rp.mjs";

export async function flowChecks(demo, c) {
  const tag = `[${c.id} ${c.auth}]`;
  const config = await discover(demo.issuer, c);
  if (c.secret) {
    const wrong = await discover(demo.issuer, { ...c, secret: c.secret.replace(/.$/, "!") });
    const e = await rejects(() => oidc.refreshTokenGrant(wrong, "any-refresh-token"), `${tag} wrong secret`);
    assert(e === "invalid_client", `${tag} wrong secret: ${e}, want invalid_client`);
    ok(`${tag} a wrong client secret is invalid_client`);
  }
  const browser = new Browser(demo.rp);
  const { step, checks } = await authorize(config, browser, demo.rp);
  if (!step.rp) fail(`${tag} sign-in did not come back to the callback (at ${step.url}, ${step.res.status})`);
  const tokens = await oidc.authorizationCodeGrant(config, step.rp, checks);
  const claims = tokens.claims();
  assert(claims && claims.sub, `${tag} no ID token claims`);
  ok(`${tag} code flow with PKCE S256, state, nonce; ID token validated by openid-client`);
  await idTokenChecks(config, tokens, checks.expectedNonce);
  ok(`${tag} ID token: signature (JWKS), iss, aud, nonce, at_hash`);

  const ui = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
  assert(ui.preferred_username === "22019999T", `${tag} userinfo preferred_username ${ui.preferred_username}`);
  ok(`${tag} userinfo (sub matches, preferred_username ${ui.preferred_username})`);

  assert(tokens.refresh_token, `${tag} no refresh token for offline_access`);
  const fresh = await oidc.refreshTokenGrant(config, tokens.refresh_token);
  assert(fresh.refresh_token && fresh.refresh_token !== tokens.refresh_token, `${tag} refresh token not rotated`);
  if (fresh.id_token) assert(fresh.claims().sub === claims.sub, `${tag} refreshed ID token sub differs`);
  await introspect(config, fresh, claims.sub, tag);
  const reuse = await rejects(() => oidc.refreshTokenGrant(config, tokens.refresh_token), `${tag} old refresh token`);
  assert(reuse === "invalid_grant", `${tag} old refresh token: ${reuse}, want invalid_grant`);
  // Replaying a rotated refresh token revokes its whole family (OAuth 2.0
  // Security BCP 4.14): the rotated refresh token stops working too.
  const family = await rejects(() => oidc.refreshTokenGrant(config, fresh.refresh_token), `${tag} family after replay`);
  assert(family === "invalid_grant", `${tag} rotated token after replay: ${family}`);
  ok(`${tag} refresh rotates; the old refresh token fails (invalid_grant) and revokes the family`);

  const second = await oidc.refreshTokenGrant(config, (await signIn(config, browser, demo, tag)).refresh_token);
  await revoke(config, second, tag);
  await formPost(config, browser, demo, tag);

  // SSO: the browser's session answers prompt=none without a sign-in.
  const again = await signIn(config, browser, demo, tag);
  assert(again.claims().sub === claims.sub, `${tag} SSO sub differs`);
  ok(`${tag} prompt=none with a session: a code, same sub`);

  // max_age=0 asks for a new sign-in (like prompt=login); the library
  // then requires auth_time in the ID token.
  const re = await authorize(config, browser, demo.rp, { max_age: "0" });
  assert(re.step.rp && re.signedIn, `${tag} max_age=0 did not ask for a sign-in (${re.step.rp || re.step.res.status})`);
  const reTokens = await oidc.authorizationCodeGrant(config, re.step.rp, { ...re.checks, maxAge: 0 });
  assert(reTokens.claims().auth_time >= claims.auth_time, `${tag} max_age=0: auth_time`);
  ok(`${tag} max_age=0: a new sign-in, auth_time checked by openid-client`);

  // Logout with id_token_hint ends the session at once; with client_id
  // only (the public client here) the user confirms with a button.
  const hinted = !config.clientMetadata().seuilPublic;
  const end = oidc.buildEndSessionUrl(config, { ...(hinted ? { id_token_hint: reTokens.id_token } : {}),
    post_logout_redirect_uri: `${demo.rp}/`, state: "bye-" + c.id });
  let out = await browser.go(end.href);
  if (!hinted) {
    assert(!out.rp && out.res.status === 200, `${tag} logout without a hint: no confirmation page (${out.rp || out.res.status})`);
    out = await browser.submit(out, {}, "/oauth2/logout");
  }
  assert(out.rp, `${tag} logout did not redirect to post_logout_redirect_uri (status ${out.res.status})`);
  assert(out.rp.searchParams.get("state") === "bye-" + c.id, `${tag} logout state not echoed: ${out.rp}`);
  ok(`${tag} RP-initiated logout (${hinted ? "id_token_hint" : "client_id, confirmed"}, post_logout_redirect_uri, state)`);

  const after = await authorize(config, browser, demo.rp, { prompt: "none" });
  assert(after.step.rp, `${tag} prompt=none after logout: no redirect to the callback`);
  const err = await rejects(() => oidc.authorizationCodeGrant(config, after.step.rp, after.checks), `${tag} prompt=none after logout`);
  assert(err === "login_required", `${tag} prompt=none after logout: ${err}, want login_required`);
  ok(`${tag} prompt=none after logout: login_required`);
}

async function introspect(config, t, sub, tag) {
  if (config.clientMetadata().seuilPublic) {
    // A public client has no credentials to introspect with; Seuil refuses it.
    const e = await rejects(() => oidc.tokenIntrospection(config, t.access_token), `${tag} public introspection`);
    assert(e === "invalid_client", `${tag} public introspection: ${e}, want invalid_client`);
    ok(`${tag} introspection refused to a public client (invalid_client)`);
    return;
  }
  const at = await oidc.tokenIntrospection(config, t.access_token);
  assert(at.active === true && at.sub === sub && at.client_id === config.clientMetadata().client_id,
    `${tag} introspection of the access token: ${JSON.stringify(at)}`);
  ok(`${tag} introspection: active, sub, client_id`);
}

// signIn gets fresh tokens from the browser's session (prompt=none).
async function signIn(config, browser, demo, tag) {
  const { step, checks } = await authorize(config, browser, demo.rp, { prompt: "none" });
  assert(step.rp, `${tag} prompt=none with a session did not return to the callback`);
  return oidc.authorizationCodeGrant(config, step.rp, checks);
}

async function revoke(config, t, tag) {
  await oidc.tokenRevocation(config, t.refresh_token);
  const e = await rejects(() => oidc.refreshTokenGrant(config, t.refresh_token), `${tag} revoked refresh token`);
  assert(e === "invalid_grant", `${tag} revoked refresh token: ${e}`);
  if (!config.clientMetadata().seuilPublic) {
    const rt = await oidc.tokenIntrospection(config, t.refresh_token);
    assert(rt.active === false, `${tag} revoked refresh token still active`);
  }
  ok(`${tag} revocation: the refresh token no longer works`);
}

// formPost checks response_mode=form_post: if advertised, the page must
// post to the callback under Seuil's CSP (no inline script); if not, the
// request must be refused cleanly.
async function formPost(config, browser, demo, tag) {
  const modes = config.serverMetadata().response_modes_supported || [];
  const { step, checks } = await authorize(config, browser, demo.rp, { response_mode: "form_post" });
  if (!modes.includes("form_post")) {
    const where = step.rp ? step.rp.searchParams.get("error") : `page ${step.res.status}`;
    assert(step.rp && where === "unsupported_response_mode", `${tag} unadvertised form_post answered: ${where}`);
    ok(`${tag} form_post not advertised and refused (unsupported_response_mode)`);
    return;
  }
  await import("./formpost.mjs").then((m) => m.checkFormPost(config, step, checks, demo, tag));
}
