/* The citizen's live ticket: polls its status every few seconds; vibrates once when called;
   after a network drop keeps trying with a growing pause and says so discreetly. */
(function () {
  "use strict";
  var root = document.querySelector("[data-status-url]");
  if (!root) return;
  var url = root.getAttribute("data-status-url");
  var notice = root.querySelector("[data-reconnecting]");
  var status = root.getAttribute("data-status");
  var failures = 0;
  var POLL_MS = 3000;
  var FINISHED = ["completed", "no_show", "not_served", "cancelled"];

  function show(state) {
    root.querySelector("[data-headline]").textContent = state.headline;
    root.querySelector("[data-detail]").textContent = state.detail;
    root.querySelector("[data-status-label]").textContent = state.status_label;
    if (state.status !== status) {
      root.classList.remove("live-ticket-" + status);
      root.classList.add("live-ticket-" + state.status);
      if (state.status === "called" && navigator.vibrate) navigator.vibrate([300, 150, 300]);
      status = state.status;
      root.setAttribute("data-status", status);
    }
  }

  function poll() {
    fetch(url, { cache: "no-store", credentials: "omit" })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (state) {
        failures = 0;
        notice.hidden = true;
        show(state);
      })
      .catch(function () {
        failures += 1;
        if (failures >= 2) notice.hidden = false;
      })
      .then(function () {
        if (FINISHED.indexOf(status) !== -1) return;
        var delay = failures ? Math.min(POLL_MS * Math.pow(2, failures), 30000) : POLL_MS;
        window.setTimeout(poll, document.hidden ? Math.max(delay, 10000) : delay);
      });
  }
  if (FINISHED.indexOf(status) === -1) window.setTimeout(poll, POLL_MS);
})();
