// A headless "browser" for the sign-in: fetch, a cookie jar, manual
// redirects, and the login form's fields read from the HTML. It stops at
// any redirect to the relying party (its callback is never served).
export class Browser {
  constructor(rpPrefix) { this.jar = new Map(); this.rp = rpPrefix; }

  cookies() { return [...this.jar].map(([k, v]) => `${k}=${v}`).join("; "); }

  keep(res) {
    for (const c of res.headers.getSetCookie()) {
      const [pair, ...attrs] = c.split(";");
      const i = pair.indexOf("=");
      const name = pair.slice(0, i).trim(), value = pair.slice(i + 1).trim();
      const gone = attrs.some((a) => /^\s*max-age=(0|-)/i.test(a)) || value === "";
      if (gone) this.jar.delete(name); else this.jar.set(name, value);
    }
  }

  // go requests url and follows redirects until a page (returned as
  // {url, res, html}) or a redirect to the relying party ({rp: URL}).
  async go(url, init = {}) {
    for (let hop = 0; hop < 20; hop++) {
      const headers = { ...(init.headers || {}), cookie: this.cookies() };
      const res = await fetch(url, { ...init, headers, redirect: "manual" });
      this.keep(res);
      const loc = res.headers.get("location");
      if (res.status >= 300 && res.status < 400 && loc) {
        const next = new URL(loc, url);
        if (next.href.startsWith(this.rp)) return { rp: next, res };
        url = next.href;
        init = {};
        continue;
      }
      return { url, res, html: await res.text() };
    }
    throw new Error(`too many redirects from ${url}`);
  }

  // submit posts the page's first form (or the one whose action matches),
  // with its hidden inputs and the given fields.
  async submit(page, fields = {}, match = "") {
    const form = forms(page.html).find((f) => f.action.includes(match));
    if (!form) throw new Error(`no form ${match} on ${page.url} (status ${page.res.status})`);
    const body = new URLSearchParams({ ...form.inputs, ...fields });
    return this.go(new URL(form.action || page.url, page.url).href, {
      method: "POST", body, headers: { "content-type": "application/x-www-form-urlencoded", origin: new URL(page.url).origin },
    });
  }
}

const unescape = (s) => s.replace(/&#34;|&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, "<")
  .replace(/&gt;/g, ">").replace(/&#43;/g, "+").replace(/&amp;/g, "&");

function attr(tag, name) {
  const m = tag.match(new RegExp(`\\s${name}\\s*=\\s*("([^"]*)"|'([^']*)'|([^\\s>]+))`, "i"));
  return m ? unescape(m[2] ?? m[3] ?? m[4]) : undefined;
}

// forms lists the page's forms: action, method and named inputs' values.
export function forms(html) {
  return [...html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)].map(([, open, inner]) => {
    const inputs = {};
    for (const [tag] of inner.matchAll(/<(input|button)\b[^>]*>/gi)) {
      const name = attr(tag, "name");
      if (name && attr(tag, "type") !== "submit") inputs[name] = attr(tag, "value") ?? "";
    }
    return { action: attr(open, "action") ?? "", method: (attr(open, "method") || "get").toLowerCase(), inputs };
  });
}
