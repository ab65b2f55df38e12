// The reading view's one JavaScript island: text selection -> claim form.
//
// Offsets sent to the server are code point indices into the version's stored text.
// The DOM measures strings in UTF-16 code units, so every length taken from the page is
// converted with codePoints() before it is added to a sentence's data-start.
(function () {
  "use strict";

  const textEl = () => document.getElementById("version-text");
  const claimForm = () => document.getElementById("claim-form");

  function codePoints(s) {
    let n = 0;
    for (const _ of s) n++; // iterates by code point, not UTF-16 unit
    return n;
  }

  function sentenceOf(node) {
    const el = node.nodeType === Node.ELEMENT_NODE ? node : node.parentElement;
    return el ? el.closest("[data-start]") : null;
  }

  // Code point offset of a DOM boundary point inside the text container. A point in the
  // whitespace between sentences snaps forward (start) or backward (end) to a sentence.
  function offsetOf(container, node, offset, isEnd) {
    const sentence = sentenceOf(node);
    if (sentence && container.contains(sentence)) {
      const r = document.createRange();
      r.setStart(sentence, 0);
      r.setEnd(node, offset);
      return Number(sentence.dataset.start) + codePoints(r.toString());
    }
    const probe = document.createRange();
    probe.setStart(node, offset);
    const sentences = Array.from(container.querySelectorAll("[data-start]"));
    if (!isEnd) {
      const next = sentences.find((s) => probe.comparePoint(s, 0) === 1);
      return next ? Number(next.dataset.start) : null;
    }
    const before = sentences.filter((s) => probe.comparePoint(s, s.childNodes.length) === -1);
    return before.length ? Number(before[before.length - 1].dataset.end) : null;
  }

  // The current selection, clipped to the text, as {start, end, exact, rect}; or null.
  function currentSelection() {
    const container = textEl();
    const sel = window.getSelection();
    if (!container || !sel || sel.rangeCount === 0 || sel.isCollapsed) return null;
    const range = sel.getRangeAt(0).cloneRange();
    const whole = document.createRange();
    whole.selectNodeContents(container);
    if (range.compareBoundaryPoints(Range.END_TO_START, whole) >= 0) return null; // after text
    if (range.compareBoundaryPoints(Range.START_TO_END, whole) <= 0) return null; // before text
    if (range.compareBoundaryPoints(Range.START_TO_START, whole) < 0) {
      range.setStart(whole.startContainer, whole.startOffset);
    }
    if (range.compareBoundaryPoints(Range.END_TO_END, whole) > 0) {
      range.setEnd(whole.endContainer, whole.endOffset);
    }
    const start = offsetOf(container, range.startContainer, range.startOffset, false);
    const end = offsetOf(container, range.endContainer, range.endOffset, true);
    const exact = range.toString();
    if (start === null || end === null || end <= start || !exact.trim()) return null;
    const rects = range.getClientRects();
    const rect = rects.length ? rects[rects.length - 1] : range.getBoundingClientRect();
    return { start, end, exact, rect };
  }

  function fill(form, selection) {
    form.elements.start.value = selection.start;
    form.elements.end.value = selection.end;
    form.elements.exact.value = selection.exact;
  }

  function hidePopover() {
    const form = claimForm();
    if (form) form.hidden = true;
  }

  function showPopover(selection, focusButton) {
    const form = claimForm();
    if (!form) return;
    fill(form, selection);
    const moveForm = document.getElementById("claim-move-form");
    const moveButton = document.getElementById("move-claim");
    moveButton.hidden = !moveForm;
    if (moveForm) moveButton.textContent = `Move claim #${moveForm.dataset.claimNumber} here`;
    form.hidden = false;
    const host = form.offsetParent || document.body;
    const hostRect = host.getBoundingClientRect();
    const top = selection.rect.bottom - hostRect.top + 6;
    const left = Math.max(0, Math.min(selection.rect.left - hostRect.left, host.clientWidth - form.offsetWidth));
    form.style.top = `${top}px`;
    form.style.left = `${left}px`;
    if (focusButton) document.getElementById("mark-claim").focus({ preventScroll: true });
  }

  function selectionChanged(focusButton) {
    const selection = currentSelection();
    if (selection) showPopover(selection, focusButton);
    else hidePopover();
  }

  function returnFocusToText() {
    const container = textEl();
    window.getSelection().removeAllRanges();
    hidePopover();
    if (container) {
      container.setAttribute("tabindex", "-1");
      container.focus({ preventScroll: true });
    }
  }

  document.addEventListener("mouseup", (event) => {
    if (event.target.closest && event.target.closest("#claim-form")) return;
    setTimeout(() => selectionChanged(true), 0); // let the selection settle first
  });

  document.addEventListener("keyup", (event) => {
    if (event.shiftKey && event.key.startsWith("Arrow")) selectionChanged(false);
  });

  document.addEventListener("keydown", (event) => {
    const form = claimForm();
    const popoverOpen = form && !form.hidden;
    if (event.key === "Escape" && popoverOpen) {
      event.preventDefault();
      returnFocusToText();
      return;
    }
    const typing = event.target.closest && event.target.closest("input, textarea, select, button");
    if (event.key === "Enter" && popoverOpen && !typing) {
      event.preventDefault();
      form.requestSubmit();
      return;
    }
    if (typing || event.ctrlKey || event.metaKey || event.altKey) return;
    keyboardReview(event);
  });

  document.addEventListener("click", (event) => {
    if (!event.target.closest) return;
    if (event.target.closest("[data-dismiss]")) {
      returnFocusToText();
      return;
    }
    if (event.target.closest("#move-claim")) {
      const moveForm = document.getElementById("claim-move-form");
      const selection = currentSelection();
      if (moveForm && selection) {
        fill(moveForm, selection);
        moveForm.requestSubmit();
      }
      returnFocusToText();
      return;
    }
    const mark = event.target.closest("#version-text mark[data-claim]");
    if (mark && window.getSelection().isCollapsed) openClaim(mark.dataset.claim);
  });

  document.addEventListener("submit", (event) => {
    if (event.target.id === "claim-form") {
      // htmx sends the form; tidy up the selection once it has read the fields.
      setTimeout(returnFocusToText, 0);
    }
  });

  function openClaim(id) {
    const url = textEl().dataset.claimUrl.replace("/0/", `/${id}/`);
    window.htmx.ajax("GET", url, { target: "#claim-panel", swap: "innerHTML" });
  }

  // Keyboard review: j/k next/previous claim, 1-6 choose a rating, ? lists shortcuts.
  function keyboardReview(event) {
    const items = Array.from(document.querySelectorAll("#claim-list [data-claim]"));
    const panel = document.querySelector("#claim-panel [data-claim]");
    const current = panel ? items.findIndex((li) => li.dataset.claim === panel.dataset.claim) : -1;
    if ((event.key === "j" || event.key === "k") && items.length) {
      const step = event.key === "j" ? 1 : -1;
      const next = items[Math.max(0, Math.min(items.length - 1, current + step))];
      openClaim(next.dataset.claim);
    } else if (/^[1-6]$/.test(event.key)) {
      const radios = document.querySelectorAll('#my-verdict input[name="rating"]');
      const radio = radios[Number(event.key) - 1];
      if (radio) {
        radio.checked = true;
        radio.focus();
      }
    } else if (event.key === "?") {
      const help = document.getElementById("shortcuts");
      if (help) help.hidden = !help.hidden;
    }
  }

  // After a claim opens, bring its highlight into view and mark it as the active one.
  document.addEventListener("htmx:afterSettle", (event) => {
    const panel = document.querySelector("#claim-panel [data-claim]");
    document.querySelectorAll("#version-text mark.is-active").forEach((m) => m.classList.remove("is-active"));
    if (panel) {
      const marks = document.querySelectorAll(`#version-text mark[data-claim="${panel.dataset.claim}"]`);
      marks.forEach((m) => m.classList.add("is-active"));
      if (marks.length && event.detail.target && event.detail.target.id === "claim-panel") {
        marks[0].scrollIntoView({ block: "nearest", behavior: "smooth" });
      }
    }
    markNewClaims();
  });

  // Live updates: never swap the text under a reader's selection or open popover.
  document.addEventListener("htmx:beforeRequest", (event) => {
    if (event.detail.elt.id !== "live") return;
    const form = claimForm();
    const busy = (form && !form.hidden) || currentSelection() !== null;
    if (busy) event.preventDefault();
  });

  let knownClaims = null;
  function markNewClaims() {
    const items = Array.from(document.querySelectorAll("#claim-list [data-claim]"));
    const ids = new Set(items.map((li) => li.dataset.claim));
    if (knownClaims) {
      items.forEach((li) => {
        if (!knownClaims.has(li.dataset.claim)) {
          li.classList.add("is-new");
          document
            .querySelectorAll(`#version-text mark[data-claim="${li.dataset.claim}"]`)
            .forEach((m) => m.classList.add("is-new"));
          setTimeout(() => li.classList.remove("is-new"), 4000);
        }
      });
    }
    knownClaims = ids;
  }
  document.addEventListener("DOMContentLoaded", markNewClaims);
})();
