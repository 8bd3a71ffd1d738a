// Helpers shared by the browser walks: a demo on free ports, the last
// code of the outbox, a check that prints what it proved, an axe audit.
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import { createRequire } from "node:module";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

export const chromiumArgs = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
  "--disable-component-update", "--disable-sync"];

// freePort is a port free now and never handed out before in this walk:
// the kernel may give a port just closed again, and the demo and its
// relying party must not get the same.
const handedOut = new Set();
export async function freePort() {
  for (;;) {
    const p = await new Promise((resolve) => {
      const s = net.createServer().listen(0, "127.0.0.1", () => { const p = s.address().port; s.close(() => resolve(p)); });
    });
    if (!handedOut.has(p)) {
      handedOut.add(p);
      return p;
    }
  }
}

// startDemo builds cmd/seuil and runs `seuil demo` on free ports with a
// fresh data directory, unless SEUIL_URL (and SEUIL_RP_URL) name a running
// demo. host "localhost" gives the demo a host name, which passkeys need;
// replica serves a second replica of Seuil too (same state), at .replica.
export async function startDemo({ host = "127.0.0.1", replica = false } = {}) {
  if (process.env.SEUIL_URL) {
    return { base: process.env.SEUIL_URL.replace(/\/$/, ""),
      rp: (process.env.SEUIL_RP_URL || "http://127.0.0.1:8081").replace(/\/$/, ""), stop() {} };
  }
  const tmp = mkdtempSync(path.join(os.tmpdir(), "seuil-walk-"));
  const bin = path.join(tmp, "seuil");
  execFileSync("go", ["build", "-o", bin, "./cmd/seuil"], { cwd: path.join(here, "..", ".."), stdio: "inherit" });
  const [port, rpPort, replicaPort] = [await freePort(), await freePort(), await freePort()];
  const args = ["demo", "--addr", `${host}:${port}`, "--rp-addr", `${host}:${rpPort}`, "--data", path.join(tmp, "data")];
  if (replica) args.push("--replica-addr", `${host}:${replicaPort}`);
  const proc = spawn(bin, args, { stdio: ["ignore", "ignore", "inherit"] });
  const base = `http://${host}:${port}`;
  const stop = () => { proc.kill(); rmSync(tmp, { recursive: true, force: true }); };
  for (let i = 0; i < 150; i++) {
    try {
      if ((await fetch(base + "/healthz")).ok) {
        return { base, rp: `http://${host}:${rpPort}`, replica: replica ? `http://${host}:${replicaPort}` : "", stop };
      }
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  stop();
  throw new Error("seuil demo did not start");
}

export async function lastCode(base, to) {
  const msgs = await (await fetch(base + "/demo/outbox.json")).json();
  const list = (Array.isArray(msgs) ? msgs : (msgs.messages || []))
    .map((m, i) => ({ to: m.recipient || m.to, code: m.code || ((m.body || "").match(/\b\d{6,8}\b/) || [])[0],
      at: m.time ? Date.parse(m.time) : i }))
    .filter((m) => m.code && (!to || m.to === to))
    .sort((a, b) => b.at - a.at);
  if (!list.length) throw new Error("no code in the outbox");
  return list[0].code;
}

export function check(cond, what) {
  if (!cond) throw new Error("check failed: " + what);
  console.log("ok  " + what);
}


// axe runs the WCAG 2.1 AA and best-practice rules on the page and adds
// each violation to problems (the context must bypass CSP: axe is
// injected).
export async function axe(page, label, problems) {
  await page.addScriptTag({ path: require.resolve("axe-core") });
  const res = await page.evaluate(async () => await window.axe.run(document, {
    runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] } }));
  for (const v of res.violations) {
    problems.push(`axe ${label}: ${v.id} (${v.impact}) ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  }
  return res.violations.length;
}

// report prints the problems found (and fails the run) or says the walk
// passed.
export function report(name, problems, shots) {
  if (problems.length) {
    console.log("problems:\n  " + problems.join("\n  "));
    process.exitCode = 1;
  } else {
    console.log(`${name} ok; screenshots in ${shots}`);
  }
}
