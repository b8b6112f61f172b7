// hc's small page helpers: confirmation before destructive posts, copy buttons,
// and live refresh of elements that ask for it. No framework, no outside requests.
(function () {
  "use strict";

  // <form data-confirm="Remove this project?"> asks before it posts.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });

  // <form data-autosubmit> shows its result as soon as a choice changes.
  document.addEventListener("change", function (event) {
    var form = event.target.form;
    if (form && form.hasAttribute("data-autosubmit")) form.submit();
  });

  // <button data-copy="text"> copies its text.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-copy]");
    if (!button || !navigator.clipboard) return;
    navigator.clipboard.writeText(button.getAttribute("data-copy")).then(function () {
      var label = button.textContent;
      button.textContent = "Copied!";
      setTimeout(function () { button.textContent = label; }, 1200);
    });
  });

  // <div data-refresh-url="..."> polls a JSON map of id -> {status} and updates
  // the status badges inside it marked with data-status-of="<id>".
  function refresh(container) {
    var url = container.getAttribute("data-refresh-url");
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) return;
        Object.keys(data).forEach(function (id) {
          var badge = container.querySelector('[data-status-of="' + id + '"]');
          if (!badge) return;
          var status = data[id].status;
          badge.className = "status status-" + status;
          var label = { up: "up", grace: "late", down: "down", paused: "paused", started: "started", new: "new" }[status] || status;
          badge.lastChild.textContent = label;
        });
      })
      .catch(function () {});
  }
  // My Checks: one small request every few seconds updates statuses, last pings
  // and the page title ("2 down – ...").
  var LABELS = { up: "up", grace: "late", down: "down", paused: "paused", new: "new" };
  function refreshChecks(container) {
    fetch(container.getAttribute("data-checks-refresh"), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) return;
        data.details.forEach(function (d) {
          var badge = container.querySelector('[data-check-status="' + d.code + '"]');
          if (badge) {
            badge.className = "status status-" + d.status;
            badge.lastChild.textContent = LABELS[d.status] || d.status;
          }
          var last = container.querySelector('[data-check-last-ping="' + d.code + '"]');
          if (last && last.firstChild) last.firstChild.textContent = d.last_ping;
        });
        document.title = data.title;
      })
      .catch(function () {});
  }
  document.addEventListener("DOMContentLoaded", function () {
    // Sign-up forms send the browser's time zone, so a new account starts in it.
    var zone = "";
    try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) {}
    document.querySelectorAll("input[data-browser-tz]").forEach(function (el) {
      if (!el.value) el.value = zone;
    });
    document.querySelectorAll("[data-refresh-url]").forEach(function (el) {
      setInterval(function () { if (!document.hidden) refresh(el); }, 5000);
    });
    // The Welcome page's demo check.
    document.querySelectorAll("[data-welcome-status]").forEach(function (el) {
      setInterval(function () {
        if (document.hidden) return;
        fetch(el.getAttribute("data-welcome-status"), { credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.json() : null; })
          .then(function (d) {
            if (!d) return;
            var badge = el.querySelector(".status");
            badge.className = "status status-" + d.status;
            badge.lastChild.textContent = LABELS[d.status] || d.status;
            el.querySelector(".last-ping").textContent = d.last_ping;
          })
          .catch(function () {});
      }, 2000);
    });
    document.querySelectorAll("[data-checks-refresh]").forEach(function (el) {
      setInterval(function () { if (!document.hidden) refreshChecks(el); }, 3000);
    });
  });
})();
