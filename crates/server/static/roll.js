// The roll page at the door (点名册), enhanced: every tap is kept in this phone's storage with its
// own Idempotency-Key and the time it was made, shown as "waiting to send", and sent in order
// whenever the network allows (at once, on the browser's "online" event, and every 5 seconds).
// The server applies each key once, so a tap sent twice (the answer was lost) writes once.
// Without this script the same buttons are plain forms.
(function () {
  "use strict";
  var root = document.getElementById("roll");
  if (!root) return;
  var classId = root.dataset.class;
  var csrf = root.dataset.csrf;
  var STORE = "tuoguan.roll.queue." + classId;
  var net = document.getElementById("net");
  var sending = false;

  function load() {
    try { return JSON.parse(localStorage.getItem(STORE) || "[]"); } catch (e) { return []; }
  }
  function save(q) { localStorage.setItem(STORE, JSON.stringify(q)); }
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

  function showState(state) {
    var li = childEl(state.child_id);
    if (!li) return;
    li.className = "roll-child st-" + state.status;
    li.dataset.status = state.status;
    var badge = li.querySelector("[data-role=status]");
    if (badge) badge.textContent = root.dataset["st" + cap(state.status)] || state.status;
    var parts = [];
    if (state.arrived_at) parts.push(t("Arrived") + " " + state.arrived_at + " " + (state.brought_by || ""));
    if (state.left_at) parts.push(t("Left") + " " + state.left_at + " " + (state.collected_by || ""));
    if (state.absent_reason) parts.push(root.dataset["reason" + cap(state.absent_reason)] || state.absent_reason);
    var detail = li.querySelector("[data-role=detail]");
    if (detail) detail.textContent = parts.join(" · ");
    counts();
  }
  function counts() {
    ["present", "collected", "absent"].forEach(function (s) {
      var el = document.getElementById("n-" + s);
      if (el) el.textContent = document.querySelectorAll(".roll-child.st-" + s).length;
    });
  }
  function markPending(childId) {
    var waiting = load().filter(function (i) { return i.body.child_id === childId; }).length;
    var li = childEl(childId);
    if (!li) return;
    var p = li.querySelector("[data-role=pending]");
    if (!p) return;
    p.hidden = waiting === 0;
    p.textContent = waiting ? t("Waiting") + (waiting > 1 ? " ×" + waiting : "") : "";
  }
  function say(msg, ok) {
    if (!net) return;
    net.hidden = false;
    net.textContent = msg;
    net.className = ok ? "net ok" : "net";
  }
  function status() {
    var n = load().length;
    if (n > 0) say(t("Offline") + " " + n, false);
    else say(t("Online"), true);
    document.querySelectorAll(".roll-child").forEach(function (li) { markPending(li.dataset.child); });
  }

  // What the tap will do, shown at once (the answer corrects it if another device disagrees).
  function guess(body) {
    var li = childEl(body.child_id);
    if (!li) return;
    var next = { check_in: "present", absent: "absent" }[body.action];
    if (body.action === "check_out" && body.collector_id) next = "collected";
    if (!next) return;
    li.className = "roll-child st-" + next;
    li.dataset.status = next;
    var badge = li.querySelector("[data-role=status]");
    if (badge) badge.textContent = root.dataset["st" + cap(next)] || next;
    counts();
  }

  function send() {
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
        if (res.status >= 500 || res.status === 401 || res.status === 403) {
          // The server could not take it now, or the sign-in expired: keep it and try later.
          say((json.error && json.error.message) || res.statusText, false);
          return;
        }
        var rest = load().filter(function (i) { return i.key !== item.key; });
        save(rest);
        if (res.status === 201 && json.state) showState(json.state);
        else if (json.error) {
          if (json.error.state) showState(json.error.state);
          alertMsg(json.error.message);
        }
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

  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (form.id === "find") { e.preventDefault(); find(document.getElementById("find-code").value); return; }
    if (!form.classList.contains("tap")) return;
    e.preventDefault();
    var data = new FormData(form, e.submitter);
    var body = { child_id: data.get("child_id"), action: data.get("action"), day: data.get("day"), at: beijingNow() };
    ["person", "collector_id", "reason", "note"].forEach(function (k) {
      var v = data.get(k);
      if (v !== null && v !== "") body[k] = v;
    });
    if (body.action === "check_out" && body.collector_id) delete body.person;
    var q = load();
    q.push({ key: newKey(), body: body });
    save(q);
    guess(body);
    form.querySelectorAll("input[type=text]").forEach(function (i) { i.value = ""; });
    status();
    send();
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

  window.addEventListener("online", send);
  setInterval(send, 5000);
  status();
  send();
})();
