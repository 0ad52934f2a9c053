// Small progressive enhancements of the staff dashboard; every page works without them.
(function () {
  "use strict";

  // "Select all on this page" toggles every order checkbox of its form.
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!box.matches || !box.matches("[data-select-all]")) return;
    var form = box.form || box.closest("form");
    form.querySelectorAll('input[type=checkbox][name="' + box.dataset.selectAll + '"]').forEach(
      function (other) { other.checked = box.checked; }
    );
  });

  // After htmx swaps the order or request panel, keep keyboard users in place:
  // focus its messages or heading.
  document.addEventListener("htmx:afterSettle", function (event) {
    var panel = document.getElementById("order-panel") || document.getElementById("request-panel");
    if (!panel || !panel.contains(event.detail.elt) && event.detail.elt !== panel) return;
    var target = panel.querySelector("#order-messages, #request-messages") ||
      panel.querySelector("#order-heading, #request-heading");
    if (target) {
      if (!target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
      target.focus();
    }
  });
})();
