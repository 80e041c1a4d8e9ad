// Timer: a countdown computed from the start time (so it keeps time while the phone
// sleeps), a beep and a buzz at the end, and the session logged in the diary.
// Without this script the page still shows the start and end times and a "save" button.
"use strict";
(function () {
  var root = document.getElementById("timer");
  if (!root) return;
  var slug = root.getAttribute("data-slug");
  var stages = JSON.parse(root.getAttribute("data-stages") || "[]");
  var endText = root.getAttribute("data-end-text") || "";
  var doneUrl = root.getAttribute("data-done-url");
  var form = document.getElementById("start-form");
  var countdown = document.getElementById("countdown");
  var status = document.getElementById("status");
  var controls = document.getElementById("controls");
  var stopButton = document.getElementById("stop");
  var KEY = "bs-timer:" + slug;
  var QUEUE = "bs-timer-queue";
  var total = stages.reduce(function (a, s) { return a + s.seconds; }, 0) * 1000;
  var audio = null;
  var ticking = null;
  var lastStage = -1;

  function store(key, value) {
    try {
      if (value === null) localStorage.removeItem(key);
      else localStorage.setItem(key, JSON.stringify(value));
    } catch (e) { /* private mode: the timer still runs */ }
  }
  function load(key) {
    try { return JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { return null; }
  }
  function fmt(ms) {
    var s = Math.max(0, Math.ceil(ms / 1000));
    var m = Math.floor(s / 60);
    s = s % 60;
    return m + ":" + (s < 10 ? "0" : "") + s;
  }
  function beep(seconds, freq) {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      if (audio.state === "suspended") audio.resume();
      var osc = audio.createOscillator();
      var gain = audio.createGain();
      osc.frequency.value = freq || 880;
      gain.gain.value = 0.2;
      osc.connect(gain);
      gain.connect(audio.destination);
      osc.start();
      osc.stop(audio.currentTime + seconds);
    } catch (e) { /* no sound available */ }
  }
  function buzz(pattern) {
    if (navigator.vibrate) { try { navigator.vibrate(pattern); } catch (e) { /* ignore */ } }
  }
  function csrf() {
    var input = document.querySelector("input[name=csrf_token]");
    return input ? input.value : "";
  }
  function stageAt(elapsed) {
    var t = 0;
    for (var i = 0; i < stages.length; i++) {
      t += stages[i].seconds * 1000;
      if (elapsed < t) return i;
    }
    return stages.length - 1;
  }

  function send(entry) {
    var body = new FormData();
    body.append("csrf_token", entry.csrf);
    body.append("started_at", new Date(entry.start).toISOString());
    body.append("seconds", entry.seconds || "");
    return fetch(entry.url, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (res) {
      if (!res.ok) throw new Error("HTTP " + res.status);
      return res.json();
    });
  }
  function flushQueue() {
    var queue = load(QUEUE) || [];
    if (!queue.length) return;
    var entry = queue[0];
    send(entry).then(function () {
      store(QUEUE, (load(QUEUE) || []).slice(1));
      flushQueue();
    }).catch(function () { /* try again when back online */ });
  }

  function finish(state) {
    clearInterval(ticking);
    ticking = null;
    countdown.textContent = fmt(0);
    controls.hidden = true;
    beep(1.2, 880);
    buzz([400, 150, 400, 150, 400]);
    status.textContent = endText + " Saving it in your diary…";
    var entry = { url: doneUrl, start: state.start, seconds: state.seconds, csrf: csrf() };
    store(KEY, null);
    send(entry).then(function (res) {
      status.textContent = endText + " Saved in your diary: " + res.minutes +
        (res.minutes === 1 ? " minute." : " minutes.");
      root.setAttribute("data-logged", "true");
    }).catch(function () {
      var queue = load(QUEUE) || [];
      queue.push(entry);
      store(QUEUE, queue);
      status.textContent = endText + " You are offline. It will be saved when you are back online.";
    });
  }

  function tick(state) {
    var elapsed = Date.now() - state.start;
    if (elapsed >= total) { finish(state); return; }
    countdown.textContent = fmt(total - elapsed);
    var i = stageAt(elapsed);
    if (i !== lastStage) {
      if (lastStage !== -1) { beep(0.4, 660); buzz(200); }
      lastStage = i;
      if (stages.length > 1) status.textContent = stages[i].prompt;
    }
  }

  function run(state) {
    if (form) form.hidden = true;
    controls.hidden = false;
    root.setAttribute("data-running", "true");
    tick(state);
    if (ticking === null && Date.now() - state.start < total) {
      ticking = setInterval(function () { tick(state); }, 250);
    }
  }

  if (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      beep(0.05, 440); // unlocks sound on phones: it must start from a tap
      var secondsInput = form.querySelector("input[name=seconds]");
      var state = { start: Date.now(), seconds: secondsInput ? secondsInput.value : "" };
      store(KEY, state);
      status.textContent = stages.length > 1 ? stages[0].prompt : "";
      run(state);
    });
  }
  stopButton.addEventListener("click", function () {
    clearInterval(ticking);
    ticking = null;
    store(KEY, null);
    controls.hidden = true;
    if (form) form.hidden = false;
    countdown.textContent = fmt(total);
    status.textContent = "Stopped. Nothing was saved.";
  });
  document.addEventListener("visibilitychange", function () {
    var state = load(KEY);
    if (!document.hidden && state && ticking !== null) tick(state);
  });
  window.addEventListener("online", flushQueue);

  var saved = load(KEY);
  if (saved && form) run(saved);
  flushQueue();
})();
