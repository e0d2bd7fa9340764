// 答复模板“插入”: puts the template (already filled from the case on the server) into the
// reply text where the cursor was, without sending the form. Without JavaScript the same
// button posts the form and the server shows it again with the template appended.
(function () {
  "use strict";
  var cursor = new WeakMap();

  function remember(event) {
    var area = event.target;
    if (area instanceof HTMLTextAreaElement) {
      cursor.set(area, [area.selectionStart, area.selectionEnd]);
    }
  }
  ["keyup", "mouseup", "input", "select"].forEach(function (name) {
    document.addEventListener(name, remember);
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-template-text]");
    if (!button) {
      return;
    }
    var area = document.getElementById(button.getAttribute("aria-controls"));
    if (!area) {
      return;
    }
    event.preventDefault();
    var text = button.getAttribute("data-template-text");
    var at = cursor.get(area);
    if (at) {
      area.setRangeText(text, at[0], at[1], "end");
    } else {
      var before = area.value.replace(/\s+$/, "");
      area.value = before ? before + "\n\n" + text : text;
      area.setSelectionRange(area.value.length, area.value.length);
    }
    cursor.set(area, [area.selectionStart, area.selectionEnd]);
    area.focus();
  });
}());
