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
  });

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
        setTimeout(function () { btn.textContent = label; }, 2000);
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
        res.rules.forEach(function (rule) {
          var li = form.querySelector('.rule[data-rule="' + rule.id + '"]');
          if (!li) return;
          var ok = rule.ok && pw.value !== "";
          li.classList.toggle("ok", ok);
          li.classList.toggle("ko", !ok && pw.value !== "" && rule.id !== "history");
          var list = li.parentNode;
          li.querySelector(".rule-state").textContent = pw.value === "" ? "" :
            " (" + list.getAttribute(ok ? "data-ok" : "data-ko") + ")";
        });
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
