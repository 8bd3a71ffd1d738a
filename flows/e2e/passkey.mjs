// Passkeys in Chromium, with its virtual authenticator (CDP WebAuthn
// domain: a platform authenticator with resident keys and user
// verification): a student activates and creates a passkey from the done
// screen; in a fresh browser session, signs in to the demo PJ Web with
// it, no password typed; lists it on "Mon compte" and removes it; the
// removed passkey is then refused on the sign-in page, which says so.
// axe-core audits the done screen's offer and "Mon compte".
//
//   cd flows/e2e && node passkey.mjs
import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startDemo, lastCode, check, axe, report, chromiumArgs } from "./lib.mjs";

const shots = path.join(path.dirname(fileURLToPath(import.meta.url)), "screenshots");
mkdirSync(shots, { recursive: true });
// WebAuthn needs a host name: the demo runs on localhost.
const { base, rp, stop } = await startDemo({ host: "localhost" });
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: chromiumArgs });
const problems = [];
try {
  // bypassCSP only for axe, injected into the pages.
  const ctx = await browser.newContext({ viewport: { width: 1100, height: 900 }, bypassCSP: true });
  const page = await ctx.newPage();
  page.on("pageerror", (e) => problems.push("page error: " + e.message));
  const cdp = await ctx.newCDPSession(page);
  await cdp.send("WebAuthn.enable");
  const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: { protocol: "ctap2", transport: "internal", hasResidentKey: true, hasUserVerification: true,
      isUserVerified: true, automaticPresenceSimulation: true },
  });

  // 1. Activation, then the passkey from the done screen.
  await page.goto(base + "/activation?lang=fr");
  await page.getByLabel("Numéro étudiant").fill("22010411");
  await page.getByLabel("Code INE").fill("8414D83586C");
  await page.getByLabel("Numéro portable de l'étudiant").fill("06 44 45 48 95");
  await page.getByRole("button", { name: "Continuer" }).click();
  await page.getByLabel("Code d'activation").fill(await lastCode(base, "+33644454895"));
  await page.getByRole("button", { name: "Valider le code" }).click();
  const password = "Cle-Acces-Test-" + Math.random().toString(36).slice(2, 8) + "7";
  await page.getByLabel("Mot de passe", { exact: true }).fill(password);
  await page.getByLabel("Confirmez le mot de passe").fill(password);
  await page.getByRole("button", { name: "Enregistrer le mot de passe" }).click();
  await page.getByText("Se connecter plus vite avec une clé d'accès (passkey)").waitFor();
  await axe(page, "done with the passkey offer", problems);
  await page.getByRole("button", { name: "Créer une clé d'accès sur cet appareil" }).click();
  await page.getByText("Clé d'accès créée").waitFor();
  await page.screenshot({ path: path.join(shots, "passkey-1-done.png"), fullPage: true });
  const { credentials } = await cdp.send("WebAuthn.getCredentials", { authenticatorId });
  check(credentials.length === 1 && credentials[0].isResidentCredential && credentials[0].rpId === "localhost",
    "done screen: a discoverable passkey created for localhost");

  // 2. A fresh browser session (cookies gone, the authenticator kept):
  // PJ Web's "Se connecter", then the passkey instead of the password.
  await ctx.clearCookies();
  await page.goto(rp + "/");
  await page.getByRole("link", { name: "Se connecter" }).click();
  // Conditional mediation: the sign-in page asks for a passkey as it
  // loads (a browser offers it in the login field's suggestions; the
  // virtual authenticator answers at once). The button is the way where
  // the browser has no such mediation.
  let how = "conditional mediation";
  const landed = await page.waitForURL((u) => u.toString().startsWith(rp), { timeout: 8000 }).then(() => true, () => false);
  if (!landed) {
    how = "the button";
    await page.getByRole("button", { name: "Se connecter avec une clé d'accès" }).click();
    await page.waitForURL((u) => u.toString().startsWith(rp));
  }
  await page.waitForLoadState();
  check((await page.content()).includes("22010411T"), `sign-in page → passkey (${how}) → PJ Web signed in as 22010411T, no password typed`);

  // The button too, on the sign-in page alone, in a fresh browser
  // session: presence is held back while the page loads, so the
  // conditional request waits and the button's own request (which aborts
  // it) is the one answered.
  const presence = (on) => cdp.send("WebAuthn.setAutomaticPresenceSimulation", { authenticatorId, enabled: on });
  const signInByButton = async () => {
    await ctx.clearCookies();
    await presence(false);
    await page.goto(base + "/login");
    await page.waitForTimeout(300);
    await presence(true);
    await page.getByRole("button", { name: "Se connecter avec une clé d'accès" }).click();
  };
  await signInByButton();
  await page.getByRole("heading", { name: "Vous êtes connecté" }).waitFor();
  check((await page.content()).includes("22010411T"), "the button signs in with the passkey");

  // 3. "Mon compte" lists it; remove it.
  await page.goto(base + "/account");
  check(await page.getByText("Clé d'accès créée le").isVisible(), "Mon compte lists the passkey");
  await axe(page, "/account", problems);
  await page.screenshot({ path: path.join(shots, "passkey-2-account.png"), fullPage: true });
  await page.getByRole("button", { name: "Supprimer cette clé d'accès" }).click();
  await page.getByText("La clé d'accès a été supprimée").waitFor();
  check(await page.getByText("Vous n'avez encore aucune clé d'accès.").isVisible(), "Mon compte: the passkey removed");

  // 4. The removed passkey (still on the authenticator) is refused.
  await signInByButton();
  const refused = page.getByText("Cette clé d'accès n'est plus enregistrée pour votre compte.");
  await refused.waitFor();
  check(await page.evaluate(() => document.activeElement && document.activeElement.id) === "passkey-error",
    "a removed passkey is refused, and the alert takes the focus");
  await page.screenshot({ path: path.join(shots, "passkey-3-refused.png"), fullPage: true });
  check(!(await page.content()).includes("Vous êtes connecté"), "the removed passkey opened no session");
} finally {
  await browser.close();
  stop();
}
report("passkey", problems, shots);
