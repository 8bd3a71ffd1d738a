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
