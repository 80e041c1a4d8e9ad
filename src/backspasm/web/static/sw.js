// Service worker: keeps the app useful offline after a first visit.
// - Kept on this device at the first visit (personal mode): the start page with the
//   emergency signs, "My plan", every timer, Learn and the Diary, and the offline page.
//   Pages come from the network first (they change with the hours since onset); the last
//   good copy is shown when there is no network.
// - A page never saved here shows the offline page (header, menu, emergency signs and
//   numbers) instead of the browser's error.
// - A pain score logged offline is kept in a queue on this device and sent when the network
//   is back (on the next page, when the page says it is online, or on a background sync),
//   oldest first. Each carries "logged_at", the moment it was logged: the server logs it at
//   that time and treats it as the idempotency key, so a score is never lost or sent twice.
// Multi-user mode (web/app.py service_worker_source): OFFLINE_PAGES matches nothing, so no
// page and no queued score of one person stays in a shared browser.
"use strict";
var CACHE = "backspasm-v1";
var QUEUE = "backspasm-queue-v1";
var ASSETS = ["/static/bs.css", "/static/app.js", "/static/timer.js",
  "/static/icons/icon.svg", "/manifest.webmanifest"];
var OFFLINE_PAGES = /^\/(plan|timer|diary|learn)?(\/|$)/;
var PAGES = ["/", "/plan", "/diary", "/learn", "/timer/ice", "/timer/heat", "/timer/contrast"];
var OFFLINE = "/offline";
var PAIN = "/diary/pain";

function keepsPages() { return OFFLINE_PAGES.test("/plan"); }

// Fetch a page and keep it (never a redirect: a browser refuses one for a navigation).
function keep(path) {
  return fetch(path, { credentials: keepsPages() ? "same-origin" : "omit" })
    .then(function (res) {
      if (res.ok && !res.redirected) {
        return caches.open(CACHE).then(function (c) { return c.put(path, res); });
      }
    }).catch(function () { /* kept on the next visit */ });
}

self.addEventListener("install", function (event) {
  var pages = PAGES.filter(function (p) { return OFFLINE_PAGES.test(p); }).concat([OFFLINE]);
  event.waitUntil(caches.open(CACHE).then(function (c) { return c.addAll(ASSETS); })
    .then(function () { return Promise.all(pages.map(keep)); })
    .then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) {
      return k !== CACHE && (k !== QUEUE || !keepsPages());
    }).map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }).then(flushQueue));
});

self.addEventListener("message", function (event) {
  var data = event.data || {};
  var path = data.cache;
  if (typeof path === "string" && OFFLINE_PAGES.test(path)) {
    event.waitUntil(keep(path));
  }
  if (data.flush) event.waitUntil(flushQueue());
});

self.addEventListener("sync", function (event) {
  if (event.tag === "bs-queue") event.waitUntil(flushQueue());
});

// -- The queue of pain scores logged offline (a cache of form bodies, oldest first).
var flushing = null;
function post(body) {
  return fetch(PAIN, {
    method: "POST", body: body, credentials: "same-origin", redirect: "manual",
    headers: { "Content-Type": "application/x-www-form-urlencoded" }
  });
}
function flushQueue() {
  if (flushing) return flushing;
  flushing = caches.open(QUEUE).then(function (c) {
    return c.keys().then(function (keys) {
      return keys.reduce(function (chain, key) {
        return chain.then(function () {
          return c.match(key).then(function (kept) {
            return kept ? kept.text() : null;
          }).then(function (body) {
            if (body === null) return null;
            return post(body).then(function (res) {
              // Saved (a redirect to the diary), or refused for good (e.g. too old):
              // either way it leaves the queue. A network error stops here; try later.
              if (res.type === "opaqueredirect" || res.status < 500) return c.delete(key);
            });
          });
        });
      }, Promise.resolve());
    });
  }).catch(function () { /* still offline */ }).then(function () { flushing = null; });
  return flushing;
}
function queuePain(req) {
  return req.text().then(function (text) {
    var form = new URLSearchParams(text);
    if (!form.get("logged_at")) form.set("logged_at", new Date().toISOString());
    var body = form.toString();
    return post(body).catch(function () {
      // No network: keep it here, in order, and say so on the offline page.
      var key = "/__queue/" + Date.now() + "-" + encodeURIComponent(form.get("logged_at"));
      return caches.open(QUEUE).then(function (c) {
        return c.put(key, new Response(body));
      }).then(function () {
        if (self.registration.sync) {
          self.registration.sync.register("bs-queue").catch(function () {});
        }
        return Response.redirect(OFFLINE + "#queued", 303);
      });
    });
  });
}

self.addEventListener("fetch", function (event) {
  var req = event.request;
  var url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  if (req.method === "POST") {
    var form = (req.headers.get("content-type") || "").indexOf("application/x-www-form-urlencoded") === 0;
    if (url.pathname === PAIN && form && keepsPages()) event.respondWith(queuePain(req));
    return;
  }
  if (req.method !== "GET") return;
  if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(caches.match(req).then(function (hit) {
      return hit || fetch(req).then(function (res) {
        if (res.ok) { var copy = res.clone(); caches.open(CACHE).then(function (c) { c.put(req, copy); }); }
        return res;
      });
    }));
    return;
  }
  if (req.mode !== "navigate") return;
  var path = url.pathname;
  event.respondWith(fetch(req).then(function (res) {
    if (res.ok && !res.redirected && !url.search && OFFLINE_PAGES.test(path)) {
      var copy = res.clone();
      caches.open(CACHE).then(function (c) { c.put(path, copy); });
    }
    event.waitUntil(flushQueue());  // the network is back: send what waited for it
    return res;
  }).catch(function () {
    return caches.match(path).then(function (hit) {
      return (hit && OFFLINE_PAGES.test(path) ? hit : null) || caches.match(OFFLINE);
    }).then(function (hit) { return hit || offline(); });
  }));
});

// The last resort (the offline page was never fetched): still the emergency numbers.
function offline() {
  return new Response("<!doctype html><html lang=\"en\"><meta charset=\"utf-8\">" +
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">" +
    "<title>Offline – backspasm</title><link rel=\"stylesheet\" href=\"/static/bs.css\">" +
    "<main class=\"bs-main\"><h1 class=\"bs-h1\">You are offline</h1>" +
    "<p>In an emergency call 999 (UK), 911 (US) or 112 (EU).</p>" +
    "</main></html>",
    { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } });
}
