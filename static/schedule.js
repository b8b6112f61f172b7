// The schedule dialogs (templates/checks/schedule_dialogs.html): buttons open them,
// seconds fields become sliders that snap to minutes, hours, days and weeks, cron and
// OnCalendar expressions are previewed as they are typed, and Save comes back to the
// page it was made on. Without this file the forms still post, with plain numbers.
(function () {
  "use strict";

  // Slider stops: every minute up to an hour, every hour up to a day, every day up to
  // a week, every week up to 52 weeks, then 365 days, the longest period allowed.
  var STOPS = [];
  var i;
  for (i = 1; i < 60; i++) STOPS.push(i * 60);
  for (i = 1; i < 24; i++) STOPS.push(i * 3600);
  for (i = 1; i < 7; i++) STOPS.push(i * 86400);
  for (i = 1; i <= 52; i++) STOPS.push(i * 604800);
  STOPS.push(365 * 86400);

  var UNITS = [[604800, "week"], [86400, "day"], [3600, "hour"], [60, "minute"], [1, "second"]];

  // "1 day", "2 hours", "1 week, 2 days": the two largest units, as the server says it.
  function words(seconds) {
    var parts = [];
    var left = Math.max(0, Math.floor(seconds));
    for (var u = 0; u < UNITS.length && parts.length < 2; u++) {
      var n = Math.floor(left / UNITS[u][0]);
      left = left % UNITS[u][0];
      if (n > 0) parts.push(n + " " + UNITS[u][1] + (n === 1 ? "" : "s"));
    }
    return parts.length ? parts.join(", ") : "0 seconds";
  }

  // The stop closest to a value on the slider's (logarithmic-looking) scale.
  function nearestStop(seconds) {
    var best = 0;
    for (var s = 1; s < STOPS.length; s++) {
      if (Math.abs(Math.log(STOPS[s] / seconds)) < Math.abs(Math.log(STOPS[best] / seconds))) best = s;
    }
    return best;
  }

  // A seconds field becomes a slider with its value in words; the number input stays
  // in the form (hidden) and carries what is posted.
  function enhanceDuration(box) {
    var slider = box.querySelector("[data-slider]");
    var out = box.querySelector("[data-words]");
    var seconds = box.querySelector("[data-seconds]");
    var label = box.querySelector("label");
    slider.max = String(STOPS.length - 1);
    function show(value) {
      var text = words(value);
      out.textContent = text;
      slider.setAttribute("aria-valuetext", text);
    }
    function fromSeconds() {
      var current = parseInt(seconds.value, 10) || 60;
      slider.value = String(nearestStop(current));
      show(current);
    }
    fromSeconds();
    slider.addEventListener("input", function () {
      var value = STOPS[parseInt(slider.value, 10)] || 60;
      seconds.value = String(value);
      show(value);
    });
    // A form reset (Cancel after moving the slider) puts the saved value back.
    seconds.form.addEventListener("reset", function () { setTimeout(fromSeconds, 0); });
    slider.hidden = false;
    out.hidden = false;
    box.querySelector("[data-seconds-box]").hidden = true;
    label.htmlFor = slider.id;
  }

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  // Asks the server to describe the expression and list its next runs; the answer is
  // an HTML fragment the server has escaped. Late answers to older input are dropped.
  function preview(form) {
    var out = form.querySelector("[data-preview]");
    var field = form.querySelector("input[data-preview-field], textarea[data-preview-field]");
    var zone = form.querySelector("select[name=tz]");
    var seq = (form.hcPreviewSeq || 0) + 1;
    form.hcPreviewSeq = seq;
    form.setAttribute("data-preview-state", "pending");
    var body = new URLSearchParams();
    body.set("schedule", field.value);
    body.set("tz", zone.value);
    fetch(form.getAttribute("data-preview-url"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), "Content-Type": "application/x-www-form-urlencoded" },
      body: body.toString()
    })
      .then(function (r) {
        if (!r.ok) throw new Error("HTTP " + r.status);
        return r.text();
      })
      .then(function (html) {
        if (seq !== form.hcPreviewSeq) return;
        out.innerHTML = html;
        var marker = out.querySelector("[data-preview-state]");
        var valid = marker && marker.getAttribute("data-preview-state") === "valid";
        form.setAttribute("data-preview-state", valid ? "valid" : "invalid");
        field.setAttribute("aria-invalid", valid ? "false" : "true");
      })
      .catch(function () {
        if (seq !== form.hcPreviewSeq) return;
        out.textContent = "The preview is not available right now; the schedule is checked when you save.";
        form.setAttribute("data-preview-state", "unknown");
      });
  }

  function dialogFor(code, kind) {
    return document.getElementById("sd-" + code + "-" + kind);
  }

  function open(dialog) {
    if (!dialog || dialog.open) return;
    dialog.showModal();
    var form = dialog.querySelector("form");
    if (form.hasAttribute("data-preview-url")) preview(form);
  }

  document.addEventListener("click", function (event) {
    var opener = event.target.closest && event.target.closest("[data-schedule-dialog]");
    if (!opener) return;
    open(dialogFor(opener.getAttribute("data-schedule-dialog"), opener.getAttribute("data-kind")));
  });

  document.addEventListener("input", function (event) {
    var field = event.target.closest && event.target.closest("[data-preview-field]");
    if (!field || !field.form || !field.form.hasAttribute("data-preview-url")) return;
    var form = field.form;
    form.setAttribute("data-preview-state", "pending");
    clearTimeout(form.hcPreviewTimer);
    form.hcPreviewTimer = setTimeout(function () { preview(form); }, 300);
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute || !form.hasAttribute("data-schedule-form")) return;
    var submitter = event.submitter;
    if (submitter && submitter.hasAttribute("data-close")) {
      // Cancel: the dialog closes (formmethod=dialog) and forgets the edits.
      setTimeout(function () { form.reset(); }, 0);
      return;
    }
    if (form.hasAttribute("data-preview-url") && form.getAttribute("data-preview-state") === "invalid") {
      // The message is already next to the field; keep the dialog open.
      event.preventDefault();
      form.querySelector("[data-preview-field]").focus();
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-schedule-for]").forEach(function (root) {
      var prefix = root.getAttribute("data-prefix") || "";
      var path = window.location.pathname;
      if (prefix && path.indexOf(prefix) === 0) path = path.slice(prefix.length);
      root.querySelectorAll("[data-next]").forEach(function (next) {
        next.value = path + window.location.search;
      });
      root.querySelectorAll("[data-duration]").forEach(enhanceDuration);
      root.querySelectorAll("[data-schedule-buttons]").forEach(function (row) { row.hidden = false; });
    });
    // A link to a dialog (#sd-<uuid>-<kind>) opens it.
    var hash = window.location.hash.slice(1);
    var target = hash && document.getElementById(hash);
    if (target && target.classList.contains("schedule-dialog")) {
      history.replaceState(null, "", window.location.pathname + window.location.search);
      open(target);
    }
  });
})();
