// Accessible names for what Django's admin scripts draw without one (axe-core, run on every admin
// page by tests/browser/test_accessibility.py). Fixed where they appear, added rows included.
(function () {
  "use strict";

  function clean(text) {
    return (text || "").replace(/\s+/g, " ").replace(/[:\s]+$/, "").trim();
  }

  function fieldLabel(element) {
    var row = element.closest(".form-row, .fieldBox, td, .flex-container");
    var label = row && row.querySelector("label");
    return label ? clean(label.textContent) : "";
  }

  function fix(root) {
    // The filter boxes' magnifier icons (SelectFilter2.js) carry an aria-label, which a plain
    // <span> may not have: they are images.
    root.querySelectorAll(".help-tooltip[aria-label]:not([role])").forEach(function (icon) {
      icon.setAttribute("role", "img");
    });

    // Date and time of a date-and-time field: "Date:" and "Time:" are bare text, not labels.
    root.querySelectorAll("p.datetime input:not([aria-label])").forEach(function (input) {
      var part = input.previousSibling;
      while (part && !(part.nodeType === Node.TEXT_NODE && part.textContent.trim())) {
        part = part.previousSibling;
      }
      var name = [fieldLabel(input.closest("p.datetime")), part ? clean(part.textContent) : ""];
      input.setAttribute("aria-label", name.filter(Boolean).join(", "));
    });

    // Autocomplete boxes (select2) are named by their current value only, so an empty one has
    // no name: name the box and its value's text box by the field's label and the value.
    root.querySelectorAll(".select2-selection[role=combobox][aria-labelledby]").forEach(function (box) {
      var container = box.closest(".select2");
      var select = container && container.previousElementSibling;
      if (!select || !select.id || box.dataset.a11yNamed) return;
      var label = document.querySelector('label[for="' + select.id + '"]');
      if (!label) return;
      if (!label.id) label.id = select.id + "-label";
      var value = box.querySelector(".select2-selection__rendered[id]");
      box.setAttribute("aria-labelledby", label.id + " " + box.getAttribute("aria-labelledby"));
      if (value) value.setAttribute("aria-labelledby", label.id + " " + value.id);
      box.dataset.a11yNamed = "1";
    });

    // The tabular inline's first header cell is empty (the column of each row's title): a data
    // cell, not a header.
    root.querySelectorAll(".tabular thead th").forEach(function (th) {
      if (th.textContent.trim() || th.children.length) return;
      var td = document.createElement("td");
      td.className = th.className;
      th.replaceWith(td);
    });
  }

  function fixDocument() {
    fix(document);
  }

  document.addEventListener("DOMContentLoaded", fixDocument);
  // After the admin's own "load" handlers (SelectFilter2, DateTimeShortcuts) have drawn.
  window.addEventListener("load", function () {
    window.setTimeout(fixDocument, 0);
    new MutationObserver(function (records) {
      if (records.some(function (record) { return record.addedNodes.length; })) fixDocument();
    }).observe(document.body, { childList: true, subtree: true });
  });
})();
