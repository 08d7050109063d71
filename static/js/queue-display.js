/* Waiting-room display: polls the feed every second, redraws the list, chimes on a new call,
   and keeps trying with a growing pause after a network drop (showing a small notice). */
(function () {
  "use strict";
  var root = document.querySelector("[data-feed-url]");
  if (!root) return;
  var url = root.getAttribute("data-feed-url");
  var list = root.querySelector("[data-list]");
  var notice = root.querySelector("[data-reconnecting]");
  var soundButton = root.querySelector("[data-sound]");
  var rowTemplate = root.querySelector("[data-row-template]");
  var emptyTemplate = root.querySelector("[data-empty-template]");
  var clock = root.querySelector("[data-clock]");
  // The centre's time, not the TV's: the server's instant (skew corrects a TV clock set wrong)
  // plus the centre's UTC offset, read with getUTC* so the device's time zone never counts.
  var skew = 0;
  var offsetMinutes = 0;
  function setClock(nowMs, offset) {
    if (isFinite(nowMs)) skew = nowMs - Date.now();
    if (isFinite(offset)) offsetMinutes = offset;
  }
  if (clock) setClock(Number(clock.getAttribute("data-now")), Number(clock.getAttribute("data-utc-offset")));
  var first = list.querySelector("[data-event]");
  var lastEvent = first ? first.getAttribute("data-event") : null;
  var audio = null;
  var failures = 0;
  var POLL_MS = 1000;
  var MAX_BACKOFF_MS = 15000;

  // Browsers start audio only after a user gesture: one touch or key on the TV enables it.
  function enableSound() {
    if (!audio) {
      var Context = window.AudioContext || window.webkitAudioContext;
      if (!Context) return;
      audio = new Context();
    }
    if (audio.state === "suspended") audio.resume();
    if (soundButton) soundButton.hidden = true;
  }
  if (soundButton) soundButton.addEventListener("click", enableSound);
  document.addEventListener("keydown", enableSound, { once: true });

  function chime() {
    if (!audio || audio.state !== "running") return;
    // Two soft tones, like a hall's "ding-dong".
    [[880, 0], [660, 0.35]].forEach(function (tone) {
      var start = audio.currentTime + tone[1];
      var osc = audio.createOscillator();
      var gain = audio.createGain();
      osc.type = "sine";
      osc.frequency.value = tone[0];
      gain.gain.setValueAtTime(0.0001, start);
      gain.gain.exponentialRampToValueAtTime(0.4, start + 0.03);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.8);
      osc.connect(gain).connect(audio.destination);
      osc.start(start);
      osc.stop(start + 0.85);
    });
  }

  function render(rows) {
    list.textContent = "";
    if (!rows.length) {
      list.appendChild(emptyTemplate.content.cloneNode(true));
      return;
    }
    rows.forEach(function (row, index) {
      var item = rowTemplate.content.firstElementChild.cloneNode(true);
      item.setAttribute("data-event", row.event);
      item.querySelector(".display-code").textContent = row.code;
      item.querySelector("[data-number]").textContent = row.counter === null ? "" : row.counter;
      if (index === 0) item.classList.add("display-row-new");
      list.appendChild(item);
    });
  }

  function schedule() {
    var delay = failures ? Math.min(POLL_MS * Math.pow(2, failures), MAX_BACKOFF_MS) : POLL_MS;
    window.setTimeout(poll, delay);
  }

  function poll() {
    var controller = window.AbortController ? new AbortController() : null;
    var timer = controller ? window.setTimeout(function () { controller.abort(); }, 4000) : null;
    fetch(url, { cache: "no-store", credentials: "same-origin", signal: controller ? controller.signal : undefined })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (data) {
        failures = 0;
        notice.hidden = true;
        if (data.clock) {
          setClock(Number(data.clock.now), Number(data.clock.utc_offset_minutes));
          tick();
        }
        var newest = data.called.length ? String(data.called[0].event) : null;
        if (newest !== lastEvent) {
          render(data.called);
          if (newest !== null) chime();
          lastEvent = newest;
        }
      })
      .catch(function () {
        failures += 1;
        if (failures >= 2) notice.hidden = false;
      })
      .then(function () {
        if (timer) window.clearTimeout(timer);
        schedule();
      });
  }

  function tick() {
    if (!clock) return;
    var local = new Date(Date.now() + skew + offsetMinutes * 60000);
    clock.textContent =
      String(local.getUTCHours()).padStart(2, "0") + ":" + String(local.getUTCMinutes()).padStart(2, "0");
  }
  tick();
  window.setInterval(tick, 10000);
  schedule();
})();
