// Progressive enhancement only: every page works without this file.
"use strict";
if ("serviceWorker" in navigator) {
  window.addEventListener("load", function () {
    navigator.serviceWorker.register("/sw.js", { scope: "/" })
      .then(function () { return navigator.serviceWorker.ready; })
      .then(function (reg) {
        // Keep this page for offline use now, even on the first visit (before the
        // service worker controlled the page).
        if (/^\/(plan|timer)(\/|$)/.test(location.pathname) && reg.active) {
          reg.active.postMessage({ cache: location.pathname });
        }
        // Pain scores logged offline wait in the worker: send them now, and when the
        // network comes back while this page is open.
        if (reg.active) reg.active.postMessage({ flush: true });
        window.addEventListener("online", function () {
          if (reg.active) reg.active.postMessage({ flush: true });
        });
      })
      .catch(function () { /* no offline support: the app still works online */ });
  });
}

// A session's start on this page ([data-notify-at], e.g. "Next" on My plan): a browser
// notification when it comes, while the page is open, only if the person turned notices
// on (the button on a timer page) and the browser allows them. Nothing goes to a server.
(function () {
  var items = document.querySelectorAll("[data-notify-at]");
  if (!items.length || !("Notification" in window)) return;
  var on = false;
  try { on = JSON.parse(localStorage.getItem("bs-notify") || "false") === true; } catch (e) { /* private mode */ }
  if (!on || Notification.permission !== "granted") return;
  Array.prototype.forEach.call(items, function (el) {
    var at = el.getAttribute("data-notify-at");
    var wait = Date.parse(at) - Date.now();
    if (!(wait > 0 && wait < 24 * 3600 * 1000)) return;
    setTimeout(function () {
      try {
        new Notification("backspasm", { body: el.getAttribute("data-notify-text") || "", tag: "bs-session-" + at });
      } catch (e) { /* no notification: the page still shows the plan */ }
    }, wait);
  });
})();
// On paper, the page's sources are printed in full (the stylesheet opens them where the
// browser supports ::details-content; this covers the others) and closed again after.
(function () {
  var opened = [];
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details.bs-sources:not([open])").forEach(function (d) {
      d.open = true; opened.push(d);
    });
  });
  window.addEventListener("afterprint", function () {
    opened.forEach(function (d) { d.open = false; });
    opened = [];
  });
})();
