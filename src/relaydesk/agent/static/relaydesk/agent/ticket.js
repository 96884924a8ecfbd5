/* The ticket zoom: j / k / ] to the next and previous ticket, the reply and note
 * panels focus their text field when opened, formatted mail frames fit their
 * content, and htmx swaps in the answers of refused or stale submissions (409,
 * 400, 403 pages carry the form again). Everything works without this script. */
(function () {
  "use strict";

  function zoom() {
    return document.getElementById("zoom");
  }

  function go(attribute) {
    const element = zoom();
    const url = element && element.getAttribute(attribute);
    if (url) window.location.assign(url);
  }

  // Listeners on the document (capturing, as toggle and load do not bubble), so
  // that content htmx swaps in later works the same.
  document.addEventListener(
    "toggle",
    function (event) {
      const panel = event.target;
      if (!(panel instanceof HTMLDetailsElement) || !panel.open) return;
      if (!panel.matches("details[data-compose]")) return;
      const field = panel.querySelector("textarea");
      if (field) field.focus();
    },
    true,
  );

  document.addEventListener(
    "load",
    function (event) {
      const frame = event.target;
      if (!(frame instanceof HTMLIFrameElement) || !frame.matches("iframe.article-html")) return;
      try {
        const body = frame.contentDocument && frame.contentDocument.body;
        if (body) frame.style.height = Math.min(body.scrollHeight + 24, 1200) + "px";
      } catch (error) {
        /* a frame we cannot measure keeps its height */
      }
    },
    true,
  );

  function setUp() {
    const element = zoom();
    if (!window.Relaydesk || !window.Relaydesk.shortcuts) return;
    const next = (element && element.dataset.helpNext) || "Next ticket";
    const previous = (element && element.dataset.helpPrevious) || "Previous ticket";
    window.Relaydesk.shortcuts.register("j", next, function () { go("data-next-url"); });
    window.Relaydesk.shortcuts.register("]", next, function () { go("data-next-url"); });
    window.Relaydesk.shortcuts.register("k", previous, function () { go("data-previous-url"); });
  }

  document.addEventListener("htmx:beforeSwap", function (event) {
    const status = event.detail.xhr.status;
    if (status === 400 || status === 403 || status === 409) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
