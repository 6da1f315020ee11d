// The roll's service worker (served at /roll-sw.js). It keeps exactly two kinds of things: the
// roll page of a class (`/classes/{id}/roll`, network first, the last fetched copy when the
// network is gone) and the static assets under /static/. Nothing else is cached; every other
// request goes to the network untouched. Signing in or out (a POST to /login or /logout) empties
// the cache, so a phone handed to someone else does not show the last teacher's roll.
"use strict";
var CACHE = "tuoguan-roll-v1";
var ROLL = /^\/classes\/[^/]+\/roll$/;

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (e) {
  e.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) { return n !== CACHE; }).map(function (n) { return caches.delete(n); }));
  }).then(function () { return self.clients.claim(); }));
});

// The key of a roll page: its path and day (a filter or a refusal note is the same page).
function rollKey(url) {
  var day = url.searchParams.get("day");
  return url.origin + url.pathname + (day ? "?day=" + day : "");
}
// The copy an offline phone falls back on: the page of that day, else the class's latest roll.
function latestKey(url) { return url.origin + url.pathname; }

function keepRoll(cache, url, res) {
  return Promise.all([
    cache.put(rollKey(url), res.clone()),
    cache.put(latestKey(url), res.clone())
  ]);
}

// A kept copy says so: roll.js shows "离线：名单取自 08:05" from it.
function marked(res) {
  return res.text().then(function (html) {
    return new Response(html.replace('data-fresh="1"', 'data-fresh="0"'), {
      status: 200,
      headers: { "content-type": "text/html; charset=utf-8" }
    });
  });
}

function rollPage(req, url) {
  return fetch(req).then(function (res) {
    if (res.ok && !res.redirected && res.type === "basic") {
      var copy = res.clone();
      caches.open(CACHE).then(function (c) { return keepRoll(c, url, copy); });
    }
    return res;
  }).catch(function () {
    return caches.open(CACHE).then(function (c) {
      return c.match(rollKey(url)).then(function (hit) { return hit || c.match(latestKey(url)); });
    }).then(function (hit) {
      if (hit) return marked(hit);
      return Response.error();
    });
  });
}

function asset(req) {
  return fetch(req).then(function (res) {
    if (res.ok) {
      var copy = res.clone();
      caches.open(CACHE).then(function (c) { return c.put(req, copy); });
    }
    return res;
  }).catch(function () {
    return caches.match(req).then(function (hit) { return hit || Response.error(); });
  });
}

self.addEventListener("fetch", function (e) {
  var req = e.request;
  var url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  if (req.method === "POST" && (url.pathname === "/logout" || url.pathname === "/login")) {
    e.waitUntil(caches.delete(CACHE));
    return;
  }
  if (req.method !== "GET") return;
  if (ROLL.test(url.pathname)) e.respondWith(rollPage(req, url));
  else if (url.pathname.indexOf("/static/") === 0) e.respondWith(asset(req));
});

// roll.js, on a page drawn from the network: keep this page and its assets now (the first visit
// was fetched before this worker was there to see it).
self.addEventListener("message", function (e) {
  var msg = e.data || {};
  var port = e.ports && e.ports[0];
  var work = caches.open(CACHE).then(function (c) {
    var jobs = (msg.assets || []).filter(function (a) { return a.indexOf("/static/") === 0; }).map(function (a) {
      return c.add(a).catch(function () {});
    });
    if (msg.keep) {
      var url = new URL(msg.keep, self.location.origin);
      if (ROLL.test(url.pathname)) {
        jobs.push(fetch(url.href, { credentials: "same-origin" }).then(function (res) {
          if (res.ok && !res.redirected) return keepRoll(c, url, res);
        }).catch(function () {}));
      }
    }
    return Promise.all(jobs);
  }).then(function () { if (port) port.postMessage("kept"); });
  e.waitUntil(work);
});
