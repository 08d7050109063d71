/* Rating pages. The counter tablet's thank-you page returns to the waiting screen by itself
   after a few seconds (the "Done" button does the same at once). */
(function () {
  "use strict";
  var done = document.querySelector("[data-return-url]");
  if (!done) return;
  var seconds = parseInt(done.getAttribute("data-return-after"), 10) || 8;
  window.setTimeout(function () {
    window.location.assign(done.getAttribute("data-return-url"));
  }, seconds * 1000);
})();
