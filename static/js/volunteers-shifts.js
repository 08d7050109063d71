// The volunteer's shift page: htmx swaps the whole <main> after "Sign up" or "Withdraw", which
// would leave keyboard focus on <body>. Put it back on the shift that changed (its new button),
// and read the page's message out through a live region that stays outside the swapped part
// (a region inserted by the swap itself is not reliably announced).
(function () {
  var announcer = document.createElement("div");
  announcer.id = "shift-announcer";
  announcer.className = "visually-hidden";
  announcer.setAttribute("role", "status");
  announcer.setAttribute("aria-live", "polite");
  announcer.setAttribute("aria-atomic", "true");
  document.body.appendChild(announcer);

  var focusAfterSwap = null;

  document.body.addEventListener("htmx:beforeRequest", function (event) {
    var form = event.target.closest("[data-focus-after]");
    focusAfterSwap = form ? form.getAttribute("data-focus-after") : null;
  });

  document.body.addEventListener("htmx:afterSettle", function () {
    if (focusAfterSwap === null) return;
    var wanted = focusAfterSwap;
    focusAfterSwap = null;
    var error = document.getElementById("shift-error");
    var shift = document.getElementById(wanted);
    var target = error || (shift && shift.querySelector("button")) || shift || document.getElementById("main");
    if (target === error || target === shift) target.setAttribute("tabindex", "-1");
    target.focus();
    var message = error || document.querySelector("#main [role=status]");
    // Emptied first, so the same message twice in a row is announced twice.
    announcer.textContent = "";
    if (message) {
      window.setTimeout(function () { announcer.textContent = message.textContent.trim(); }, 50);
    }
  });
})();
