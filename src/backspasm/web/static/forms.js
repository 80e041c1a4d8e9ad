// Progressive enhancement for Settings and the report download: every page works without it.
"use strict";
(function () {
  // Settings: the time zone of this device. A zone never chosen is filled in from it (and
  // the page says so); a different saved zone gets a one-tap button to switch.
  function deviceZone() {
    try { return Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { return ""; }
  }
  function offerZone() {
    var input = document.getElementById("tz");
    var note = document.getElementById("tz-device");
    var list = document.getElementById("tz-list");
    var zone = deviceZone();
    if (!input || !note || !list || !zone || input.value === zone) { return; }
    var known = Array.prototype.some.call(list.options, function (o) { return o.value === zone; });
    if (!known) { return; }
    if (input.getAttribute("data-from-device") === "1") {
      input.value = zone;
      note.textContent = "We filled in the time zone of this device: " + zone + ". Save your settings to keep it.";
      note.hidden = false;
      return;
    }
    var button = document.createElement("button");
    button.type = "button";
    button.className = "bs-link-button";
    button.textContent = "Use the time zone of this device: " + zone;
    button.addEventListener("click", function () {
      input.value = zone;
      note.textContent = "Time zone set to " + zone + ". Save your settings to keep it.";
      input.focus();
    });
    note.textContent = "";
    note.appendChild(button);
    note.hidden = false;
  }

  // Calendar and reports: the report takes seconds to make. The link fetches it, says it is
  // being made until it is ready, then saves it; on any failure the plain link is followed.
  function waitForReport(link) {
    link.addEventListener("click", function (event) {
      if (!window.fetch || !window.URL || link.getAttribute("aria-disabled") === "true") {
        if (link.getAttribute("aria-disabled") === "true") { event.preventDefault(); }
        return;
      }
      event.preventDefault();
      var label = link.textContent;
      var status = document.getElementById(link.getAttribute("data-status"));
      link.setAttribute("aria-disabled", "true");
      link.classList.add("bs-button--busy");
      link.textContent = link.getAttribute("data-waiting");
      if (status) { status.textContent = link.getAttribute("data-waiting"); }
      function done(text) {
        link.removeAttribute("aria-disabled");
        link.classList.remove("bs-button--busy");
        link.textContent = label;
        if (status) { status.textContent = text; }
      }
      fetch(link.href, { credentials: "same-origin" }).then(function (r) {
        if (!r.ok) { throw new Error(String(r.status)); }
        return r.blob();
      }).then(function (blob) {
        var url = URL.createObjectURL(blob);
        var a = document.createElement("a");
        a.href = url;
        a.download = link.getAttribute("download") || "report.pdf";
        document.body.appendChild(a);
        a.click();
        a.remove();
        setTimeout(function () { URL.revokeObjectURL(url); }, 60000);
        done(link.getAttribute("data-ready"));
      }).catch(function () {
        done("");
        window.location.href = link.href; // the server's own page says what went wrong
      });
    });
  }

  function start() {
    offerZone();
    Array.prototype.forEach.call(document.querySelectorAll("a[data-waiting]"), waitForReport);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
