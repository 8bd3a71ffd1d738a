// Discovery and JWKS: the metadata a relying party library relies on.
import * as oidc from "openid-client";
import { ok, assert } from "./rp.mjs";

const includes = (md, key, ...values) => {
  const v = md[key];
  assert(Array.isArray(v), `discovery: ${key} missing or not a list`);
  for (const x of values) assert(v.includes(x), `discovery: ${key} ${JSON.stringify(v)} lacks ${x}`);
};

export async function discoveryChecks(issuer) {
  const res = await fetch(`${issuer}/.well-known/openid-configuration`);
  assert(res.ok && /json/.test(res.headers.get("content-type")), `discovery: status ${res.status}`);
  const md = await res.json();
  assert(md.issuer === issuer, `discovery: issuer ${md.issuer} is not exactly ${issuer}`);
  // openid-client checks the issuer itself (exact match) and refuses http
  // unless told: it is the library's own view that is used below.
  await oidc.discovery(new URL(issuer), "node-rp", "x", undefined, { execute: [oidc.allowInsecureRequests] });
  ok("discovery (openid-client: issuer exact match)");
  for (const k of ["authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri",
    "end_session_endpoint", "revocation_endpoint", "introspection_endpoint"]) {
    assert(typeof md[k] === "string" && md[k].startsWith(issuer + "/"), `discovery: ${k} ${md[k]}`);
  }
  includes(md, "response_types_supported", "code");
  includes(md, "subject_types_supported", "public");
  includes(md, "id_token_signing_alg_values_supported", "RS256"); // OIDC Discovery: RS256 MUST be included
  includes(md, "scopes_supported", "openid", "profile", "email", "offline_access");
  includes(md, "claims_supported", "sub", "iss", "auth_time", "email", "name");
  for (const c of ["nonce", "at_hash", "exp", "aud"]) assert(!md.claims_supported.includes(c), `discovery: claims_supported lists ${c}, not a claim about the user`);
  includes(md, "code_challenge_methods_supported", "S256");
  assert(!md.code_challenge_methods_supported.includes("plain"), "discovery: plain PKCE advertised");
  includes(md, "token_endpoint_auth_methods_supported", "client_secret_basic", "client_secret_post", "none");
  includes(md, "grant_types_supported", "authorization_code", "refresh_token");
  includes(md, "response_modes_supported", "query");
  // Omitted, request_uri_parameter_supported means true; Seuil refuses it.
  for (const k of ["request_parameter_supported", "request_uri_parameter_supported", "claims_parameter_supported"]) {
    assert(md[k] === false, `discovery: ${k} ${md[k]}, want false (Seuil refuses them)`);
  }
  ok(`discovery metadata complete (response_modes ${md.response_modes_supported.join(",")}; algs ${md.id_token_signing_alg_values_supported.join(",")})`);

  const jw = await (await fetch(md.jwks_uri)).json();
  assert(Array.isArray(jw.keys) && jw.keys.length > 0, "jwks: no keys");
  const kids = new Set();
  for (const k of jw.keys) {
    assert(k.kid && !kids.has(k.kid), `jwks: missing or duplicate kid ${k.kid}`);
    kids.add(k.kid);
    assert(k.use === "sig", `jwks: key ${k.kid} use ${k.use}`);
    assert(k.alg, `jwks: key ${k.kid} has no alg`);
    assert(!("d" in k) && !("p" in k), `jwks: key ${k.kid} is private`);
  }
  for (const a of md.id_token_signing_alg_values_supported) {
    assert(jw.keys.some((k) => k.alg === a), `jwks: no key for advertised alg ${a}`);
  }
  ok(`jwks: ${jw.keys.length} key(s), each with kid, alg, use=sig`);
  return md;
}
