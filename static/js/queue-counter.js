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
