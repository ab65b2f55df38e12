// The reading view's one JavaScript island: text selection -> claim form, by mouse or by
// keyboard (Selection API), and the keyboard review around it (j/k, 1-6, ?), with what it
// says to screen readers (#announce) and where it puts focus after htmx swaps.
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
    let start = offsetOf(container, range.startContainer, range.startOffset, false);
    let end = offsetOf(container, range.endContainer, range.endOffset, true);
    let exact = range.toString();
    // Word-wise keyboard selection often takes the space before or after a word: drop it.
    const lead = exact.length - exact.trimStart().length;
    const trail = exact.length - exact.trimEnd().length;
    if (start !== null && lead && lead < exact.length) start += codePoints(exact.slice(0, lead));
    if (end !== null && trail && trail < exact.length) end -= codePoints(exact.slice(exact.length - trail));
    exact = exact.trim();
    if (start === null || end === null || end <= start || !exact) return null;
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
    if (container) container.focus({ preventScroll: true });
  }

  document.addEventListener("mouseup", (event) => {
    if (event.target.closest && event.target.closest("#claim-form")) return;
    setTimeout(() => selectionChanged(true), 0); // let the selection settle first
  });

  // Keyboard selection, built on the browser's Selection API: in the text, ArrowDown/ArrowUp
  // select the next/previous sentence, ArrowRight/ArrowLeft the next/previous word, and
  // Shift+ArrowRight/Shift+ArrowLeft grow or shrink the selection by a word. Enter marks it.
  function inText(node) {
    const container = textEl();
    return container && node && container.contains(node);
  }

  function selectNodeText(node) {
    const range = document.createRange();
    range.selectNodeContents(node);
    const sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
  }

  function anchorSentence() {
    const sel = window.getSelection();
    const node = sel.rangeCount && inText(sel.focusNode) ? sel.focusNode : document.activeElement;
    return inText(node) ? sentenceOf(node) : null;
  }

  function stepSentence(direction) {
    const sentences = Array.from(textEl().querySelectorAll("[data-start]"));
    if (!sentences.length) return;
    const current = anchorSentence();
    let index = current ? sentences.indexOf(current) + direction : direction > 0 ? 0 : sentences.length - 1;
    index = Math.max(0, Math.min(sentences.length - 1, index));
    selectNodeText(sentences[index]);
    sentenceSelected = true;
    sentences[index].scrollIntoView({ block: "nearest" });
  }

  // After ArrowDown/ArrowUp selected a whole sentence, ArrowRight starts at its first word.
  let sentenceSelected = false;

  function stepWord(direction, extend) {
    const sel = window.getSelection();
    const forward = direction > 0 ? "forward" : "backward";
    const fromSentence = sentenceSelected;
    sentenceSelected = false;
    if (!sel.rangeCount || !inText(sel.focusNode)) {
      const first = textEl().querySelector("[data-start]");
      if (!first) return;
      sel.collapse(first, 0);
      sel.modify("extend", "forward", "word");
      return;
    }
    if (extend) {
      sel.modify("extend", forward, "word");
      return;
    }
    if (fromSentence && direction > 0) {
      sel.collapseToStart();
      sel.modify("extend", "forward", "word");
      return;
    }
    // Select the next (or previous) word on its own. Platforms move by word differently
    // (to a word's end, or to the next word's start): a step that selected only spaces
    // takes one more; spaces at the edges are dropped when the claim is sent.
    if (direction > 0) sel.collapseToEnd();
    else sel.collapseToStart();
    sel.modify("extend", forward, "word");
    if (!sel.toString().trim()) sel.modify("extend", forward, "word");
  }

  function keyboardSelect(event) {
    const target = event.target;
    if (!(target === textEl() || (target.closest && target.closest("#version-text mark")))) return false;
    if (event.ctrlKey || event.metaKey || event.altKey) return false;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      stepSentence(event.key === "ArrowDown" ? 1 : -1);
    } else if (event.key === "ArrowRight" || event.key === "ArrowLeft") {
      stepWord(event.key === "ArrowRight" ? 1 : -1, event.shiftKey);
    } else {
      return false;
    }
    event.preventDefault();
    const selection = currentSelection();
    if (selection) {
      showPopover(selection, false);
      announce(`Selected: ${selection.exact}. Press Enter to mark it as a claim, Escape to cancel.`);
    } else {
      hidePopover();
    }
    return true;
  }

  function announce(message) {
    const region = document.getElementById("announce");
    if (!region) return;
    region.textContent = "";
    // A fresh text node after a tick, so repeated messages are read again.
    setTimeout(() => {
      region.textContent = message;
    }, 50);
  }

  document.addEventListener("keydown", (event) => {
    const form = claimForm();
    const popoverOpen = form && !form.hidden;
    if (event.key === "Escape" && popoverOpen) {
      event.preventDefault();
      returnFocusToText();
      return;
    }
    const typing = event.target.closest && event.target.closest("input, textarea, select, button");
    const activates = event.target.closest && event.target.closest("a, summary");
    if (event.key === "Enter" && popoverOpen && !typing && !activates) {
      event.preventDefault();
      form.requestSubmit();
      return;
    }
    const mark = event.target.closest && event.target.closest("#version-text mark[data-claim]");
    if ((event.key === "Enter" || event.key === " ") && mark && !popoverOpen) {
      event.preventDefault();
      pendingPanelFocus = true;
      openClaim(mark.dataset.claim);
      return;
    }
    if (keyboardSelect(event)) return;
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

  // A version with many claims lists them a page at a time (articles/reading.py,
  // claim_page): #claim-items-more loads the next page, after the claim data-after names.
  // Each item carries its place in the list, data-key "start-end-pk" (by start, longer
  // first, then pk).
  function keyOf(raw) {
    return raw ? raw.split("-").map(Number) : null;
  }
  function listedAfter(a, b) {
    if (a[0] !== b[0]) return a[0] > b[0];
    if (a[1] !== b[1]) return a[1] < b[1];
    return a[2] > b[2];
  }
  function moreClaims() {
    return document.getElementById("claim-items-more");
  }
  // True if the item belongs in the part of the list that has not loaded yet.
  function notLoadedYet(item) {
    const more = moreClaims();
    return Boolean(more && item.dataset.key && listedAfter(keyOf(item.dataset.key), keyOf(more.dataset.after)));
  }
  function loadMoreClaims() {
    const link = moreClaims() && moreClaims().querySelector("a[data-hx-get]");
    if (!link) return Promise.resolve(false);
    return window.htmx
      .ajax("GET", link.dataset.hxGet, { source: link, target: "#claim-items", swap: "beforeend" })
      .then(() => true);
  }

  // Keyboard review: j/k next/previous claim, 1-6 choose a rating, ? lists shortcuts.
  function keyboardReview(event) {
    if ((event.key === "j" || event.key === "k") && document.querySelector("#claim-list [data-claim]")) {
      event.preventDefault();
      stepClaim(event.key === "j" ? 1 : -1, 0);
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

  // j/k: the claim after (before) the open one in the list; the list's next page loads
  // first if it is not there yet (at most `loads` pages for one step).
  function stepClaim(step, loads) {
    const items = Array.from(document.querySelectorAll("#claim-list [data-claim]"));
    const panel = document.querySelector("#claim-panel [data-claim]");
    let index;
    const current = panel ? items.findIndex((li) => li.dataset.claim === panel.dataset.claim) : -1;
    if (current >= 0) {
      index = current + step;
    } else if (panel && panel.dataset.key) {
      // The open claim's item has not loaded (or it was opened from the text): step from
      // where it stands in the list.
      const key = keyOf(panel.dataset.key);
      let after = items.findIndex((li) => li.dataset.key && listedAfter(keyOf(li.dataset.key), key));
      if (after < 0 && moreClaims() && loads < 200) {
        announce("Loading more claims…");
        loadMoreClaims().then((loaded) => loaded && stepClaim(step, loads + 1));
        return;
      }
      if (after < 0) after = items.length;
      index = step > 0 ? after : after - 1;
    } else {
      index = step > 0 ? 0 : items.length - 1;
    }
    if (index >= items.length && moreClaims() && loads < 200) {
      announce("Loading more claims…");
      loadMoreClaims().then((loaded) => loaded && stepClaim(step, loads + 1));
      return;
    }
    if (index < 0 || index >= items.length) {
      announce(step > 0 ? "Last claim reached." : "First claim reached.");
      return;
    }
    const next = items[index];
    const quote = next.querySelector(".claim-quote");
    const status = next.querySelector(".badge");
    const count = document.getElementById("claim-count");
    const total = count ? Number(count.textContent.replace(/\D/g, "")) || items.length : items.length;
    announce(
      `Claim ${index + 1} of ${total}: ${quote ? quote.textContent : ""}` +
        (status ? ` (${status.textContent.trim()})` : ""),
    );
    const mark = document.getElementById(`hl-${next.dataset.claim}`);
    if (mark) mark.focus({ preventScroll: true });
    openClaim(next.dataset.claim);
  }

  // A live update's list item for a claim in the part of the list not loaded yet stays
  // out (it comes with its page); one whose neighbour below has not loaded is the last
  // of those loaded: it goes at the end of the list.
  document.addEventListener("htmx:oobBeforeSwap", (event) => {
    const fragment = event.detail.fragment;
    const item = fragment && fragment.querySelector && fragment.querySelector(".claim-item");
    if (item && notLoadedYet(item)) event.detail.shouldSwap = false;
  });
  document.addEventListener("htmx:oobErrorNoTarget", (event) => {
    const content = event.detail.content;
    const item = content && content.querySelector && content.querySelector(".claim-item");
    if (!item || !moreClaims() || notLoadedYet(item)) return;
    document.getElementById(`claim-item-${item.dataset.claim}`)?.remove();
    document.getElementById("claim-items").append(item);
    window.htmx.process(item);
  });
  // A page of the list: its items are not new claims (no flash), and a keyboard user who
  // asked for it lands on the first of them.
  let morePage = null;
  document.addEventListener("htmx:beforeSwap", (event) => {
    if (!event.detail.target || event.detail.target.id !== "claim-items") return;
    const more = moreClaims();
    const list = event.detail.target;
    // Two loads of one page (it came into view as j asked for it): the second stays out.
    const path = (event.detail.requestConfig && event.detail.requestConfig.path) || "";
    if (!more || !path.endsWith(`after=${more.dataset.after}`)) {
      event.detail.shouldSwap = false;
      return;
    }
    morePage = { last: list.lastElementChild, focus: Boolean(more && more.contains(document.activeElement)) };
  });
  document.addEventListener("htmx:afterSwap", (event) => {
    if (!morePage || !event.detail.target || event.detail.target.id !== "claim-items") return;
    const list = event.detail.target;
    const first = morePage.last ? morePage.last.nextElementSibling : list.firstElementChild;
    knownClaims = new Set(Array.from(list.querySelectorAll("[data-claim]")).map((li) => li.dataset.claim));
    if (morePage.focus && first) {
      const link = first.querySelector("a");
      if (link) link.focus();
    }
    morePage = null;
  });

  // The open claim's pieces (an overlapping claim's shared part too) are marked active.
  function markActive() {
    const panel = document.querySelector("#claim-panel [data-claim]");
    document.querySelectorAll("#version-text mark.is-active").forEach((m) => m.classList.remove("is-active"));
    if (!panel) return null;
    const marks = document.querySelectorAll(`#version-text mark[data-claims~="${panel.dataset.claim}"]`);
    marks.forEach((m) => m.classList.add("is-active"));
    return marks.length ? marks[0] : null;
  }

  let focusSavedVerdict = false;

  // Scroll the panel that holds el (the sticky side column, or the phone's sheet) so el
  // shows a third of the way down; the text the reader is on stays where it is.
  function reveal(el) {
    for (let box = el.parentElement; box && box !== document.body; box = box.parentElement) {
      if (/(auto|scroll)/.test(getComputedStyle(box).overflowY) && box.scrollHeight > box.clientHeight) {
        const offset = el.getBoundingClientRect().top - box.getBoundingClientRect().top;
        box.scrollTop += offset - box.clientHeight / 3;
        return;
      }
    }
    el.scrollIntoView({ block: "center" });
  }

  // A long version shows windows of its text (data-blocks-url, articles/reading.py), more
  // loading as the reader scrolls. A claim, sentence or block not in them is fetched with
  // the window that holds it, which replaces the windows shown; then it is scrolled to.
  let jumpTarget = null;
  function jump(query, target) {
    const el = textEl();
    if (!el || !el.dataset.blocksUrl || jumpTarget) return false;
    jumpTarget = target;
    window.htmx
      .ajax("GET", `${el.dataset.blocksUrl}?${query}`, { target: "#version-text", swap: "innerHTML" })
      .catch(() => (jumpTarget = null));
    return true;
  }
  // #s12 (a sentence), #b3 (a block), #hl-40 (a claim's highlight) -> the window's query.
  function jumpToHash(hash) {
    const m = /^#(s|b|hl-)(\d+)$/.exec(hash || "");
    if (!m || document.getElementById(hash.slice(1))) return false;
    const key = { s: "sentence", b: "from", "hl-": "claim" }[m[1]];
    return jump(`${key}=${m[2]}`, () => document.getElementById(hash.slice(1)));
  }
  document.addEventListener("click", (event) => {
    const link = event.target.closest && event.target.closest('a[href^="#"]');
    if (link && jumpToHash(link.getAttribute("href"))) {
      event.preventDefault();
      history.pushState(null, "", link.getAttribute("href"));
    }
  });
  document.addEventListener("DOMContentLoaded", () => jumpToHash(window.location.hash));
  // Text loaded above what the reader sees must not move it: browsers keep the view still
  // (scroll anchoring) except at the very top of the page, so the view is put back here.
  let anchor = null;
  document.addEventListener("htmx:beforeSwap", (event) => {
    const target = event.detail.target;
    const next = target.classList && target.classList.contains("more--earlier") && target.nextElementSibling;
    anchor = next ? { el: next, top: next.getBoundingClientRect().top } : null;
  });
  document.addEventListener("htmx:afterSwap", () => {
    if (!anchor) return;
    const moved = anchor.el.getBoundingClientRect().top - anchor.top;
    if (Math.abs(moved) > 1) window.scrollBy(0, moved);
    anchor = null;
  });
  document.addEventListener("htmx:responseError", (event) => {
    if (event.detail.target && event.detail.target.id === "version-text") jumpTarget = null;
  });

  document.addEventListener("htmx:afterSettle", (event) => {
    const region = event.target;
    const first = markActive();
    if (region.id === "version-text" && jumpTarget) {
      const target = jumpTarget();
      if (target) target.scrollIntoView({ block: "center" });
      jumpTarget = null;
    }
    const open = document.querySelector("#claim-panel [data-claim]");
    if (region.id === "claim-panel" && open && !first) {
      const id = open.dataset.claim;
      jump(`claim=${id}`, markActive);
    }
    if (region.id === "claim-panel") {
      // The highlight stays in view above the panel (a bottom sheet on phones).
      if (first) first.scrollIntoView({ block: "nearest" });
      const created = region.querySelector(".claim-panel[data-created]");
      if (created && first) {
        // A new claim: the text was swapped under the reader; focus goes back to it.
        first.focus({ preventScroll: true });
      } else if (pendingPanelFocus) {
        const heading = region.querySelector("h2");
        if (heading) heading.focus({ preventScroll: true });
        region.scrollIntoView({ block: "nearest" });
      }
      pendingPanelFocus = false;
    }
    // After a save, show the saved verdict, not the empty source form below it. The save's
    // answer brings the verdicts too (out of band, swapped before the form); should they
    // come later, they are shown when they do.
    if (region.id === "my-verdict" && region.querySelector(".notice")) {
      focusSavedVerdict = !showSavedVerdict(document.getElementById("verdicts"));
    }
    if (region.id === "verdicts" && focusSavedVerdict) {
      focusSavedVerdict = !showSavedVerdict(region);
    }
    markNewClaims();
  });

  let pendingPanelFocus = false;

  function showSavedVerdict(verdicts) {
    const mine = document.getElementById("my-verdict");
    const card = verdicts && mine && verdicts.querySelector(`[data-reviewer="${mine.dataset.reviewer}"]`);
    if (!card) return false;
    card.classList.add("is-new");
    card.focus({ preventScroll: true });
    reveal(card);
    return true;
  }

  // "Mark a claim by quoting it": an accepted quote leaves the box empty for the next one.
  document.addEventListener("htmx:afterRequest", (event) => {
    const form = event.detail.elt;
    if (form.id === "quote-form" && event.detail.successful) form.reset();
  });

  // The phone sheet's Close (a link to the plain reading view without JavaScript).
  document.addEventListener("click", (event) => {
    const close = event.target.closest && event.target.closest("[data-close-panel]");
    if (!close) return;
    event.preventDefault();
    const panel = document.querySelector("#claim-panel [data-claim]");
    const mark = panel && document.getElementById(`hl-${panel.dataset.claim}`);
    const template = document.getElementById("panel-empty");
    document.getElementById("claim-panel").replaceChildren(template.content.cloneNode(true));
    markActive();
    if (mark) mark.focus();
  });

  // A link to the quote form opens it and puts the caret in the box.
  document.addEventListener("click", (event) => {
    const link = event.target.closest && event.target.closest('a[href="#quote-claim"]');
    if (!link) return;
    event.preventDefault();
    const box = document.getElementById("quote-claim");
    box.closest("details").open = true;
    box.focus();
  });

  // /versions/N/?claim=M opens with claim M: bring it into view.
  document.addEventListener("DOMContentLoaded", () => {
    const first = markActive();
    if (first && !window.location.hash) first.scrollIntoView({ block: "center" });
  });

  // Live updates: never swap the text under a reader's selection or open popover.
  function busyReading() {
    const form = claimForm();
    return (form && !form.hidden) || currentSelection() !== null;
  }
  document.addEventListener("htmx:beforeRequest", (event) => {
    if (event.detail.elt.id !== "live") return;
    if (busyReading()) event.preventDefault();
  });
  // The same for an update pushed by the event stream (live.js): it waits for the poll.
  document.addEventListener("live-push", (event) => {
    if (busyReading()) event.preventDefault();
  });

  // A live update puts each changed claim's list item back where it belongs: the old
  // item goes first (the event comes before the swap), if this page has it.
  document.addEventListener("live-removed", (event) => {
    (event.detail.ids || []).forEach((id) => {
      const item = document.getElementById(`claim-item-${id}`);
      if (item) item.remove();
    });
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
