// Suggested claims: faint marks on the suggested sentences, and keys to act on them.
// a: mark the focused suggestion as a claim · x: dismiss it · s: focus the first one.
(function () {
  "use strict";

  function items() {
    return Array.from(document.querySelectorAll("#suggestion-list .suggestion"));
  }

  function markText() {
    document.querySelectorAll("#version-text .s.is-suggested").forEach((s) => {
      s.classList.remove("is-suggested");
      s.removeAttribute("title");
    });
    items().forEach((item) => {
      const sentence = document.querySelector(`#version-text .s[data-start="${item.dataset.start}"]`);
      if (sentence) {
        sentence.classList.add("is-suggested");
        sentence.title = "Suggested claim";
      }
    });
  }

  document.addEventListener("htmx:afterSettle", markText);
  document.addEventListener("DOMContentLoaded", markText);

  let focusAfterSwap = null;

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    const typing = target.closest && target.closest("input, textarea, select, summary, button");
    if (typing) return;
    const item = target.closest && target.closest("#suggestion-list .suggestion");
    if (event.key === "s" && !item) {
      const first = items()[0];
      if (first) {
        event.preventDefault();
        first.focus();
      }
      return;
    }
    if (!item) return;
    if (event.key === "a") {
      event.preventDefault();
      const list = items();
      focusAfterSwap = list.indexOf(item);
      item.querySelector("[data-accept]").click();
    } else if (event.key === "x") {
      event.preventDefault();
      const details = item.querySelector("details");
      details.open = true;
      details.querySelector("select").focus();
    } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const list = items();
      const next = list[list.indexOf(item) + (event.key === "ArrowDown" ? 1 : -1)];
      if (next) next.focus();
    }
  });

  // The list is redrawn when claims change (this reader's, or others' from the live poll):
  // a reader working through it with the keyboard stays on the same place in it.
  function rememberFocus(event) {
    const target = event.detail && event.detail.target;
    if (!target || target.id !== "suggestion-list" || focusAfterSwap !== null) return;
    const focused = document.activeElement && document.activeElement.closest(".suggestion");
    if (focused) focusAfterSwap = items().indexOf(focused);
  }
  document.addEventListener("htmx:beforeSwap", rememberFocus);
  document.addEventListener("htmx:oobBeforeSwap", rememberFocus);

  // After a suggestion becomes a claim the list is redrawn: keep the keyboard in it.
  document.addEventListener("htmx:afterSettle", (event) => {
    if (focusAfterSwap === null || event.target.id !== "suggestion-list") return;
    const list = items();
    const next = list[Math.min(focusAfterSwap, list.length - 1)];
    focusAfterSwap = null;
    if (next) next.focus({ preventScroll: true });
  });
})();
