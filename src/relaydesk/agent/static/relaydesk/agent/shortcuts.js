/* Keyboard shortcuts of the agent interface.
 *
 * Two ways to add one:
 *  - in markup: data-shortcut="r" data-shortcut-help="Reply" on a link, button or
 *    field. The key clicks the element (or focuses a field); the "?" dialog lists
 *    it with its help text. Works for content htmx swaps in later.
 *  - in script: Relaydesk.shortcuts.register("j", "Next ticket", (event) => { … }).
 * Shortcuts are ignored while the user types in a field (Esc leaves the field)
 * and when Ctrl, Alt or Meta is held. An element with data-shortcut-dialog="id"
 * opens that <dialog> when clicked (the "?" help uses it).
 */
(function () {
  "use strict";

  const registered = new Map(); // key -> {help, run}

  function isTyping(target) {
    if (!(target instanceof Element)) return false;
    return target.isContentEditable || target.matches("input, textarea, select");
  }

  function isUsable(element) {
    return !element.disabled && element.getClientRects().length > 0;
  }

  function markupShortcut(key) {
    const selector = '[data-shortcut="' + CSS.escape(key) + '"]';
    for (const element of document.querySelectorAll(selector)) {
      // A shortcut inside a closed <details> menu still works.
      if (isUsable(element) || element.closest("details:not([open])")) return element;
    }
    return null;
  }

  function activate(element) {
    if (element.matches("input, textarea, select")) {
      element.focus();
      if (typeof element.select === "function") element.select();
    } else {
      element.click();
    }
  }

  function register(key, help, run) {
    registered.set(key, { help: help, run: run });
  }

  function entries() {
    const seen = new Map();
    for (const element of document.querySelectorAll("[data-shortcut][data-shortcut-help]")) {
      const key = element.dataset.shortcut;
      if (!seen.has(key)) seen.set(key, element.dataset.shortcutHelp);
    }
    for (const [key, value] of registered) {
      if (!seen.has(key) && value.help) seen.set(key, value.help);
    }
    return seen;
  }

  function openDialog(id) {
    const dialog = document.getElementById(id);
    if (!dialog || dialog.open) return;
    const list = dialog.querySelector("[data-shortcut-list]");
    if (list) {
      list.replaceChildren();
      for (const [key, help] of entries()) {
        const term = document.createElement("dt");
        const kbd = document.createElement("kbd");
        kbd.textContent = key;
        term.append(kbd);
        const description = document.createElement("dd");
        description.textContent = help;
        list.append(term, description);
      }
    }
    const menu = document.querySelector("details.menu[open]");
    if (menu) menu.open = false;
    dialog.showModal();
  }

  document.addEventListener("click", function (event) {
    const opener = event.target instanceof Element && event.target.closest("[data-shortcut-dialog]");
    if (opener) {
      event.preventDefault();
      openDialog(opener.dataset.shortcutDialog);
    }
  });

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (isTyping(event.target)) {
      if (event.key === "Escape") event.target.blur();
      return;
    }
    if (document.querySelector("dialog[open]")) return;
    const element = markupShortcut(event.key);
    if (element) {
      event.preventDefault();
      activate(element);
      return;
    }
    const handler = registered.get(event.key);
    if (handler) {
      event.preventDefault();
      handler.run(event);
    }
  });

  // Close an open agent menu when clicking elsewhere.
  document.addEventListener("click", function (event) {
    for (const menu of document.querySelectorAll("details.menu[open]")) {
      if (!menu.contains(event.target)) menu.open = false;
    }
  });

  // j / k: next and previous row of a list (rows are [data-row] inside a
  // [data-row-list]; the row's [data-row-link] gets the focus, so Enter opens
  // it); x ticks the current row's checkbox. Help texts come from the list's
  // data-help-next / data-help-previous / data-help-select (translated there).
  function listRows() {
    return Array.from(document.querySelectorAll("[data-row-list] [data-row]"));
  }

  function currentRow(rows) {
    return rows.findIndex((row) => row.classList.contains("is-current"));
  }

  function moveRow(step) {
    const rows = listRows();
    if (!rows.length) return;
    const index = currentRow(rows);
    const next = index < 0 ? (step > 0 ? 0 : rows.length - 1)
      : Math.min(Math.max(index + step, 0), rows.length - 1);
    if (index >= 0) rows[index].classList.remove("is-current");
    const row = rows[next];
    row.classList.add("is-current");
    const link = row.querySelector("[data-row-link]");
    if (link) link.focus({ preventScroll: true });
    row.scrollIntoView({ block: "nearest" });
  }

  const rowList = document.querySelector("[data-row-list]");
  if (rowList) {
    const help = rowList.dataset;
    register("j", help.helpNext || "Next row", () => moveRow(1));
    register("k", help.helpPrevious || "Previous row", () => moveRow(-1));
    if (help.helpSelect) {
      register("x", help.helpSelect, () => {
        const rows = listRows();
        const index = currentRow(rows);
        const box = index >= 0 && rows[index].querySelector('input[type="checkbox"]');
        if (box) box.click();
      });
    }
  }

  window.Relaydesk = Object.assign(window.Relaydesk || {}, {
    shortcuts: { register: register, open: openDialog },
  });
})();
