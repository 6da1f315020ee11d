// The roll page at the door (点名册), enhanced: every tap is kept in this phone's storage with its
// own Idempotency-Key and the time it was made, shown as "waiting to send", and sent in order
// whenever the network allows (at once, on the browser's "online" event, and every 5 seconds).
// The server applies each key once, so a tap sent twice (the answer was lost) writes once.
// A tap the server refuses is undone on screen (the row shows the server's day, or the day before
// the tap) with the server's reason, and the banner counts refusals until they are acknowledged.
// The filter chips filter on the spot; the service worker (/roll-sw.js) keeps the last roll for
// a reload without network. Without this script the same buttons are plain forms.
(function () {
  "use strict";
  var root = document.getElementById("roll");
  if (!root) return;
  var classId = root.dataset.class;
  var csrf = root.dataset.csrf;
  var STORE = "tuoguan.roll.queue." + classId;
  var REFUSED = "tuoguan.roll.refused." + classId;
  var net = document.getElementById("net");
  var list = document.getElementById("roll-list");
  var sending = false;
  var TONES = { expected: "muted", present: "ok", collected: "info", absent: "warn" };
  var FILTERS = { present: "present", gone: "collected", absent: "absent", todo: "expected" };

  function read(name) {
    try { return JSON.parse(localStorage.getItem(name) || "[]"); } catch (e) { return []; }
  }
  function load() { return read(STORE); }
  function save(q) { localStorage.setItem(STORE, JSON.stringify(q)); }
  function refusals() { return read(REFUSED); }
  function saveRefusals(r) { localStorage.setItem(REFUSED, JSON.stringify(r)); }
  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return Date.now().toString(16) + "-" + Math.random().toString(16).slice(2);
  }
  // The device's time in Beijing time, as the server reads it: YYYY-MM-DDTHH:MM:SS.
  function beijingNow() {
    return new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 19);
  }
  function childEl(id) { return document.getElementById("c-" + id); }
  function t(name) { return root.dataset["t" + name] || ""; }
  function cap(s) { return s.charAt(0).toUpperCase() + s.slice(1); }

  // A row as it stands, to put back if the server refuses the tap.
  function snapshot(li) {
    var detail = li.querySelector("[data-role=detail]");
    return { status: li.dataset.status, detail: detail ? detail.textContent : "" };
  }
  function paint(li, status, detail) {
    li.classList.remove("st-expected", "st-present", "st-collected", "st-absent");
    li.classList.add("st-" + status);
    li.dataset.status = status;
    var badge = li.querySelector("[data-role=status]");
    if (badge) {
      badge.textContent = root.dataset["st" + cap(status)] || status;
      badge.className = "badge badge-" + (TONES[status] || "muted");
    }
    if (detail !== undefined) {
      var d = li.querySelector("[data-role=detail]");
      if (d) d.textContent = detail;
    }
    counts();
    refilterSoon();
  }
  function showState(state) {
    var li = childEl(state.child_id);
    if (!li) return;
    var parts = [];
    if (state.arrived_at) parts.push(t("Arrived") + " " + state.arrived_at + " " + (state.brought_by || ""));
    if (state.left_at) parts.push(t("Left") + " " + state.left_at + " " + (state.collected_by || ""));
    if (state.absent_reason) parts.push(root.dataset["reason" + cap(state.absent_reason)] || state.absent_reason);
    paint(li, state.status, parts.join(" · "));
  }
  function counts() {
    var n = function (s) { return document.querySelectorAll(".roll-child.st-" + s).length; };
    ["present", "collected", "absent", "expected"].forEach(function (s) {
      var el = document.getElementById("n-" + (s === "expected" ? "todo" : s));
      if (el) el.textContent = n(s);
    });
  }
  function markPending(childId) {
    var waiting = load().filter(function (i) { return i.body.child_id === childId; }).length;
    var li = childEl(childId);
    var p = li && li.querySelector("[data-role=pending]");
    if (!p) return;
    p.hidden = waiting === 0;
    p.textContent = waiting ? t("Waiting") + (waiting > 1 ? " ×" + waiting : "") : "";
  }
  function markRefused() {
    var r = refusals();
    document.querySelectorAll(".roll-child").forEach(function (li) {
      var mine = r.filter(function (x) { return x.child_id === li.dataset.child; });
      var p = li.querySelector("[data-role=refused]");
      li.classList.toggle("refused", mine.length > 0);
      if (!p) return;
      p.hidden = mine.length === 0;
      p.textContent = mine.map(function (x) { return x.message; }).join(" ");
    });
  }
  function say(msg, tone) {
    if (!net) return;
    net.hidden = false;
    net.textContent = msg;
    net.className = "net" + (tone ? " " + tone : "");
  }
  // The banner: refusals first (never "all sent" while one is unacknowledged), then waiting taps.
  function status() {
    var r = refusals().length;
    var n = load().length;
    if (r > 0) {
      say(t("Refused").replace("%{n}", r), "warn");
      var ack = document.createElement("button");
      ack.type = "button";
      ack.id = "refused-ack";
      ack.className = "secondary";
      ack.textContent = t("Ack");
      ack.addEventListener("click", function () { saveRefusals([]); markRefused(); status(); });
      net.appendChild(ack);
    } else if (n > 0) say(t("Offline") + " " + n, "");
    else say(t("Online"), "ok");
    document.querySelectorAll(".roll-child").forEach(function (li) { markPending(li.dataset.child); });
    markRefused();
  }

  // What the tap will do, shown at once (the answer corrects it if another device disagrees).
  function guess(body) {
    var li = childEl(body.child_id);
    if (!li) return;
    var next = { check_in: "present", absent: "absent" }[body.action];
    if (body.action === "check_out" && body.collector_id) next = "collected";
    if (!next) return;
    li.querySelectorAll("details[open]").forEach(function (d) { d.open = false; });
    paint(li, next);
  }

  // The server's reason: the message of each invalid field when there are some, else the message.
  function reasonOf(json, res) {
    var e = json && json.error;
    if (!e) return res.statusText || String(res.status);
    if (e.fields) {
      var f = Object.keys(e.fields).map(function (k) { return e.fields[k]; });
      if (f.length) return f.join(" ");
    }
    return e.message || res.statusText;
  }
  function refuse(item, json, res) {
    var li = childEl(item.body.child_id);
    if (json && json.error && json.error.state) showState(json.error.state);
    else if (li && item.prev) paint(li, item.prev.status, item.prev.detail);
    // Taps still waiting for the same child are shown on top of the restored row.
    load().forEach(function (i) { if (i.body.child_id === item.body.child_id) guess(i.body); });
    var r = refusals();
    r.push({ key: item.key, child_id: item.body.child_id, message: reasonOf(json, res) });
    saveRefusals(r);
  }

  // A copy of the page drawn for another session has a stale token: fetch the page for a fresh one.
  function freshToken() {
    return fetch(location.pathname + "?day=" + encodeURIComponent(root.dataset.day), { credentials: "same-origin" })
      .then(function (res) { return res.text(); })
      .then(function (html) {
        var m = /data-csrf="([^"]+)"/.exec(html);
        if (m) { csrf = m[1]; root.dataset.csrf = csrf; }
        return !!m;
      });
  }

  function send(retried) {
    if (sending) return;
    var q = load();
    if (!q.length) { status(); return; }
    sending = true;
    var item = q[0];
    fetch("/classes/" + classId + "/roll/taps", {
      method: "POST",
      credentials: "same-origin",
      headers: { "content-type": "application/json", "x-csrf-token": csrf, "idempotency-key": item.key },
      body: JSON.stringify(item.body)
    }).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (json) {
        sending = false;
        var code = json.error && json.error.code;
        if (res.status === 403 && code === "csrf" && retried !== true) {
          freshToken().then(function (ok) { if (ok) send(true); }, function () { status(); });
          return;
        }
        if (res.status >= 500 || res.status === 401 || res.status === 403 && code === "csrf" || !json.error && res.status !== 201) {
          // The server could not take it now, or the sign-in expired: keep it and try later.
          say(reasonOf(json, res), "");
          return;
        }
        save(load().filter(function (i) { return i.key !== item.key; }));
        if (res.status === 201 && json.state) showState(json.state);
        else refuse(item, json, res);
        back();
        status();
        send();
      });
    }).catch(function () {
      sending = false;
      status();
    });
  }
  function alertMsg(msg) {
    var box = document.getElementById("refused");
    if (!box) {
      box = document.createElement("p");
      box.id = "refused";
      box.className = "flash err";
      box.setAttribute("role", "alert");
      root.insertBefore(box, document.getElementById("find"));
    }
    box.textContent = msg;
  }

  // The step a child's form asks for, from the pressed button's `do` (the server reads the same
  // values without this script): check_in, in:<who brought>, out:<collector>, out (someone else,
  // named in the box), absent:<reason>, undo (why in the box); none when Enter was pressed in a
  // box: the box that is filled decides.
  function step(data) {
    var filled = function (k) { return (data.get(k) || "").trim() !== ""; };
    var pressed = data.get("do") || "";
    var at = pressed.indexOf(":");
    var what = at < 0 ? pressed : pressed.slice(0, at);
    var value = at < 0 ? "" : pressed.slice(at + 1);
    var body = { child_id: data.get("child_id"), day: data.get("day"), at: beijingNow() };
    if (data.get("do") === null && data.get("action")) {
      // A page drawn before one form per child (a copy kept offline): one form per step.
      body.action = data.get("action");
      ["person", "collector_id", "reason", "note"].forEach(function (k) { if (filled(k)) body[k] = data.get(k); });
      if (body.action === "check_out" && body.collector_id) delete body.person;
      return body;
    }
    if (what === "" && filled("person")) what = "out";
    else if (what === "" && filled("note")) what = "undo";
    if (what === "check_in") body.action = "check_in";
    else if (what === "in") { body.action = "check_in"; body.person = value; }
    else if (what === "out" && value) { body.action = "check_out"; body.collector_id = value; }
    else if (what === "out") { body.action = "check_out"; if (filled("person")) body.person = data.get("person"); }
    else if (what === "absent") { body.action = "absent"; body.reason = value; }
    else if (what === "undo") { body.action = "undo"; if (filled("note")) body.note = data.get("note"); }
    else return null;
    return body;
  }

  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (form.id === "find") { e.preventDefault(); find(document.getElementById("find-code").value); return; }
    if (!form.classList.contains("tap")) return;
    e.preventDefault();
    var data = new FormData(form, e.submitter);
    var body = step(data);
    if (!body) return;
    var li = childEl(body.child_id);
    var q = load();
    q.push({ key: newKey(), body: body, prev: li ? snapshot(li) : null });
    save(q);
    guess(body);
    form.querySelectorAll("input[type=text]").forEach(function (i) { i.value = ""; });
    status();
    send();
  });

  // The chips: the same links work without script; here they filter on the spot.
  var refilterTimer = null;
  function refilter() {
    var show = list ? list.dataset.show || "" : "";
    var want = FILTERS[show];
    document.querySelectorAll(".roll-child").forEach(function (li) {
      li.hidden = !!want && li.dataset.status !== want;
    });
    document.querySelectorAll("#counts .chip").forEach(function (a) {
      if ((a.dataset.show || "") === show) a.setAttribute("aria-current", "true");
      else a.removeAttribute("aria-current");
    });
  }
  // A child who leaves the filtered list after a tap goes after a moment, so the tap is seen.
  function refilterSoon() {
    clearTimeout(refilterTimer);
    refilterTimer = setTimeout(refilter, 700);
  }
  document.querySelectorAll("#counts .chip").forEach(function (a) {
    a.addEventListener("click", function (e) {
      e.preventDefault();
      if (list) list.dataset.show = a.dataset.show || "";
      refilter();
      if (history.replaceState) history.replaceState(null, "", a.getAttribute("href"));
    });
  });

  // Pickup cards: the code typed, or read by the camera, finds the child on this roll.
  function normalise(s) {
    var tail = String(s).trim().split("/").pop();
    return tail.replace(/[^0-9a-z]/gi, "").toUpperCase();
  }
  function find(text) {
    var code = normalise(text);
    var li = code && document.querySelector('.roll-child[data-card="' + code + '"]');
    document.querySelectorAll(".roll-child.highlight").forEach(function (x) { x.classList.remove("highlight"); });
    if (!li) { alertMsg(t("Nocard")); return false; }
    li.hidden = false;
    li.classList.add("highlight");
    li.scrollIntoView({ block: "center" });
    return true;
  }
  var scanBtn = document.getElementById("scan");
  if (scanBtn && "BarcodeDetector" in window && navigator.mediaDevices) {
    scanBtn.hidden = false;
    scanBtn.addEventListener("click", function () {
      var video = document.getElementById("scan-video");
      var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
      navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (stream) {
        video.srcObject = stream;
        video.hidden = false;
        video.play();
        var stop = function () { stream.getTracks().forEach(function (tr) { tr.stop(); }); video.hidden = true; };
        var look = function () {
          detector.detect(video).then(function (codes) {
            if (codes.length) { stop(); find(codes[0].rawValue); } else setTimeout(look, 250);
          }).catch(function () { setTimeout(look, 500); });
        };
        look();
      }).catch(function () { alertMsg(t("Noscan")); });
    });
  }

  // A copy kept by the service worker says so, and how old it is.
  function staleNote() {
    if (root.dataset.fresh !== "0") return;
    var drawn = new Date(Number(root.dataset.drawn) * 1000 + 8 * 3600 * 1000).toISOString();
    var today = beijingNow().slice(0, 10);
    var time = drawn.slice(11, 16);
    if (drawn.slice(0, 10) !== today) time = drawn.slice(5, 10) + " " + time;
    var p = document.getElementById("stale");
    if (!p) return;
    p.textContent = t("Stale").replace("%{time}", time);
    p.hidden = false;
  }
  // The network is back under a kept copy: offer the roll as the server has it now.
  function back() {
    var p = document.getElementById("stale");
    if (!p || p.hidden || p.dataset.back) return;
    p.dataset.back = "1";
    p.textContent = "";
    var a = document.createElement("a");
    a.href = location.pathname + location.search;
    a.id = "stale-refresh";
    a.textContent = t("Refresh");
    p.className = "net ok";
    p.appendChild(a);
  }
  // The service worker: this page and its assets are kept for a reload without network.
  function offlineReady() {
    if (!("serviceWorker" in navigator)) return;
    // Whether the worker saw this page (it controls it) — asked before it may claim the page.
    var seen = !!navigator.serviceWorker.controller;
    navigator.serviceWorker.register("/roll-sw.js", { scope: "/" }).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (reg) {
      var assets = [];
      document.querySelectorAll("link[rel=stylesheet][href], script[src]").forEach(function (el) {
        assets.push(el.getAttribute("href") || el.getAttribute("src"));
      });
      var page = location.pathname + "?day=" + encodeURIComponent(root.dataset.day);
      var channel = new MessageChannel();
      channel.port1.onmessage = function (m) { if (m.data === "kept") root.dataset.offline = "ready"; };
      // A page the worker already saw (it controls this one) is kept; else keep it now.
      var first = !seen && root.dataset.fresh === "1";
      if (reg.active) reg.active.postMessage({ keep: first ? page : null, assets: first ? assets : [] }, [channel.port2]);
    }).catch(function () { /* a browser without service workers still has the queue */ });
  }

  // Taps still waiting (a reload, perhaps offline) are shown over the roll as drawn.
  load().forEach(function (i) { guess(i.body); });
  refilter();
  staleNote();
  window.addEventListener("online", send);
  setInterval(send, 5000);
  status();
  send();
  offlineReady();
})();
