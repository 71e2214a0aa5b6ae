/* Venue booking: pick free slots on the week table into the booking form; show the unit / org field
   only for the booker kind that needs it. */
(function () {
  "use strict";

  function setup(form) {
    if (form._venues) return;
    form._venues = true;
    const kind = form.querySelector("[name=booker_kind]");
    const toggle = function () {
      const v = kind ? kind.value : "";
      form.querySelectorAll(".booker-unit").forEach((el) => el.classList.toggle("d-none", v !== "unit"));
      form.querySelectorAll(".booker-org").forEach((el) => el.classList.toggle("d-none", v !== "branch"));
    };
    if (kind) {
      kind.addEventListener("change", toggle);
      toggle();
    }
    const table = document.querySelector("[data-week]");
    if (!table) return;
    let anchor = null;
    const pick = function (cell) {
      const date = form.querySelector("[name=date]");
      const start = form.querySelector("[name=start]");
      const end = form.querySelector("[name=end]");
      if (anchor && anchor.dataset.date === cell.dataset.date && cell.dataset.start > anchor.dataset.start) {
        end.value = cell.dataset.end;
      } else {
        anchor = cell;
        date.value = cell.dataset.date;
        start.value = cell.dataset.start;
        end.value = cell.dataset.end;
      }
      table.querySelectorAll(".slot-picked").forEach((el) => el.classList.remove("slot-picked"));
      table.querySelectorAll("[data-slot]").forEach(function (el) {
        if (el.dataset.date === date.value && el.dataset.start >= start.value && el.dataset.end <= end.value) {
          el.classList.add("slot-picked");
        }
      });
      const title = form.querySelector("[name=title]");
      if (title && !title.value && window.innerWidth < 1200) title.focus();
    };
    table.addEventListener("click", function (evt) {
      const cell = evt.target.closest("[data-slot]");
      if (cell) pick(cell);
    });
    table.addEventListener("keydown", function (evt) {
      const cell = evt.target.closest("[data-slot]");
      if (cell && (evt.key === "Enter" || evt.key === " ")) {
        evt.preventDefault();
        pick(cell);
      }
    });
  }

  function init(root) {
    (root || document).querySelectorAll("[data-booking-form]").forEach(setup);
  }
  document.addEventListener("DOMContentLoaded", () => init());
  document.addEventListener("htmx:afterSettle", (evt) => init(evt.target));
})();
