// Browser walk of the staff console, as the helpdesk lives it: a student
// is turned away and shown a reference; a helpdesk member signs in with
// password and TOTP (the code computed here, as an authenticator app
// would), finds the case from the reference, lifts the block with a
// reason; the student then finishes the activation, and the audit trail
// shows every step. axe-core runs on every console page; the negative
// paths (a student on /admin, a replayed TOTP code, a form without its
// token) are checked from outside.
//
//   cd flows/e2e && npm install && node console.mjs
import { chromium } from "playwright-core";
import { createHmac } from "node:crypto";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startDemo, lastCode, check, axe, report, chromiumArgs } from "./lib.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const shots = path.join(here, "screenshots");
mkdirSync(shots, { recursive: true });

// totp is RFC 6238 with the defaults authenticator apps use (SHA-1, 30 s,
// 6 digits), computed from the base32 key the enrolment page shows.
function totp(secret, at = Date.now()) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const c of secret.replace(/=+$/, "").toUpperCase()) bits += alphabet.indexOf(c).toString(2).padStart(5, "0");
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(Math.floor(at / 1000 / 30)));
  const h = createHmac("sha1", key).update(msg).digest();
  const o = h[h.length - 1] & 15;
  return String((h.readUInt32BE(o) & 0x7fffffff) % 1e6).padStart(6, "0");
}

const { base, rp, replica, stop } = await startDemo({ replica: true });
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: chromiumArgs });
const problems = [];
const watch = (page, allowed = []) => {
  page.on("console", (m) => { if (m.type() === "error" && !m.text().includes("status of 4")) problems.push("console: " + m.text()); });
  page.on("pageerror", (e) => problems.push("page error: " + e.message));
  page.on("response", (r) => {
    if (r.status() >= 500) problems.push(`HTTP ${r.status()} ${r.url()}`);
    if (r.status() >= 400 && !allowed.some((a) => r.url().includes(a))) problems.push(`HTTP ${r.status()} ${r.url()}`);
  });
};
try {
  // 1. A student mistypes the INE until the limit turns them away.
  const sctx = await browser.newContext({ viewport: { width: 1100, height: 900 }, locale: "fr-FR" });
  const student = await sctx.newPage();
  watch(student, ["/activation/", "/admin/"]);
  await student.goto(base + "/activation");
  let ref = "";
  for (let i = 0; i < 6; i++) {
    await student.getByLabel("Numéro étudiant").fill("22010274");
    await student.getByLabel("Code INE").fill("1234567890A");
    await student.getByLabel("Numéro portable de l'étudiant").fill("06 12 57 01 87");
    await student.getByRole("button", { name: "Continuer" }).click();
    await student.waitForLoadState();
    if (await student.getByText(/Trop de tentatives/).isVisible()) {
      ref = (await student.locator(".help .ref").textContent()).trim();
      break;
    }
  }
  check(/^[0-9A-Z]{3}-[0-9A-Z]{3}$/.test(ref), `the student is turned away with a reference (${ref}) and the helpdesk's contacts`);
  check(await student.getByText("Contactez l'assistance numérique").isVisible(), "the helpdesk's contacts are on the page");
  await student.screenshot({ path: path.join(shots, "console-0-student-blocked.png"), fullPage: true });

  // 2. The helpdesk member signs in: password, then the second factor's
  // enrolment (QR code and key as text), then the recovery codes.
  const hctx = await browser.newContext({ viewport: { width: 1100, height: 900 }, locale: "fr-FR" });
  const staff = await hctx.newPage();
  watch(staff);
  await staff.goto(base + "/admin/");
  await staff.getByLabel("Identifiant").fill("assistance");
  await staff.getByLabel("Mot de passe").fill("Guichet-Vert-2026");
  await staff.getByRole("button", { name: "Se connecter" }).click();
  await staff.getByRole("heading", { name: "Activer la double authentification" }).waitFor();
  check(await staff.getByRole("img", { name: /QR code/ }).evaluate((i) => i.complete && i.naturalWidth >= 200), "enrolment shows a QR code (an image that loads under the CSP)");
  const secret = (await staff.locator("code.secret").textContent()).trim();
  await staff.screenshot({ path: path.join(shots, "console-1-enrol.png"), fullPage: true });
  const enrolCode = totp(secret);
  await staff.getByLabel("Code de vérification").fill(enrolCode);
  await staff.getByRole("button", { name: "Activer" }).click();
  await staff.getByRole("heading", { name: "Double authentification activée" }).waitFor();
  const codes = await staff.locator("ol.codes code").allTextContents();
  check(codes.length === 10, "10 recovery codes are shown once");
  await staff.screenshot({ path: path.join(shots, "console-2-recovery-codes.png"), fullPage: true });
  await staff.getByRole("link", { name: /J'ai conservé mes codes/ }).click();

  // 3. The case, found from the reference; the block lifted with a reason.
  await staff.getByLabel(/Référence, numéro d'étudiant/).fill(ref.toLowerCase());
  await staff.getByRole("button", { name: "Rechercher" }).click();
  await staff.getByRole("heading", { name: "Dossier 22010274" }).waitFor();
  check(await staff.getByText("Vérification de l'identité (par étudiant, depuis une adresse) (127.0.0.1)").isVisible(), "the case shows the identity-check block, with the address");
  check(await staff.getByText("THOMAS").isVisible() && !(await staff.content()).includes("06 12 57 01 87"), "the record is shown with the mobile masked");
  await staff.screenshot({ path: path.join(shots, "console-3-case.png"), fullPage: true });
  await staff.locator("#reason-unblock").fill("Appel de l'étudiante, INE mal recopié");
  await staff.getByRole("button", { name: "Lever les blocages" }).click();
  await staff.getByText("Les blocages ont été levés").waitFor();
  check(await staff.getByText("Aucun blocage en cours.").isVisible(), "no block remains after lifting");

  // 4. The student finishes the activation.
  await student.goto(base + "/activation");
  await student.getByLabel("Numéro étudiant").fill("22010274");
  await student.getByLabel("Code INE").fill("8032A89048L");
  await student.getByLabel("Numéro portable de l'étudiant").fill("06 12 57 01 87");
  await student.getByRole("button", { name: "Continuer" }).click();
  await student.getByLabel("Code d'activation").waitFor();
  // The student's SMS "never arrived": the helpdesk sends a code to the
  // contacts on record, and the student types that one.
  const before = await lastCode(base, "+33612570187");
  await staff.goto(base + "/admin/case?student=22010274");
  await staff.locator("#reason-resend").fill("SMS jamais reçu");
  await staff.getByRole("button", { name: "Envoyer un code à l'étudiant" }).click();
  await staff.getByText("Un code a été envoyé aux contacts du dossier").waitFor();
  const helpdeskCode = await lastCode(base, "+33612570187");
  check(helpdeskCode !== before, "the helpdesk sent a new code to the mobile on record");
  await student.getByLabel("Code d'activation").fill(helpdeskCode);
  await student.getByRole("button", { name: "Valider le code" }).click();
  const pw = "Chemin-Clair-7-" + Math.random().toString(36).slice(2, 6);
  await student.getByLabel("Mot de passe", { exact: true }).fill(pw);
  await student.getByLabel("Confirmez le mot de passe").fill(pw);
  await student.getByRole("button", { name: "Enregistrer le mot de passe" }).click();
  await student.getByText("Mot de passe initialisé avec succès").waitFor();
  check(true, "the student finishes the activation after the helpdesk lifted the block");

  // 4b. A reset link, sent by the helpdesk to the e-mail on record.
  await staff.goto(base + "/admin/case?student=22010274");
  await staff.locator("#reason-reset").fill("Mot de passe oublié, appel du 2 décembre");
  await staff.getByRole("button", { name: "Envoyer le lien de réinitialisation du mot de passe" }).click();
  await staff.getByText("Le lien de réinitialisation a été envoyé").waitFor();
  const box = await (await fetch(base + "/demo/outbox.json")).json();
  const sent = (Array.isArray(box) ? box : (box.messages || [])).filter((m) => (m.recipient || m.to) === "chloe.thomas@example.org" && /\/reset/.test(m.body || m.text || ""));
  check(sent.length === 1, "the reset link went to the e-mail on record");

  // 5. The audit trail shows every step of the story.
  await staff.getByRole("link", { name: "Journal d'audit" }).click();
  await staff.getByLabel("Étudiant ou identifiant").fill("22010274");
  await staff.getByRole("button", { name: "Filtrer" }).click();
  const table = await staff.locator("table").textContent();
  for (const want of ["mismatch", "limited", ref, "staff.lookup", "staff.unblock", "Appel de l'étudiante", "code.sent", "flow.step", "staff.start_reset", "staff.resend"]) {
    check(table.includes(want), `the audit trail shows ${want}`);
  }
  await staff.screenshot({ path: path.join(shots, "console-4-audit.png"), fullPage: true });
  const csv = await staff.evaluate(async (u) => (await fetch(u)).text(), await staff.getByRole("link", { name: "Exporter en CSV" }).getAttribute("href"));
  check(csv.split("\n")[0].startsWith("time,kind,outcome") && csv.includes("staff.unblock"), "the CSV export holds the events");

  // 5b. The funnel moves with the journeys this walk drives: four
  // students, one giving up at each screen, the last one landing on PJ
  // Web. Today's counts (the CSV export, then the page) must grow by
  // exactly what they did.
  const today = async () => {
    const text = await staff.evaluate(async (u) => (await fetch(u)).text(), base + "/admin/funnel.csv?flow=activation");
    const [head, ...rows] = text.trim().split("\n").map((l) => l.split(","));
    const row = rows.find((r) => r[0] === new Date().toISOString().slice(0, 10)) || head.map(() => "0");
    return Object.fromEntries(head.map((h, i) => [h, Number(row[i]) || 0]));
  };
  const counted = await today();
  const journey = async (id, ine, phone, stopAt) => {
    const ctx = await browser.newContext({ locale: "fr-FR" });
    const p = await ctx.newPage();
    watch(p);
    await p.goto(base + "/activation");
    if (stopAt !== "identify") {
      await p.getByLabel("Numéro étudiant").fill(id);
      await p.getByLabel("Code INE").fill(ine);
      await p.getByLabel("Numéro portable de l'étudiant").fill(phone);
      await p.getByRole("button", { name: "Continuer" }).click();
      await p.getByLabel("Code d'activation").waitFor();
    }
    if (stopAt === "password" || stopAt === "landed") {
      await p.getByLabel("Code d'activation").fill(await lastCode(base, "+33" + phone.replace(/\s/g, "").slice(1)));
      await p.getByRole("button", { name: "Valider le code" }).click();
      await p.getByLabel("Mot de passe", { exact: true }).waitFor();
    }
    if (stopAt === "landed") {
      const secret = "Sentier-Bleu-4-" + Math.random().toString(36).slice(2, 6);
      await p.getByLabel("Mot de passe", { exact: true }).fill(secret);
      await p.getByLabel("Confirmez le mot de passe").fill(secret);
      await p.getByRole("button", { name: "Enregistrer le mot de passe" }).click();
      await p.getByText("Mot de passe initialisé avec succès").waitFor();
      await p.getByRole("link", { name: /Continuez votre inscription ici/ }).click();
      await p.waitForURL(rp + "/**");
      check((await p.content()).includes(id + "T"), `the fourth student lands on PJ Web signed in as ${id}T`);
    }
    await ctx.close();
  };
  await journey("22010411", "8414D83586C", "06 44 45 48 95", "identify");
  await journey("22010548", "491180832CK", "06 71 68 37 36", "verify");
  await journey("22010685", "4795107404T", "06 46 59 54 11", "password");
  await journey("22010822", "9240A62808T", "06 50 67 33 53", "landed");
  const want = { started: 4, identified: 3, code_sms: 3, code_mail: 3, verified: 2, password_set: 1, landed: 1, mismatched: 0, wrong_code: 0 };
  let after = await today();
  for (let i = 0; i < 50 && Object.keys(want).some((k) => after[k] - counted[k] !== want[k]); i++) {
    await new Promise((r) => setTimeout(r, 200)); // the counters are written in the background
    after = await today();
  }
  for (const [k, n] of Object.entries(want)) {
    check(after[k] - counted[k] === n, `funnel: ${k} grew by ${after[k] - counted[k]}, the walk drove ${n}`);
  }
  await staff.goto(base + "/admin/funnel?flow=activation");
  const cells = await staff.locator("table caption").locator("..").locator("tbody tr").filter({ hasText: new Date().toISOString().slice(0, 10) }).locator("td").allTextContents();
  check(Number(cells[0]) === after.started && Number(cells[cells.length - 1]) === after.landed,
    `the funnel page shows today's ${after.started} started and ${after.landed} landed, as the export does`);
  await staff.screenshot({ path: path.join(shots, "console-6b-funnel-moved.png"), fullPage: true });

  // 6. Negative paths, from outside.
  // A student's session (the activation ended signed in) reaches no
  // console page.
  const forbidden = await student.goto(base + "/admin/");
  check(forbidden.status() === 403 && await student.getByRole("heading", { name: "Accès réservé" }).isVisible(), "a student's session gets the themed 403");
  // A second staff sign-in: the enrolment's code is refused as replayed
  // (same window), the next one is taken.
  const h2 = await (await browser.newContext({ locale: "fr-FR" })).newPage();
  await h2.goto(base + "/admin/");
  await h2.getByLabel("Identifiant").fill("assistance");
  await h2.getByLabel("Mot de passe").fill("Guichet-Vert-2026");
  await h2.getByRole("button", { name: "Se connecter" }).click();
  await h2.getByRole("heading", { name: "Confirmer votre connexion" }).waitFor();
  await h2.getByLabel("Code de vérification").fill(enrolCode);
  await h2.getByRole("button", { name: "Confirmer" }).click();
  check(await h2.getByText(/déjà servi|incorrect/).isVisible(), "a used TOTP code is refused");
  await h2.getByLabel("Code de vérification").fill(codes[0]);
  await h2.getByRole("button", { name: "Confirmer" }).click();
  await h2.getByRole("heading", { name: "Trouver un dossier" }).waitFor();
  check(await h2.getByText(/code de secours/).isVisible(), "a recovery code signs in once, and says so");
  // A POST without the form's token is refused.
  const noToken = await h2.evaluate(async (u) => (await fetch(u, { method: "POST", body: new URLSearchParams({ student: "22010274", reason: "x" }) })).status, base + "/admin/case/unblock");
  check(noToken === 403, "a console POST without its token is refused");

  // Keyboard only: from the page's top, Tab reaches the search, Enter
  // searches, Tab reaches an action's reason and Enter submits it.
  const kp = await (await browser.newContext({ locale: "fr-FR", storageState: await hctx.storageState() })).newPage();
  await kp.goto(base + "/admin/");
  const tabTo = async (id) => {
    for (let i = 0; i < 40; i++) {
      await kp.keyboard.press("Tab");
      if (await kp.evaluate((want) => document.activeElement && document.activeElement.id === want, id)) return true;
    }
    return false;
  };
  check(await tabTo("q"), "keyboard: Tab reaches the search field");
  await kp.keyboard.type("22010274");
  await kp.keyboard.press("Enter");
  await kp.getByRole("heading", { name: "Dossier 22010274" }).waitFor();
  check(await tabTo("reason-unblock"), "keyboard: Tab reaches the reason of an action");
  await kp.keyboard.type("Essai au clavier");
  await kp.keyboard.press("Enter");
  await kp.getByText("Les blocages ont été levés").waitFor(); // fails the walk if Enter did not submit
  console.log("ok  keyboard: an action submitted with Enter");

  // 7. axe-core on every console page, and 320 px.
  const actx = await browser.newContext({ bypassCSP: true, viewport: { width: 1100, height: 900 }, storageState: await hctx.storageState() });
  const ap = await actx.newPage();
  for (const u of ["/admin/", "/admin/search?q=nothing-matches", "/admin/case?student=22010274", "/admin/case?student=22010000",
    "/admin/audit", "/admin/audit?student=22010274", "/admin/staff", "/admin/skipped", "/admin/funnel", "/admin/flows", "/admin/flows/edit?name=reset"]) {
    await ap.goto(base + u);
    await axe(ap, u, problems);
    if (u === "/admin/funnel") {
      await ap.getByRole("heading", { name: "Temps passé par écran" }).waitFor();
      await ap.screenshot({ path: path.join(shots, "console-6-funnel.png"), fullPage: true });
    }
    if (u === "/admin/flows") {
      await ap.getByRole("heading", { name: "Parcours et thèmes en service" }).waitFor();
      check(await ap.getByRole("rowheader", { name: "activation" }).count() === 1, "flows page: the activation flow is listed");
      await ap.screenshot({ path: path.join(shots, "console-7-flows.png"), fullPage: true });
    }
    if (u.startsWith("/admin/flows/edit")) {
      // A version with a mistake: every problem with its line, nothing saved.
      const text = ap.getByLabel("Définition (YAML)");
      await text.fill((await text.inputValue()).replace("ttl: 1h", "ttl: 5x"));
      await ap.getByRole("button", { name: "Vérifier" }).click();
      await ap.getByText(/line \d+: flows\.reset\.ttl: "5x" is not a duration/).waitFor();
      await axe(ap, u + " (problems)", problems);
      await ap.screenshot({ path: path.join(shots, "console-8-flow-edit.png"), fullPage: true });
      check(true, "flow editor: a mistake is shown with its line");
      // Fixed, checked (its differences shown), activated with a reason;
      // then a second version, and back to the first.
      // A checked version is previewed before it runs, screen by screen,
      // in French and in English: here a longer password minimum.
      await text.fill((await text.inputValue()).replace("ttl: 5x", "ttl: 1h").replace("  - type: password\n", "  - type: password\n    policy: {min_length: 12}\n"));
      await ap.getByRole("button", { name: "Vérifier" }).click();
      await ap.getByText("Cette version est valide").waitFor();
      await axe(ap, u + " (preview links)", problems);
      const english = await ap.getByRole("link", { name: "password en anglais" }).getAttribute("href");
      await ap.getByRole("link", { name: "password en français" }).click();
      await ap.getByText(/12 caractères/).first().waitFor();
      check(true, "flow editor: the draft's password screen, previewed in French, asks for 12 characters");
      await ap.screenshot({ path: path.join(shots, "console-8b-flow-preview.png"), fullPage: true });
      await ap.goto(new URL(english, base).href);
      await ap.getByText(/12 characters/).first().waitFor();
      check(true, "flow editor: and in English, 12 characters");
      await ap.goto(base + "/admin/flows/edit?name=reset");
      check(await ap.getByRole("heading", { name: "Parcours reset" }).isVisible(), "the console is still in French after an English preview");
      for (const [ttl, note] of [["45m", "Essai : un parcours plus court"], ["30m", "Essai : plus court encore"]]) {
        await text.fill((await text.inputValue()).replace(/ttl: \S+/, "ttl: " + ttl));
        await ap.getByRole("button", { name: "Vérifier" }).click();
        await ap.getByText("Cette version est valide").waitFor();
        await ap.getByLabel("Motif du changement").fill(note);
        await ap.getByRole("button", { name: "Activer sur toutes les répliques" }).click();
        await ap.getByText(/La version [0-9a-f]{12} est en service/).waitFor();
      }
      await axe(ap, u + " (versions)", problems);
      await ap.getByRole("button", { name: "Revenir à cette version" }).click();
      await ap.getByText(/La version [0-9a-f]{12} est en service/).waitFor();
      check((await text.inputValue()).includes("ttl: 45m"), "flow editor: back to the first version");
      await ap.screenshot({ path: path.join(shots, "console-9-flow-versions.png"), fullPage: true });
      await ap.goto(base + "/admin/flows");
      check(await ap.getByText("la console (version active)").count() === 1, "flows page: reset now runs the console's version");
      await ap.goto(base + "/admin/audit");
      check(await ap.getByText("Essai : un parcours plus court").count() >= 1, "audit trail: the change and its reason");
    }
  }
  // 7b. A theme written in the console: a new one from the flows page,
  // a contrast mistake shown with its line, previewed in both languages
  // before it runs, activated, named by a flow the students then see in
  // its colours, a second version, and back to the first.
  await ap.goto(base + "/admin/flows");
  await ap.getByLabel("Nouveau thème").fill("poitiers");
  await ap.getByRole("button", { name: "Créer" }).click();
  await ap.getByRole("heading", { name: "Thème poitiers" }).waitFor();
  const doc = ap.getByLabel("Document du thème (YAML)");
  check((await doc.inputValue()).includes("parent: default"), "theme editor: a new theme starts from a starter text");
  const themeText = (brand, name) => `parent: default\nmessages:\n  fr:\n    university.name: "${name}"\n    university.city: "de Poitiers"\n` +
    `  en:\n    university.name: "University of Poitiers"\n    university.city: "of Poitiers"\ncolours:\n  brand: "${brand}"\n`;
  await doc.fill(themeText("#d0e4f5", "Université de Poitiers"));
  await ap.getByRole("button", { name: "Vérifier" }).click();
  await ap.getByText(/line 10: themes\.poitiers\.colours: brand-ink \(#ffffff\) on brand \(#d0e4f5\) has a contrast of [\d.]+:1/).waitFor();
  check(true, "theme editor: a colour too pale for white text is refused with its line and its contrast");
  await axe(ap, "/admin/themes/edit (problems)", problems);
  await doc.fill(themeText("#003a70", "Université de Poitiers"));
  await ap.getByRole("button", { name: "Vérifier" }).click();
  await ap.getByText("Cette version est valide").waitFor();
  await axe(ap, "/admin/themes/edit (valid)", problems);
  const themeEnglish = await ap.getByRole("link", { name: "identify en anglais" }).getAttribute("href");
  await ap.getByRole("link", { name: "identify en français" }).click();
  await ap.locator(".brand-city", { hasText: "de Poitiers" }).waitFor();
  const header = await ap.locator("header.site").evaluate((e) => getComputedStyle(e).backgroundColor);
  check(header === "rgb(0, 58, 112)", `theme preview: the identify screen in the draft's colour (${header}) and name, before it runs`);
  await ap.screenshot({ path: path.join(shots, "console-10-theme-preview.png"), fullPage: true });
  await ap.goto(new URL(themeEnglish, base).href);
  await ap.locator(".brand-city", { hasText: "of Poitiers" }).waitFor();
  check(true, "theme preview: and in English");
  const activateTheme = async (text, note) => {
    await ap.goto(base + "/admin/themes/edit?name=poitiers");
    await doc.fill(text);
    await ap.getByLabel("Motif du changement").fill(note);
    await ap.getByRole("button", { name: "Activer sur toutes les répliques" }).click();
    await ap.getByText(/La version [0-9a-f]{12} est en service/).waitFor();
  };
  await activateTheme(themeText("#003a70", "Université de Poitiers"), "Nouvelle charte graphique");
  await ap.goto(base + "/admin/flows/edit?name=reset");
  const flowText = ap.getByLabel("Définition (YAML)");
  await flowText.fill((await flowText.inputValue()).replace("theme: default", "theme: poitiers"));
  await ap.getByLabel("Motif du changement").fill("La réinitialisation aux couleurs de Poitiers");
  await ap.getByRole("button", { name: "Activer sur toutes les répliques" }).click();
  await ap.getByText(/La version [0-9a-f]{12} est en service/).waitFor();
  const visitor = await (await browser.newContext({ locale: "fr-FR" })).newPage();
  await visitor.goto(base + "/reset");
  check(await visitor.getByText("Copyright © Université de Poitiers").isVisible() &&
    await visitor.locator("header.site").evaluate((e) => getComputedStyle(e).backgroundColor) === "rgb(0, 58, 112)",
    "a student opening the reset flow sees the console's theme: its name and its colour");
  await visitor.screenshot({ path: path.join(shots, "console-11-theme-in-service.png"), fullPage: true });
  // The second replica serves it too, within its watch's seconds.
  const other = await (await browser.newContext({ locale: "fr-FR" })).newPage();
  const onReplica = async (want) => {
    for (let i = 0; i < 50; i++) {
      await other.goto(replica + "/reset");
      if (await other.getByText(want, { exact: true }).isVisible()) return true;
      await new Promise((r) => setTimeout(r, 200));
    }
    return false;
  };
  check(await onReplica("Copyright © Université de Poitiers"), "the second replica serves the new theme and the flow naming it");
  await other.screenshot({ path: path.join(shots, "console-12-second-replica.png"), fullPage: true });
  await activateTheme(themeText("#003a70", "Université de Poitiers (essai)"), "Essai d'un autre nom");
  await visitor.reload();
  check(await visitor.getByText("Copyright © Université de Poitiers (essai)").isVisible(), "the second version is in service");
  check(await onReplica("Copyright © Université de Poitiers (essai)"), "the second replica takes the second version");
  await ap.getByRole("button", { name: "Revenir à cette version" }).click();
  await ap.getByText(/La version [0-9a-f]{12} est en service/).waitFor();
  await axe(ap, "/admin/themes/edit (versions)", problems);
  await visitor.reload();
  check(await visitor.getByText("Copyright © Université de Poitiers", { exact: true }).isVisible(), "back to the first version of the theme");
  check(await onReplica("Copyright © Université de Poitiers"), "and the second replica goes back with it");
  await ap.goto(base + "/admin/flows");
  check(await ap.getByRole("link", { name: "poitiers" }).count() === 1, "flows page: the console's theme is listed, its name leading to its editor");
  await ap.goto(base + "/admin/audit");
  check(await ap.getByText("Nouvelle charte graphique").count() >= 1 && await ap.getByText("staff.theme_change").count() >= 1, "audit trail: the theme's changes and their reasons");
  const sp = await (await browser.newContext({ bypassCSP: true, viewport: { width: 320, height: 640 }, storageState: await hctx.storageState() })).newPage();
  for (const u of ["/admin/", "/admin/case?student=22010274", "/admin/audit", "/admin/funnel", "/admin/flows"]) {
    await sp.goto(base + u);
    const overflow = await sp.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    if (overflow > 0) problems.push(`${u} at 320 px overflows by ${overflow}px`);
  }
  await sp.screenshot({ path: path.join(shots, "console-5-320.png"), fullPage: true });
  const ep = await (await browser.newContext({ bypassCSP: true, locale: "fr-FR" })).newPage();
  await ep.goto(base + "/admin/");
  await axe(ep, "/login?next=/admin/", problems);
  await ep.getByLabel("Identifiant").fill("assistance");
  await ep.getByLabel("Mot de passe").fill("Guichet-Vert-2026");
  await ep.getByRole("button", { name: "Se connecter" }).click();
  await ep.getByRole("heading", { name: "Confirmer votre connexion" }).waitFor();
  await axe(ep, "/admin/verify", problems);
  await ep.getByLabel("Code de vérification").fill("000000");
  await ep.getByRole("button", { name: "Confirmer" }).click();
  await axe(ep, "/admin/verify (error)", problems);
  await student.goto(base + "/admin/");
  const fp = await (await browser.newContext({ bypassCSP: true, storageState: await sctx.storageState() })).newPage();
  await fp.goto(base + "/admin/");
  await axe(fp, "/admin/ (403)", problems);
} finally {
  await browser.close();
  stop();
}
report("console walk", problems, shots);
