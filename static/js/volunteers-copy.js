// Volunteer pages: "Copy" for the calendar link and "Print" buttons (both work without it:
// the link can be selected by hand, and the browser's own print command prints the page).
document.addEventListener("click", function (event) {
  var copy = event.target.closest("[data-copy-target]");
  if (copy) {
    var field = document.getElementById(copy.getAttribute("data-copy-target"));
    field.select();
    var done = function () {
      var help = document.getElementById(field.getAttribute("aria-describedby"));
      if (help) help.textContent = copy.getAttribute("data-copied-text");
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(done);
    } else if (document.execCommand("copy")) {
      done();
    }
    return;
  }
  if (event.target.closest("[data-print]")) {
    window.print();
  }
});
