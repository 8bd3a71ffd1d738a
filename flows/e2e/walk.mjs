// Browser walk of the activation: the four screens by their visible French
// labels, the code read from /demo/outbox.json, a screenshot of each screen
// (desktop and 320 px), and an axe-core accessibility audit of the previews.
//
//   cd flows/e2e && npm install && node walk.mjs
//
// SEUIL_URL (and SEUIL_RP_URL) target a running `seuil demo`; otherwise the
// walk builds cmd/seuil, starts `seuil demo` on free ports and stops it at
// the end.
import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startDemo, lastCode, check, axe, report, chromiumArgs } from "./lib.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const shots = path.join(here, "screenshots");
mkdirSync(shots, { recursive: true });

const { base, rp, stop } = await startDemo();
// A new password each run: against a long-running demo the last one is in
// the account's history.
const password = "correct-Cheval-9-" + Math.random().toString(36).slice(2, 8);
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: chromiumArgs,
});
const problems = [];
try {
  // 1. The journey, desktop.
  const ctx = await browser.newContext({ viewport: { width: 1100, height: 900 }, locale: "fr-FR" });
  const page = await ctx.newPage();
  page.on("console", (m) => {
    if (m.type() === "error" && !m.location().url.endsWith("/favicon.ico")) problems.push("console: " + m.text() + " " + m.location().url);
  });
  page.on("response", (r) => { if (r.status() >= 400) problems.push(`HTTP ${r.status()} ${r.url()}`); });
  page.on("pageerror", (e) => problems.push("page error: " + e.message));

  // 0. From the demo PJ Web: "Créer mon compte" sends prompt=create, the
  // four screens run inside the authorization request, and the student
  // lands back on PJ Web signed in.
  await page.goto(rp + "/");
  await page.getByRole("link", { name: "Créer mon compte" }).click();
  await page.getByLabel("Numéro étudiant").fill("22012345");
  await page.getByLabel("Code INE").fill("123456789ab");
  await page.getByLabel("Numéro portable de l'étudiant").fill("07 88 10 25 99");
  await page.screenshot({ path: path.join(shots, "0-pjweb-identify.png"), fullPage: true });
  await page.getByRole("button", { name: "Continuer" }).click();
  await page.getByLabel("Code d'activation").fill(await lastCode(base, "+33788102599"));
  await page.getByRole("button", { name: "Valider le code" }).click();
  await page.getByLabel("Mot de passe", { exact: true }).fill(password);
  await page.getByLabel("Confirmez le mot de passe").fill(password);
  await page.getByRole("button", { name: "Enregistrer le mot de passe" }).click();
  await page.getByText("Mot de passe initialisé avec succès").waitFor();
  await page.getByRole("link", { name: /Continuez votre inscription ici/ }).click();
  await page.waitForURL(rp + "/**");
  check((await page.content()).includes("22012345T"), "PJ Web → prompt=create → four screens → PJ Web signed in as 22012345T");
  await page.screenshot({ path: path.join(shots, "0-pjweb-signed-in.png"), fullPage: true });

  // 1. Entered directly (IA web's redirect), another student: the four
  // screens, then "continue" goes through PJ Web's initiate_login_uri.
  await page.goto(base + "/activation");
  check(await page.getByText("Création du compte numérique étudiant").isVisible(), "screen 1 heading");
  await page.getByLabel("Numéro étudiant").fill("22010000");
  await page.getByLabel("Code INE").fill("451631864kj");
  await page.getByLabel("Numéro portable de l'étudiant").fill("06 28 76 79 71");
  await page.screenshot({ path: path.join(shots, "1-identify.png"), fullPage: true });
  await page.getByRole("button", { name: "Continuer" }).click();

  await page.getByLabel("Code d'activation").waitFor();
  check(await page.getByText("+33 6 •• •• •• 71").isVisible(), "screen 2 shows the masked mobile");
  await page.screenshot({ path: path.join(shots, "2-verify.png"), fullPage: true });
  await page.getByLabel("Code d'activation").fill(await lastCode(base, "+33628767971"));
  await page.getByRole("button", { name: "Valider le code" }).click();

  await page.getByText("Choisissez votre mot de passe").waitFor();
  const pw = page.getByLabel("Mot de passe", { exact: true });
  await pw.fill("bonjour");
  await page.waitForSelector('.rule[data-rule="length"].ko');
  check(true, "screen 3 live checklist marks a short password");
  await pw.fill(password);
  await page.waitForSelector('.rule[data-rule="digit"].ok');
  await page.waitForSelector('.rule[data-rule="length"].ok');
  check(true, "screen 3 live checklist ticks the rules");
  // Screen readers: one polite summary, and the history rule (which only
  // the directory can judge) is not announced as failed.
  const summary = await page.locator("#rules-summary").textContent();
  check(/règle\(s\) respectée\(s\) sur/.test(summary) && (await page.locator("#rules-summary").getAttribute("aria-live")) === "polite",
    `screen 3 announces the checklist in one polite sentence (${summary})`);
  check((await page.locator('.rule[data-rule="history"] .rule-state').textContent()) === "",
    "screen 3 does not announce the history rule as failed");
  await page.getByRole("button", { name: "Afficher" }).first().click();
  check(await pw.getAttribute("type") === "text", "show/hide toggle");
  await page.getByLabel("Confirmez le mot de passe").fill(password);
  await page.screenshot({ path: path.join(shots, "3-password.png"), fullPage: true });
  await page.getByRole("button", { name: "Enregistrer le mot de passe" }).click();

  await page.getByText("Mot de passe initialisé avec succès").waitFor();
  check(await page.getByText("22010000T", { exact: true }).isVisible(), "screen 4 shows the login");
  const cont = page.getByRole("link", { name: /Continuez votre inscription ici/ });
  check(await cont.isVisible(), "screen 4 continue button");
  await page.screenshot({ path: path.join(shots, "4-done.png"), fullPage: true });
  await cont.click();
  await page.waitForLoadState();
  check(page.url().startsWith(rp) && (await page.content()).includes("22010000T"),
    "continue goes through initiate_login_uri to PJ Web, signed in as 22010000T");
  await page.screenshot({ path: path.join(shots, "5-after-continue.png"), fullPage: true });
  console.log("    landed on " + page.url());

  // 1b. Without JavaScript, with a foreign mobile: the server lists every
  // failed rule.
  const nojs = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1100, height: 900 } });
  const np = await nojs.newPage();
  await np.goto(base + "/activation?lang=fr");
  await np.getByLabel("Numéro étudiant").fill("22012740");
  await np.getByLabel("Code INE").fill("693929754FA");
  await np.getByLabel("Numéro portable de l'étudiant").fill("+32 470 12 34 56");
  await np.getByRole("button", { name: "Continuer" }).click();
  await np.getByLabel("Code d'activation").fill(await lastCode(base, "+32470123456"));
  await np.getByRole("button", { name: "Valider le code" }).click();
  await np.getByLabel("Mot de passe", { exact: true }).fill("élan");
  await np.getByLabel("Confirmez le mot de passe").fill("élan");
  await np.getByRole("button", { name: "Enregistrer le mot de passe" }).click();
  await np.getByText("Veuillez corriger les points suivants").waitFor();
  const listed = await np.locator("#error-summary li").count();
  check(listed >= 3, `without JavaScript the server lists every failed rule (${listed})`);
  await np.screenshot({ path: path.join(shots, "nojs-password-errors.png"), fullPage: true });

  // 1c. Signing in later, from PJ Web, on the sign-in page.
  const later = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  const lp = await later.newPage();
  await lp.goto(rp + "/");
  await lp.getByRole("link", { name: "Se connecter" }).click();
  await lp.getByLabel("Identifiant").fill("22012345T");
  await lp.getByLabel("Mot de passe").fill("not-the-Password-1");
  await lp.getByRole("button", { name: "Se connecter" }).click();
  check(await lp.getByText("Identifiant ou mot de passe incorrect.").isVisible(), "sign-in: a wrong password gets the generic message");
  check(await lp.evaluate(() => document.activeElement && document.activeElement.id) === "login-error",
    "sign-in: the alert takes the focus after a failed attempt");
  await lp.getByLabel("Mot de passe").fill(password);
  await lp.screenshot({ path: path.join(shots, "6-login.png"), fullPage: true });
  await lp.getByRole("button", { name: "Se connecter" }).click();
  await lp.waitForURL(rp + "/**");
  check((await lp.content()).includes("22012345T"), "sign-in page → PJ Web signed in as 22012345T");

  // 2. Error states and 320 px, through the previews (no state needed).
  const small = await browser.newContext({ viewport: { width: 320, height: 640 }, locale: "fr-FR" });
  const sp = await small.newPage();
  for (const name of ["identify", "verify", "password", "done"]) {
    await sp.goto(`${base}/preview/${name}?error=1`);
    const overflow = await sp.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    if (overflow > 0) problems.push(`${name} at 320 px overflows by ${overflow}px`);
    await sp.screenshot({ path: path.join(shots, `320-${name}.png`), fullPage: true });
  }
  await sp.goto(`${base}/preview/identify?error=1`);
  const focused = await sp.evaluate(() => document.activeElement && document.activeElement.id);
  check(focused === "error-summary", "error summary focused on load");

  // 3. axe-core audit (CSP bypassed for the audit only: axe is injected).
  const audit = await browser.newContext({ bypassCSP: true, viewport: { width: 1100, height: 900 } });
  const ap = await audit.newPage();
  for (const url of ["/preview/identify", "/preview/identify?error=1", "/preview/verify?error=1",
    "/preview/password", "/preview/password?error=1", "/preview/done", "/preview/message", "/login",
    "/preview/expired", "/preview/login_grace", "/preview/login?error=1"]) {
    await ap.goto(base + url);
    await axe(ap, url, problems);
  }
} finally {
  await browser.close();
  stop();
}
report("walk", problems, shots);
