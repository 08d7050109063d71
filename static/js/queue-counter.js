/* Operator screen: one-key shortcuts for the buttons that carry data-key (N, R, S, C, X, P, O),
   ignored while typing in a field or when a modifier key is held. */
(function () {
  "use strict";
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.altKey || event.metaKey || event.repeat) return;
    var target = event.target;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
    var key = (event.key || "").toLowerCase();
    var button = document.querySelector('#counter-panel button[data-key="' + key + '"]:not([disabled])');
    if (!button) return;
    event.preventDefault();
    button.click();
  });
})();

/* Every 10 s the panel reloads itself (htmx, on the "counter-refresh" event), except while the
   operator is typing a note or a transfer: that would wipe the text. An event sent from here
   rather than an hx-trigger filter, because htmx evaluates filters as strings, which the
   Content-Security-Policy forbids. */
(function () {
  "use strict";
  window.setInterval(function () {
    var panel = document.getElementById("counter-panel");
    var active = document.activeElement;
    if (!panel || (active && active.closest && active.closest(".counter-form-text"))) return;
    panel.dispatchEvent(new CustomEvent("counter-refresh"));
  }, 10000);
})();
