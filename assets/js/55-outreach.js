/* 联户: a header checkbox [data-check-all] toggles every ids checkbox of its form. */
(function () {
  "use strict";
  document.addEventListener("change", function (evt) {
    const box = evt.target;
    if (!box.matches || !box.matches("[data-check-all]")) return;
    const form = box.closest("form");
    if (!form) return;
    form.querySelectorAll('input[type=checkbox][name=ids]').forEach(function (b) {
      b.checked = box.checked;
    });
  });
})();
