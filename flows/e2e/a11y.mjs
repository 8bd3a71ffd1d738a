// The RGAA checks a browser can hold, beyond axe-core (walk.mjs and
// console.mjs run axe on every screen), each named by its criterion in
// docs/accessibilite.md:
//
//   - 12.8, 12.9, 7.3: the activation walked with the keyboard only (Tab,
//     typing, Enter), no pointer, from the identify screen to the done
//     screen; 10.7: the focus is visible on every element it reaches;
//   - 7.1, 7.5, 11.1, 11.10, 9.1: what a screen reader is given, read from
//     Chromium's accessibility tree (ariaSnapshot): field names, the error
//     summary as an alert, the checklist's states, the headings;
//   - 10.4: the text at 200 %; 10.12: the spacing of WCAG 1.4.12 forced;
//     13.9: a phone held landscape; none may cut content (no horizontal
//     overflow);
//   - 10.2, 10.3: with the style sheet removed, every label, button and
//     heading is still there, in reading order.
//
//   cd flows/e2e && node a11y.mjs
import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startDemo, lastCode, check, report, chromiumArgs } from "./lib.mjs";

const shots = path.join(path.dirname(fileURLToPath(import.meta.url)), "screenshots");
mkdirSync(shots, { recursive: true });

const { base, stop } = await startDemo();
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: chromiumArgs });
const problems = [];
const password = "Clavier-Seul-7-" + Math.random().toString(36).slice(2, 8);

// tabTo presses Tab until the element with id has the focus (at most 25
// times) and checks that the focus can be seen there.
async function tabTo(page, id) {
  for (let i = 0; i < 25; i++) {
    await page.keyboard.press("Tab");
    const at = await page.evaluate(() => document.activeElement && document.activeElement.id);
    if (at === id) {
      const visible = await page.evaluate(() => {
        const s = getComputedStyle(document.activeElement);
        return (s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0) || (s.boxShadow && s.boxShadow !== "none");
      });
      if (!visible) problems.push(`10.7: the focus on #${id} is not visible`);
      return true;
    }
  }
  problems.push(`12.8: Tab never reached #${id}`);
  return false;
}

// hold passes when no problem was found since mark, else prints them.
function hold(mark, what) {
  if (problems.length > mark) console.log(problems.slice(mark).join("\n"));
  check(problems.length === mark, what);
}

try {
  // 1. Keyboard only.
  const kctx = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  const kp = await kctx.newPage();
  await kp.goto(base + "/activation?lang=fr");
  await tabTo(kp, "student_id");
  await kp.keyboard.type("22010137");
  await tabTo(kp, "ine");
  await kp.keyboard.type("1030509027w");
  await tabTo(kp, "phone");
  await kp.keyboard.type("06 12 98 75 56");
  await kp.keyboard.press("Enter");
  await kp.getByLabel("Code d'activation").waitFor();
  await tabTo(kp, "code");
  await kp.keyboard.type(await lastCode(base, "+33612987556"));
  await kp.keyboard.press("Enter");
  await kp.getByText("Choisissez votre mot de passe").waitFor();
  await tabTo(kp, "password");
  await kp.keyboard.type(password);
  await tabTo(kp, "confirm");
  await kp.keyboard.type(password);
  // What a screen reader reads of the live checklist, as the student
  // types: each rule with its state; the one only the directory can
  // judge is not announced as failed.
  await kp.waitForSelector('.rule[data-rule="length"].ok');
  await kp.waitForSelector('.rule[data-rule="dictionary"].ok');
  const pwTree = await kp.locator("#rules").ariaSnapshot();
  const judged = pwTree.match(/\((?:non )?respecté\)/g) || [];
  if (!/8 caractères \(respecté\)/.test(pwTree) || judged.length < 6) {
    problems.push(`screen reader, password: the rules' states are not read (${judged.length})\n${pwTree}`);
  }
  if (/ne pas déjà être utilisé \(non respecté\)/.test(pwTree)) problems.push("screen reader: the history rule is announced as failed");
  hold(0, "7.1: each checklist rule is read with its state; the one the directory judges is not announced as failed");
  await kp.keyboard.press("Enter");
  await kp.getByText("Mot de passe initialisé avec succès").waitFor();
  const links = await kp.evaluate(() => [...document.querySelectorAll("main a, main button")].map((e) => e.id || e.textContent.trim()));
  check(links.length > 0 && (await kp.getByText("22010137T", { exact: true }).isVisible()),
    "12.8, 12.9: the activation walked with the keyboard only, from the first field to the done screen");
  // The done screen's way on is reachable with Tab too.
  let reached = false;
  for (let i = 0; i < 25 && !reached; i++) {
    await kp.keyboard.press("Tab");
    reached = await kp.evaluate(() => document.activeElement && /Continuez votre inscription/.test(document.activeElement.textContent));
  }
  check(reached, "12.8: Tab reaches the done screen's continue link");

  // 2. What a screen reader is given.
  const sctx = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  const sp = await sctx.newPage();
  await sp.goto(base + "/preview/identify?error=1");
  let before = problems.length;
  const tree = await sp.locator("body").ariaSnapshot();
  for (const want of [/alert "Veuillez corriger les points suivants":\s*- heading "Veuillez corriger/, /textbox "Numéro étudiant"/, /textbox "Code INE"/,
    /textbox "Numéro portable de l'étudiant"/, /button "Continuer"/, /heading "[^"]+" \[level=1\]/, /- main:/, /- banner:/, /- contentinfo:/]) {
    if (!want.test(tree)) problems.push(`screen reader, identify with errors: the tree lacks ${want}\n${tree}`);
  }
  hold(before, "7.5, 11.1, 9.1, 12.6: names, alert, heading and landmarks in the accessibility tree of screen 1");
  before = problems.length;

  // 3.3: the borders of fields and buttons, and the focus ring, against
  // the background they sit on: 3:1 at least. 11.10: every form says its
  // fields are required before it is sent.
  before = problems.length;
  for (const u of ["/preview/identify", "/preview/verify", "/preview/password", "/login"]) {
    await sp.goto(base + u);
    const found = await sp.evaluate(() => {
      const rgb = (c) => (c.match(/[\d.]+/g) || []).slice(0, 3).map(Number);
      const lum = ([r, g, b]) => [r, g, b].map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; })
        .reduce((a, v, i) => a + v * [0.2126, 0.7152, 0.0722][i], 0);
      const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
      const bg = (el) => {
        for (let e = el.parentElement; e; e = e.parentElement) {
          const c = getComputedStyle(e).backgroundColor;
          if (!/rgba\(0, 0, 0, 0\)|transparent/.test(c)) return rgb(c);
        }
        return [255, 255, 255];
      };
      const out = [];
      for (const el of document.querySelectorAll("main input:not([type=hidden]), main button:not([hidden])")) {
        const r = ratio(rgb(getComputedStyle(el).borderTopColor), bg(el));
        if (r < 3) out.push(`${el.id || el.textContent.trim()} border ${r.toFixed(2)}:1`);
      }
      const field = document.querySelector("main input:not([type=hidden])");
      field.focus();
      const ring = getComputedStyle(field).boxShadow.match(/rgba?\([^)]*\)/);
      if (!ring || ratio(rgb(ring[0]), bg(field)) < 3) out.push(`focus ring ${ring && ring[0]}`);
      const required = document.querySelector(".required-all");
      if (!required || !required.textContent.trim()) out.push("no mention that the fields are required");
      return out;
    });
    for (const f of found) problems.push(`3.3 / 11.10: ${u}: ${f}`);
  }
  hold(before, "3.3, 11.10: field and button borders and the focus ring at 3:1 at least; required fields announced before sending");

  // 3. Text at 200 %, the spacing of WCAG 1.4.12, a phone held landscape.
  const pages = ["/preview/identify?error=1", "/preview/verify?error=1", "/preview/password?error=1", "/preview/done", "/login"];
  for (const [label, viewport, css] of [
    ["10.4 text at 200 %", { width: 1100, height: 900 }, "html { font-size: 200% !important }"],
    ["10.12 text spacing", { width: 320, height: 640 },
      "* { line-height: 1.5 !important; letter-spacing: 0.12em !important; word-spacing: 0.16em !important } p { margin-bottom: 2em !important }"],
    ["13.9 landscape phone", { width: 640, height: 320 }, ""],
  ]) {
    // The CSP is bypassed only to inject the forced styles.
    const ctx = await browser.newContext({ viewport, bypassCSP: true });
    const p = await ctx.newPage();
    const before = problems.length;
    for (const u of pages) {
      await p.goto(base + u);
      if (css) await p.addStyleTag({ content: css });
      const overflow = await p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      if (overflow > 0) problems.push(`${label}: ${u} overflows by ${overflow}px`);
      if (u.startsWith("/preview/password")) {
        await p.screenshot({ path: path.join(shots, `a11y-${label.split(" ")[0]}-password.png`), fullPage: true });
      }
    }
    hold(before, `${label}: no screen cuts its content`);
    await ctx.close();
  }

  // 4. Without the style sheet.
  const nctx = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  const np = await nctx.newPage();
  await np.goto(base + "/preview/identify");
  await np.evaluate(() => document.querySelectorAll('link[rel="stylesheet"]').forEach((l) => l.remove()));
  const text = await np.evaluate(() => document.body.innerText);
  let at = -1;
  before = problems.length;
  for (const want of ["Création du compte numérique étudiant", "Numéro étudiant", "Code INE", "Numéro portable de l'étudiant", "Continuer"]) {
    const i = text.indexOf(want, at + 1);
    if (i < 0) problems.push(`10.2: without styles, "${want}" is gone`);
    else if (i < at) problems.push(`10.3: without styles, "${want}" is out of order`);
    at = Math.max(at, i);
  }
  hold(before, "10.2, 10.3: without the style sheet, the screen reads in order with every label");
} finally {
  await browser.close();
  stop();
}
report("a11y", problems, shots);
