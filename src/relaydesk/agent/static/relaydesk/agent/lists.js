/* Ticket list, progressive enhancement (everything works without it):
 * - "select all" checkbox in the heading;
 * - the bulk bar shows only the fields the chosen action needs, and how many
 *   tickets are selected.
 * j/k row navigation lives in shortcuts.js (any [data-row-list]).
 */
(function () {
  "use strict";

  const NEEDS = {
    state: ["action", "state", "pending_until"],
    owner: ["action", "owner"],
    queue: ["action", "queue"],
    priority: ["action", "priority"],
    merge: ["action", "merge_target"],
  };

  function boxes() {
    return Array.from(document.querySelectorAll('input[type="checkbox"][name="ticket"]'));
  }

  function updateCount() {
    const counter = document.querySelector("[data-bulk-count]");
    const all = document.querySelector("[data-select-all]");
    const selected = boxes().filter((box) => box.checked).length;
    if (counter) {
      counter.textContent = counter.dataset.template
        ? counter.dataset.template.replace("%s", String(selected))
        : counter.textContent;
    }
    if (all) {
      all.checked = selected > 0 && selected === boxes().length;
      all.indeterminate = selected > 0 && selected < boxes().length;
    }
  }

  function updateFields() {
    const action = document.querySelector('[name="bulk-action"]');
    if (!action) return;
    const wanted = NEEDS[action.value] || ["action"];
    for (const field of document.querySelectorAll("[data-bulk-field]")) {
      field.hidden = !wanted.includes(field.dataset.bulkField);
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    const all = document.querySelector("[data-select-all]");
    if (all) {
      all.hidden = false;
      all.addEventListener("change", function () {
        for (const box of boxes()) box.checked = all.checked;
        updateCount();
      });
    }
    document.addEventListener("change", function (event) {
      if (event.target instanceof HTMLInputElement && event.target.name === "ticket") updateCount();
      if (event.target instanceof HTMLSelectElement && event.target.name === "bulk-action") updateFields();
    });
    updateFields();
  });
})();
