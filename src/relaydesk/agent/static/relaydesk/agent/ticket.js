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

  function setUp() {
    const element = zoom();
    if (element && window.Relaydesk && window.Relaydesk.shortcuts) {
      const next = element.dataset.helpNext;
      const previous = element.dataset.helpPrevious;
      window.Relaydesk.shortcuts.register("j", next, function () { go("data-next-url"); });
      window.Relaydesk.shortcuts.register("]", next, function () { go("data-next-url"); });
      window.Relaydesk.shortcuts.register("k", previous, function () { go("data-previous-url"); });
    }
    for (const panel of document.querySelectorAll("details[data-compose]")) {
      panel.addEventListener("toggle", function () {
        if (!panel.open) return;
        const field = panel.querySelector("textarea");
        if (field) field.focus();
      });
    }
    for (const frame of document.querySelectorAll("iframe.article-html")) {
      frame.addEventListener("load", function () {
        try {
          const body = frame.contentDocument && frame.contentDocument.body;
          if (body) frame.style.height = Math.min(body.scrollHeight + 24, 1200) + "px";
        } catch (error) {
          /* a frame we cannot measure keeps its height */
        }
      });
    }
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
