// response_mode=form_post, as a browser under Seuil's CSP would run it:
// the page may only submit itself with a script from Seuil's own origin.
import * as oidc from "openid-client";
import { forms } from "./browser.mjs";
import { ok, assert } from "./rp.mjs";

export async function checkFormPost(config, step, checks, demo, tag) {
  assert(!step.rp && step.res.status === 200, `${tag} form_post: want a page, got ${step.rp || step.res.status}`);
  const csp = step.res.headers.get("content-security-policy") || "";
  assert(/script-src 'self'/.test(csp) && !/unsafe-inline/.test(csp), `${tag} form_post: CSP ${csp}`);
  assert(!/<script(?![^>]*\ssrc=)[^>]*>/i.test(step.html), `${tag} form_post: inline script, blocked by the CSP`);
  assert(!/\son[a-z]+\s*=/i.test(step.html), `${tag} form_post: inline event handler, blocked by the CSP`);
  const src = step.html.match(/<script[^>]*\ssrc="([^"]+)"/i);
  assert(src, `${tag} form_post: no script submits the form`);
  const js = new URL(src[1], step.url);
  assert(js.origin === new URL(step.url).origin, `${tag} form_post: script from ${js.origin}`);
  const jsRes = await fetch(js);
  assert(jsRes.ok && /javascript/.test(jsRes.headers.get("content-type")) && /\.submit\(\)/.test(await jsRes.text()),
    `${tag} form_post: ${js} does not submit the form`);
  const form = forms(step.html)[0];
  assert(form && form.method === "post" && form.action === `${demo.rp}/cb`, `${tag} form_post: form ${JSON.stringify(form)}`);
  assert(/<button[^>]*type="submit"/i.test(step.html), `${tag} form_post: no visible button without JavaScript`);
  // What the browser posts to the callback, handed to the library as is.
  const req = new Request(form.action, { method: "POST", body: new URLSearchParams(form.inputs),
    headers: { "content-type": "application/x-www-form-urlencoded" } });
  const tokens = await oidc.authorizationCodeGrant(config, req, checks);
  assert(tokens.claims().nonce === checks.expectedNonce, `${tag} form_post: nonce`);
  ok(`${tag} response_mode=form_post under the CSP (same-origin script + button); code exchanged`);
}
