// Waymark's few behaviours. Everything works without it; this only saves clicks.
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.matches && el.matches("[data-autosubmit]") && el.form) { el.form.submit(); }
  });
  // Escape cancels an in-place edit: the cell's cancel button swaps the display back.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    var form = event.target.closest && event.target.closest(".cell-form");
    if (!form) { return; }
    var cancel = form.querySelector("[data-cancel]");
    if (cancel) { event.preventDefault(); cancel.click(); }
  });
  // After an in-place edit is swapped in, put the focus in its first field.
  document.body.addEventListener("htmx:afterSwap", function (event) {
    var field = event.target.querySelector && event.target.querySelector(".cell-form input, .cell-form select");
    if (field) { field.focus(); }
    var display = event.target.querySelector && event.target.querySelector("[data-focus-after-save]");
    if (display) { display.focus(); }
  });
})();
