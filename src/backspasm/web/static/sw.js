// Service worker: keeps "My plan" and the timers working offline once visited.
// Pages are fetched from the network first (they change with the hours since onset);
// the last good copy of the plan and timer pages is kept for when there is no network.
"use strict";
var CACHE = "backspasm-v1";
var ASSETS = ["/static/bs.css", "/static/app.js", "/static/timer.js",
  "/static/icons/icon.svg", "/manifest.webmanifest"];
var OFFLINE_PAGES = /^\/(plan|timer)(\/|$)/;

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (c) { return c.addAll(ASSETS); })
    .then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k !== CACHE; })
      .map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("message", function (event) {
  var path = event.data && event.data.cache;
  if (typeof path === "string" && OFFLINE_PAGES.test(path)) {
    event.waitUntil(caches.open(CACHE).then(function (c) {
      return fetch(path, { credentials: "same-origin" }).then(function (res) {
        if (res.ok) return c.put(path, res);
      });
    }).catch(function () {}));
  }
});

self.addEventListener("fetch", function (event) {
  var req = event.request;
  if (req.method !== "GET") return;
  var url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(caches.match(req).then(function (hit) {
      return hit || fetch(req).then(function (res) {
        if (res.ok) { var copy = res.clone(); caches.open(CACHE).then(function (c) { c.put(req, copy); }); }
        return res;
      });
    }));
    return;
  }
  if (req.mode === "navigate" && OFFLINE_PAGES.test(url.pathname)) {
    event.respondWith(fetch(req).then(function (res) {
      if (res.ok) { var copy = res.clone(); caches.open(CACHE).then(function (c) { c.put(url.pathname, copy); }); }
      return res;
    }).catch(function () {
      return caches.match(url.pathname).then(function (hit) {
        return hit || offline();
      });
    }));
  }
});

function offline() {
  return new Response("<!doctype html><html lang=\"en\"><meta charset=\"utf-8\">" +
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">" +
    "<title>Offline – backspasm</title><link rel=\"stylesheet\" href=\"/static/bs.css\">" +
    "<main class=\"bs-main\"><h1 class=\"bs-h1\">You are offline</h1>" +
    "<p>This page has not been saved on this device yet. Open it once while you are online.</p>" +
    "</main></html>",
    { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } });
}
