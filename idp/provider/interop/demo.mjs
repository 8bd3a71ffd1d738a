// startDemo builds cmd/seuil and runs `seuil demo` on free loopback ports,
// in a temporary data directory, with the interop clients added through
// --config. SEUIL_BIN skips the build (a binary built beforehand).
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

// freePort is a port free now and never handed out before in this run:
// the kernel may give a port just closed again, and two servers of one
// walk (the demo and its relying party, Apache…) must not get the same.
const handedOut = new Set();
export async function freePort() {
  for (;;) {
    const p = await new Promise((resolve, reject) => {
      const s = net.createServer().once("error", reject)
        .listen(0, "127.0.0.1", () => { const p = s.address().port; s.close(() => resolve(p)); });
    });
    if (!handedOut.has(p)) {
      handedOut.add(p);
      return p;
    }
  }
}

// The clients: one per token endpoint authentication method Seuil offers
// with a shared secret, and a public one (PKCE only).
export const secret = "node-rp-secret-0123456789abcdefghijkl";
export const clients = [
  { id: "node-rp", secret, auth: "client_secret_basic" },
  { id: "node-rp-post", secret, auth: "client_secret_post" },
  { id: "node-rp-public", auth: "none" },
];

function extraYAML(rp, extra) {
  const lines = ["oidc:", "  clients:", ...extra];
  for (const c of clients) {
    lines.push(`    - id: ${c.id}`);
    if (c.secret) lines.push(`      secret: "${c.secret}"`, `      token_endpoint_auth_method: ${c.auth}`);
    else lines.push("      public: true");
    lines.push(`      redirect_uris: ["${rp}/cb"]`, `      post_logout_redirect_uris: ["${rp}/"]`,
      "      scopes: [openid, profile, email, offline_access]");
  }
  return lines.join("\n") + "\n";
}

// startDemo runs the demo with the interop clients and, in extra, more
// client entries as YAML lines ("    - id: …").
export async function startDemo(extra = []) {
  const tmp = mkdtempSync(path.join(os.tmpdir(), "seuil-interop-"));
  let bin = process.env.SEUIL_BIN;
  if (!bin) {
    bin = path.join(tmp, "seuil");
    execFileSync("go", ["build", "-o", bin, "./cmd/seuil"], { cwd: root, stdio: "inherit" });
  }
  const [port, rpPort, cbPort] = [await freePort(), await freePort(), await freePort()];
  const rp = `http://127.0.0.1:${cbPort}`; // nothing listens: redirects are intercepted
  writeFileSync(path.join(tmp, "extra.yaml"), extraYAML(rp, extra));
  const proc = spawn(bin, ["demo", "--addr", `127.0.0.1:${port}`, "--rp-addr", `127.0.0.1:${rpPort}`,
    "--data", path.join(tmp, "data"), "--config", path.join(tmp, "extra.yaml")],
  { stdio: ["ignore", "ignore", process.env.SEUIL_LOG ? "inherit" : "ignore"] });
  let exited = null;
  proc.on("exit", (code) => { exited = code; });
  const stop = () => { proc.kill(); rmSync(tmp, { recursive: true, force: true }); };
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300 && exited === null; i++) {
    try { if ((await fetch(base + "/healthz")).ok) return { issuer: base, rp, stop }; } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  stop();
  throw new Error(`seuil demo did not start (exit ${exited}); rerun with SEUIL_LOG=1`);
}
