// Seuil default theme: progressive enhancement only. Every page works
// without this file; the server is the only judge of a password.
(function () {
  "use strict";
  function ready(fn) {
    if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn);
  }
  ready(function () {
    document.querySelectorAll(".js-only").forEach(function (el) { el.hidden = false; });
    var first = document.getElementById("error-summary") || document.getElementById("error-message") ||
      document.getElementById("login-error");
    if (first) first.focus();
    document.querySelectorAll("[data-toggle]").forEach(setupToggle);
    document.querySelectorAll("[data-copy]").forEach(setupCopy);
    var form = document.getElementById("password-form");
    if (form) setupChecklist(form);
    document.querySelectorAll("[data-follow]").forEach(follow);
    if (window.PublicKeyCredential && navigator.credentials) {
      document.querySelectorAll(".webauthn-only").forEach(function (el) { el.hidden = false; });
      document.querySelectorAll("[data-register]").forEach(setupPasskeyRegister);
      document.querySelectorAll("[data-options]").forEach(setupPasskeyLogin);
    }
  });

  // follow re-reads the page every data-follow seconds while a line it
  // marks is still changing (an SMS being sent), and puts the new line
  // in place; its role="status" makes screen readers say it. A page
  // render changes nothing on the server: no form in progress is voided.
  function follow(el) {
    var every = (parseInt(el.getAttribute("data-follow"), 10) || 3) * 1000, tries = 0;
    function again() {
      if (++tries > 20) return;
      setTimeout(function () {
        fetch(location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
          .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
          .then(function (html) {
            var next = new DOMParser().parseFromString(html, "text/html").getElementById(el.id);
            if (!next) return;
            if (next.textContent !== el.textContent) el.textContent = next.textContent;
            if (next.hasAttribute("data-follow")) again();
          })
          .catch(function () { again(); });
      }, every);
    }
    again();
  }

  // Passkeys. The server speaks WebAuthn's JSON (base64url for binary);
  // the browser's API wants ArrayBuffers: b64 and buf convert.
  function buf(s) {
    s = s.replace(/-/g, "+").replace(/_/g, "/");
    var bin = atob(s + "===".slice((s.length + 3) % 4)), out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out.buffer;
  }
  function b64(b) {
    var bytes = new Uint8Array(b), bin = "";
    for (var i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]);
    return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function post(url, body) {
    return fetch(url, { method: "POST", credentials: "same-origin", headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body || {}) }).then(function (r) {
      return r.json().then(function (j) { if (!r.ok) throw new Error(j.error || "failed"); return j; });
    });
  }
  function credentialJSON(c) {
    var r = c.response, out = { id: c.id, rawId: b64(c.rawId), type: c.type,
      clientExtensionResults: c.getClientExtensionResults ? c.getClientExtensionResults() : {},
      authenticatorAttachment: c.authenticatorAttachment || undefined, response: { clientDataJSON: b64(r.clientDataJSON) } };
    if (r.attestationObject) {
      out.response.attestationObject = b64(r.attestationObject);
      if (r.getTransports) out.response.transports = r.getTransports();
    } else {
      out.response.authenticatorData = b64(r.authenticatorData);
      out.response.signature = b64(r.signature);
      if (r.userHandle) out.response.userHandle = b64(r.userHandle);
    }
    return out;
  }

  function setupPasskeyRegister(box) {
    var btn = box.querySelector("button"), status = box.querySelector("[role=status]");
    var url = box.getAttribute("data-register");
    btn.addEventListener("click", function () {
      btn.disabled = true;
      post(url + "/options").then(function (o) {
        var pk = o.publicKey;
        pk.challenge = buf(pk.challenge);
        pk.user.id = buf(pk.user.id);
        (pk.excludeCredentials || []).forEach(function (c) { c.id = buf(c.id); });
        return navigator.credentials.create({ publicKey: pk });
      }).then(function (c) { return post(url, credentialJSON(c)); }).then(function () {
        status.textContent = box.getAttribute("data-ok");
        btn.hidden = true;
      }).catch(function () {
        status.textContent = box.getAttribute("data-ko");
        btn.disabled = false;
      });
    });
  }

  function setupPasskeyLogin(box) {
    var btn = box.querySelector("button"), alert = box.querySelector("[role=alert]");
    var pending = box.getAttribute("data-pending"), waiting = null;
    function signIn(mediation) {
      if (waiting) waiting.abort();
      var ctl = window.AbortController ? new AbortController() : null;
      waiting = ctl;
      return post(box.getAttribute("data-options")).then(function (o) {
        var pk = o.options.publicKey;
        pk.challenge = buf(pk.challenge);
        (pk.allowCredentials || []).forEach(function (c) { c.id = buf(c.id); });
        var req = { publicKey: pk };
        if (mediation) req.mediation = mediation;
        if (ctl) req.signal = ctl.signal;
        return navigator.credentials.get(req).then(function (c) {
          var q = "?ceremony=" + encodeURIComponent(o.ceremony) + (pending ? "&id=" + encodeURIComponent(pending) : "");
          return post(box.getAttribute("data-login") + q, credentialJSON(c));
        });
      }).then(function (res) { window.location.assign(res.redirect); });
    }
    function show(err) {
      if (err && err.name === "AbortError") return;
      var key = err && /^(unknown_key|locked)$/.test(err.message) ? err.message : "failed";
      alert.querySelector("p").textContent = box.getAttribute("data-" + key);
      alert.hidden = false;
      alert.focus();
    }
    btn.addEventListener("click", function () { signIn(null).catch(show); });
    // Conditional mediation: the browser offers the passkeys in the
    // login field's suggestions, where it can.
    if (PublicKeyCredential.isConditionalMediationAvailable) {
      PublicKeyCredential.isConditionalMediationAvailable().then(function (ok) {
        if (ok) signIn("conditional").catch(function () {});
      });
    }
  }

  function setupToggle(btn) {
    var input = document.getElementById(btn.getAttribute("data-toggle"));
    if (!input) return;
    btn.setAttribute("aria-controls", input.id);
    btn.addEventListener("click", function () {
      var show = input.type === "password";
      input.type = show ? "text" : "password";
      btn.textContent = btn.getAttribute(show ? "data-hide" : "data-show");
      btn.setAttribute("aria-pressed", show ? "true" : "false");
    });
  }

  function setupCopy(btn) {
    var src = document.getElementById(btn.getAttribute("data-copy"));
    if (!src || !navigator.clipboard) { btn.hidden = true; return; }
    var label = btn.textContent;
    btn.addEventListener("click", function () {
      navigator.clipboard.writeText(src.textContent.trim()).then(function () {
        btn.textContent = btn.getAttribute("data-done");
        // The button's new text is not announced by every screen reader:
        // the status region says it once.
        var status = document.getElementById("copy-status");
        if (status) status.textContent = btn.getAttribute("data-done");
        setTimeout(function () { btn.textContent = label; if (status) status.textContent = ""; }, 2000);
      });
    });
  }

  function setupChecklist(form) {
    var pw = form.querySelector("#password"), confirm = form.querySelector("#confirm");
    var meter = form.querySelector("#strength"), label = form.querySelector("#strength-label");
    var match = form.querySelector("#confirm-match");
    var token = form.querySelector("input[name=csrf]").value;
    var url = form.getAttribute("data-check");
    var timer = null, seq = 0;
    function check() {
      var mine = ++seq;
      fetch(url, {
        method: "POST", credentials: "same-origin",
        headers: { "X-CSRF-Token": token, "Content-Type": "application/x-www-form-urlencoded" },
        body: "password=" + encodeURIComponent(pw.value)
      }).then(function (r) { return r.status === 200 ? r.json() : null; }).then(function (res) {
        if (!res || mine !== seq) return;
        var met = 0, judged = 0;
        res.rules.forEach(function (rule) {
          var li = form.querySelector('.rule[data-rule="' + rule.id + '"]');
          if (!li) return;
          // The history rule stays neutral: only the directory can tell.
          var state = pw.value === "" ? "" : rule.state;
          li.classList.toggle("ok", state === "ok");
          li.classList.toggle("ko", state === "ko");
          var list = li.parentNode;
          li.querySelector(".rule-state").textContent = state === "" ? "" :
            " (" + list.getAttribute(state === "ok" ? "data-ok" : "data-ko") + ")";
          if (state !== "") { judged++; if (state === "ok") met++; }
        });
        // One polite sentence for the whole list, not one per rule.
        var summary = form.querySelector("#rules-summary");
        if (summary) {
          summary.textContent = pw.value === "" ? "" :
            summary.getAttribute("data-summary").replace("%d", met).replace("%d", judged);
        }
        meter.value = pw.value ? res.score : 0;
        label.textContent = pw.value ? res.label : "";
      }).catch(function () {});
    }
    function compare() {
      if (!confirm.value) { match.textContent = ""; match.className = "match"; return; }
      var same = confirm.value === pw.value;
      match.textContent = match.getAttribute(same ? "data-ok" : "data-ko");
      match.className = "match " + (same ? "ok" : "ko");
    }
    pw.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(check, 200);
      compare();
    });
    confirm.addEventListener("input", compare);
    // Once the form is sent, a pending check would only race it.
    form.addEventListener("submit", function () { clearTimeout(timer); seq++; });
  }
})();
