// The check pages' live parts: the details page polls its status and recent events,
// "Ping now" pings the check from the browser, and the log filters its rows by kind
// and adds new events as they arrive. Pages work without it, only less live.
(function () {
  "use strict";

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; });
  }

  // Details: the status sentence, title, events and downtimes, every few seconds.
  // The HTML pieces come from our own server, already escaped there.
  function pollStatus(el) {
    var url = el.getAttribute("data-status-url") + "?u=" + encodeURIComponent(el.getAttribute("data-updated") || "");
    getJSON(url).then(function (d) {
      if (!d) return;
      if (el.innerHTML !== d.status_text) el.innerHTML = d.status_text;
      document.title = d.title;
      if (d.events !== undefined) {
        var events = document.getElementById("events");
        if (events) events.innerHTML = d.events;
        var downtimes = document.getElementById("downtimes");
        if (downtimes && d.downtimes !== undefined) downtimes.innerHTML = d.downtimes;
        el.setAttribute("data-updated", d.updated);
      }
    }).catch(function () {});
  }

  // "Ping now": a request from the browser, as any client's would be.
  function pingNow(button) {
    var result = document.querySelector("[data-ping-result]");
    fetch(button.getAttribute("data-ping-now"), { mode: "no-cors", cache: "no-store" })
      .then(function () { if (result) result.textContent = "Ping sent."; })
      .catch(function () { if (result) result.textContent = "The ping could not be sent."; });
  }

  // Log: which kinds are ticked.
  function shownKinds() {
    var shown = {};
    document.querySelectorAll("[data-kind-filter]").forEach(function (box) {
      shown[box.getAttribute("data-kind-filter")] = box.checked;
    });
    return shown;
  }

  function applyFilters(body) {
    var shown = shownKinds();
    body.querySelectorAll("tr[data-kind]").forEach(function (row) {
      row.hidden = shown[row.getAttribute("data-kind")] === false;
    });
  }

  // Log: rows after the newest one shown, all kinds (the filters hide them here, so
  // changing a filter needs no request).
  function pollLog(body) {
    var url = body.getAttribute("data-log-events") + "?u=" + encodeURIComponent(body.getAttribute("data-last"));
    fetch(url, { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) return;
      var last = r.headers.get("X-Last-Event-Timestamp");
      return r.text().then(function (html) {
        if (html.trim()) {
          var holder = document.createElement("tbody");
          holder.innerHTML = html;
          var rows = Array.prototype.slice.call(holder.querySelectorAll("tr[data-kind]"));
          rows.reverse().forEach(function (row) { body.insertBefore(row, body.firstChild); });
          applyFilters(body);
          var empty = document.getElementById("log-empty");
          if (empty && rows.length) empty.hidden = true;
        }
        if (last) body.setAttribute("data-last", last);
      });
    }).catch(function () {});
  }

  document.addEventListener("DOMContentLoaded", function () {
    var status = document.querySelector("[data-status-url]");
    if (status) {
      setInterval(function () { if (!document.hidden) pollStatus(status); }, 3000);
    }
    document.querySelectorAll("[data-ping-now]").forEach(function (button) {
      button.addEventListener("click", function () { pingNow(button); });
    });
    var body = document.getElementById("log-body");
    if (body) {
      document.querySelectorAll("[data-kind-filter]").forEach(function (box) {
        box.addEventListener("change", function () { applyFilters(body); });
      });
      // Filters apply at once, so the form's button is only for pages without scripts.
      document.querySelectorAll("[data-filter-submit]").forEach(function (b) { b.remove(); });
      if (body.hasAttribute("data-log-events")) {
        setInterval(function () { if (!document.hidden) pollLog(body); }, 3000);
      }
    }
  });
})();
