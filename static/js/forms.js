/* The error summary atop a refused form (templates/_macros.html, form_errors): focus
   moves to it when the page loads, so a screen reader reads every problem first and a
   keyboard user starts there; each of its links puts the cursor in its field. Without
   JavaScript the summary is still the first thing on the page and its links still jump. */
(function () {
  "use strict";
  var summary = document.querySelector("[data-error-summary]");
  if (!summary) {
    return;
  }
  summary.focus();
  summary.addEventListener("click", function (event) {
    var link = event.target.closest("a[href^='#']");
    var field = link && document.getElementById(link.getAttribute("href").slice(1));
    if (!field) {
      return;
    }
    event.preventDefault();
    var holder = field.closest(".field, fieldset") || field;
    holder.scrollIntoView();
    field.focus({ preventScroll: true });
  });
})();
