/* Kiosk ticket page: print on demand, and go back to the start by itself after a while so the
   next citizen does not find someone else's ticket on the screen. */
(function () {
  "use strict";
  var printButton = document.querySelector("[data-print]");
  if (printButton) printButton.addEventListener("click", function () { window.print(); });
  var home = document.querySelector("[data-kiosk-home]");
  if (home) window.setTimeout(function () { window.location.assign(home.href); }, 45000);
})();
