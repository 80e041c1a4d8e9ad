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
