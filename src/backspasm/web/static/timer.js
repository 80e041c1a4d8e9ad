// Timer: a countdown computed from the start time (so it keeps time while the phone
// sleeps), Pause and Resume, a question when stopped early ("Log 12 minutes of ice?"),
// a beep, a buzz and (if the person turned it on) a browser notification at the end, and
// the session logged in the diary, queued on this device while offline.
// Without this script the page says when the timer ends and has a "save" button.
// Its words come from the page (pages.yaml, timer.*); nothing is sent anywhere but this app.
"use strict";
(function () {
  var root = document.getElementById("timer");
  if (!root) return;
  var slug = root.getAttribute("data-slug");
  var stages = JSON.parse(root.getAttribute("data-stages") || "[]");
  var words = JSON.parse(root.getAttribute("data-words") || "{}");
  var endText = root.getAttribute("data-end-text") || "";
  var doneUrl = root.getAttribute("data-done-url");
  var startedIso = root.getAttribute("data-started");
  var form = document.getElementById("start-form");
  var finishedForm = document.getElementById("finished-form");
  var countdown = document.getElementById("countdown");
  var status = document.getElementById("status");
  var controls = document.getElementById("controls");
  var pauseButton = document.getElementById("pause");
  var stopButton = document.getElementById("stop");
  var askForm = document.getElementById("ask-form");
  var askQuestion = document.getElementById("ask-question");
  var askNo = document.getElementById("ask-no");
  var notifyBox = document.getElementById("notify-box");
  var notifyButton = document.getElementById("notify");
  var notifyStatus = document.getElementById("notify-status");
  var KEY = "bs-timer:" + slug;
  var QUEUE = "bs-timer-queue";
  var NOTIFY = "bs-notify";
  var total = stages.reduce(function (a, s) { return a + s.seconds; }, 0) * 1000;
  var rules = window.Intl && Intl.PluralRules ? new Intl.PluralRules("en") : null;
  var audio = null;
  var ticking = null;
  var lastStage = -1;

  function fill(text, values) {
    return String(text).replace(/\{(\w+)\}/g, function (m, k) {
      return Object.prototype.hasOwnProperty.call(values, k) ? values[k] : m;
    });
  }
  function say(key, values) { return fill(words[key] || "", values || {}); }
  function sayN(key, n, values) {
    var forms = words[key] || {};
    var category = rules ? rules.select(n) : (n === 1 ? "one" : "other");
    var v = values || {};
    v.n = n;
    return fill(forms[category] || forms.other || "", v);
  }
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

  // -- Notifications: only when the person turned them on, only while this page is open,
  // shown by the browser on this device (nothing goes to any server).
  function canNotify() { return "Notification" in window; }
  function notifyWanted() {
    return canNotify() && Notification.permission === "granted" && load(NOTIFY) === true;
  }
  function notify(body) {
    if (!notifyWanted()) return;
    var title = say("notify_title");
    var options = { body: body, tag: "bs-timer-" + slug };
    try {
      new Notification(title, options);
    } catch (e) {
      // Some phones allow notifications only through the service worker.
      if (navigator.serviceWorker) {
        navigator.serviceWorker.ready.then(function (reg) {
          return reg.showNotification(title, options);
        }).catch(function () { /* no notification: the beep and the page still say it */ });
      }
    }
  }
  function showNotifyState() {
    var on = notifyWanted();
    notifyButton.textContent = on ? say("notify_off") : say("notify_on");
    notifyButton.setAttribute("aria-pressed", on ? "true" : "false");
    if (canNotify() && Notification.permission === "denied") {
      notifyStatus.textContent = say("notify_blocked");
    } else {
      notifyStatus.textContent = on ? say("notify_ready") : "";
    }
  }
  if (canNotify()) {
    notifyBox.hidden = false;
    showNotifyState();
    notifyButton.addEventListener("click", function () {
      if (notifyWanted()) { store(NOTIFY, false); showNotifyState(); return; }
      var asked = Notification.requestPermission(function () { /* old callback form */ });
      Promise.resolve(asked).then(function (answer) {
        answer = answer || Notification.permission;
        store(NOTIFY, answer === "granted");
        showNotifyState();
      });
    });
  }

  // -- Saving in the diary, and the queue of sessions waiting for the network.
  function savedText(minutes) { return sayN("saved", minutes); }
  function send(entry) {
    var body = new FormData();
    body.append("csrf_token", entry.csrf);
    body.append("started_at", new Date(entry.start).toISOString());
    if (entry.minutes) body.append("minutes", String(entry.minutes));
    return fetch(entry.url, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (res) {
      if (!res.ok) {
        var err = new Error("HTTP " + res.status);
        err.status = res.status;
        throw err;
      }
      return res.json();
    });
  }
  function queued() { return load(QUEUE) || []; }
  function unqueue(entry) {
    store(QUEUE, queued().filter(function (e) {
      return !(e.url === entry.url && e.start === entry.start);
    }));
  }
  var flushing = false;
  function flushQueue() {
    var queue = queued();
    if (!queue.length || flushing) return;
    flushing = true;
    var entry = queue[0];
    send(entry).then(function (res) {
      unqueue(entry);
      if (entry.url === doneUrl && root.getAttribute("data-waiting") === String(entry.start)) {
        // This page said "You are offline": now it is saved, say so.
        root.removeAttribute("data-waiting");
        status.textContent = (entry.finished ? endText + " " : "") + savedText(res.minutes);
        root.setAttribute("data-logged", "true");
      }
      flushing = false;
      flushQueue();
    }).catch(function (err) {
      // Refused for good (e.g. more than 12 hours old): drop it rather than retry forever.
      if (err && err.status && err.status >= 400 && err.status < 500) unqueue(entry);
      flushing = false;
    });
  }
  function save(entry, prefix) {
    status.textContent = prefix + say("saving");
    send(entry).then(function (res) {
      status.textContent = prefix + savedText(res.minutes);
      root.setAttribute("data-logged", "true");
    }).catch(function (err) {
      if (err && err.status && err.status >= 400 && err.status < 500) {
        status.textContent = prefix + say("retry");
        return;
      }
      var queue = queued();
      queue.push(entry);
      store(QUEUE, queue);
      root.setAttribute("data-waiting", String(entry.start));
      status.textContent = prefix + (navigator.onLine === false ? say("queued") : say("retry"));
    });
  }

  // -- The countdown. state: {start, paused (when paused, else null), pausedMs}
  function elapsedOf(state) {
    var upTo = state.paused || Date.now();
    return Math.max(0, upTo - state.start - (state.pausedMs || 0));
  }
  function stopTicking() {
    if (ticking !== null) clearInterval(ticking);
    ticking = null;
  }
  function finish(state) {
    stopTicking();
    countdown.textContent = fmt(0);
    controls.hidden = true;
    beep(1.2, 880);
    buzz([400, 150, 400, 150, 400]);
    notify(endText);
    store(KEY, null);
    root.removeAttribute("data-running");
    save({ url: doneUrl, start: state.start, csrf: csrf(), finished: true }, endText + " ");
  }
  function tick(state) {
    var elapsed = elapsedOf(state);
    if (elapsed >= total) { finish(state); return; }
    countdown.textContent = fmt(total - elapsed);
    var i = stageAt(elapsed);
    if (i !== lastStage) {
      if (lastStage !== -1) {
        beep(0.4, 660);
        buzz(200);
        notify(fill(words.notify_stage || "", { what: stages[i].prompt }));
      }
      lastStage = i;
      if (stages.length > 1) status.textContent = stages[i].prompt;
    }
  }
  function showPaused(state) {
    var paused = !!state.paused;
    pauseButton.textContent = paused ? say("resume") : say("pause");
    pauseButton.setAttribute("aria-pressed", paused ? "true" : "false");
    root.setAttribute("data-paused", paused ? "true" : "false");
    if (paused) status.textContent = say("paused");
    else if (stages.length > 1 && lastStage >= 0) status.textContent = stages[lastStage].prompt;
    else status.textContent = "";
  }
  function run(state) {
    if (form) form.hidden = true;
    if (finishedForm) finishedForm.hidden = true;
    askForm.hidden = true;
    controls.hidden = false;
    countdown.classList.remove("bs-countdown--words");
    root.setAttribute("data-running", "true");
    tick(state);
    showPaused(state);
    stopTicking();
    if (!state.paused && elapsedOf(state) < total) {
      ticking = setInterval(function () { tick(state); }, 250);
    }
  }
  function current() { return load(KEY); }

  if (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      beep(0.05, 440); // unlocks sound on phones: it must start from a tap
      var state = { start: Date.now(), paused: null, pausedMs: 0 };
      store(KEY, state);
      lastStage = -1;
      status.textContent = "";
      run(state);
    });
  }
  pauseButton.addEventListener("click", function () {
    var state = current();
    if (!state) return;
    if (state.paused) {
      state.pausedMs = (state.pausedMs || 0) + (Date.now() - state.paused);
      state.paused = null;
    } else {
      state.paused = Date.now();
    }
    store(KEY, state);
    run(state);
  });
  stopButton.addEventListener("click", function () {
    var state = current();
    stopTicking();
    store(KEY, null);
    controls.hidden = true;
    root.removeAttribute("data-running");
    root.removeAttribute("data-paused");
    var minutes = state ? Math.floor(elapsedOf(state) / 60000) : 0;
    countdown.textContent = fmt(total);
    if (minutes < 1) {
      if (form) form.hidden = false;
      status.textContent = say("stopped");
      return;
    }
    // Stopped early: ask whether to log the whole minutes done.
    askQuestion.textContent = sayN("ask_log", minutes, { what: words.what });
    askForm.elements.started_at.value = new Date(state.start).toISOString();
    askForm.elements.minutes.value = String(minutes);
    askForm.setAttribute("data-start", String(state.start));
    status.textContent = "";
    askForm.hidden = false;
    document.getElementById("ask-yes").focus();
  });
  askForm.addEventListener("submit", function (event) {
    event.preventDefault();
    askForm.hidden = true;
    if (form) form.hidden = false;
    save({ url: doneUrl, start: Number(askForm.getAttribute("data-start")),
           minutes: Number(askForm.elements.minutes.value), csrf: csrf() }, "");
  });
  askNo.addEventListener("click", function () {
    askForm.hidden = true;
    if (form) form.hidden = false;
    status.textContent = say("stopped");
  });
  document.addEventListener("visibilitychange", function () {
    var state = current();
    if (!document.hidden && state && ticking !== null) tick(state);
  });
  window.addEventListener("online", flushQueue);

  var saved = current();
  if (!saved && startedIso && Date.now() - Date.parse(startedIso) < total) {
    // Started without the script (the page that says "Ends at"): count down from then.
    saved = { start: Date.parse(startedIso), paused: null, pausedMs: 0 };
    store(KEY, saved);
  }
  if (saved) run(saved);
  else if (form) {
    countdown.textContent = fmt(total);
    countdown.classList.remove("bs-countdown--words");
  }
  flushQueue();
})();
