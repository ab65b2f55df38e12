// Push: the reading view's event stream (articles/live_push.py). Each event is the update
// a poll would answer, from the revision the page shows to a newer one; the page swaps it
// in as htmx swaps a poll's answer, and the open claim's verdicts and notes when the update
// carries them (otherwise they refetch). If the page is behind that revision (it has just
// opened, its stream dropped, the reader was selecting words), it polls at once instead,
// from its own revision. The regular poll goes on beside the stream, slower (presence,
// fallback); it says how long ago the stream's last event came, so that the server leaves
// changes the stream is bringing to it (articles/live.py, left_to_push).
(function () {
  "use strict";

  const config = document.getElementById("live-events");
  if (!config || !window.EventSource || !window.htmx) return;

  function live() {
    return document.getElementById("live");
  }
  function shownRevision() {
    const element = live();
    return element ? Number(element.dataset.revision) : NaN;
  }
  let nudged = false; // the stream asked for this poll: it cannot bring what is missing
  function pollNow() {
    if (!live()) return;
    nudged = true;
    htmx.trigger(live(), "live-nudge");
  }

  // The suggestion list depends on every claim of the version. A pushed update where claims
  // were marked, moved or deleted (or a suggestion dismissed, a link corrected, a version
  // added) carries the list as it is now and its fingerprint: the
  // page swaps it in if the list it shows differs, keeping the keyboard's place in it.
  // Without the list (an older server), the page reloads it on "claims-changed", at most
  // once every 3 s, the last change included, and only if its fingerprint differs.
  const REFRESH_MS = 3000;
  let lastRefresh = 0;
  let refreshTimer = null;
  let suggestionsNow = null;
  function showingSuggestions(fingerprint) {
    const shown = document.getElementById("suggestions-fp");
    return fingerprint !== null && shown && shown.value === fingerprint;
  }
  function swapSuggestions(html) {
    const list = document.getElementById("suggestion-list");
    // A form of the list on its way (mark, dismiss) brings the list in its own answer,
    // which would find its fragments' places gone if the list were replaced under it.
    if (!list || list.querySelector(".htmx-request")) return;
    const items = () => Array.from(document.querySelectorAll("#suggestion-list .suggestion"));
    const active = document.activeElement;
    const focused = active && active.closest ? active.closest("#suggestion-list .suggestion") : null;
    const place = focused ? items().indexOf(focused) : -1;
    htmx.swap(list, html, { swapStyle: "outerHTML" });
    if (place >= 0) {
      const now = items();
      const next = now[Math.min(place, now.length - 1)];
      if (next) next.focus({ preventScroll: true });
    }
  }
  function claimsChanged(message) {
    const fingerprint = typeof message.suggestions === "string" ? message.suggestions : null;
    if (fingerprint !== null && typeof message.suggestion_list === "string") {
      if (!showingSuggestions(fingerprint)) swapSuggestions(message.suggestion_list);
      return;
    }
    suggestionsNow = fingerprint;
    if (refreshTimer) return;
    const wait = Math.max(0, lastRefresh + REFRESH_MS - Date.now());
    refreshTimer = setTimeout(() => {
      refreshTimer = null;
      if (suggestionsNow && showingSuggestions(suggestionsNow)) return;
      lastRefresh = Date.now();
      htmx.trigger(document.body, "claims-changed");
    }, wait);
  }

  // The claim revision a region shows, from its refetch URL ("...?rev=N").
  const REV = /[?&]rev=(\d+)/;
  function regionRevision(text) {
    const match = REV.exec(text || "");
    return match ? Number(match[1]) : -1;
  }
  function swapRegions(regions) {
    for (const [id, html] of [["verdicts", regions.verdicts], ["note-list", regions.notes]]) {
      const region = document.getElementById(id);
      if (!region || typeof html !== "string") continue;
      // Never replace what the page shows with an older state (its own save's answer may
      // have come before this update).
      if (regionRevision(html) < regionRevision(region.getAttribute("data-hx-get"))) continue;
      htmx.swap(region, html, { swapStyle: "outerHTML" });
    }
  }

  function apply(message) {
    const shown = shownRevision();
    if (!(message.revision > shown)) return;
    // An update from an earlier revision than the page shows redraws a little more than
    // needed, harmlessly (every piece is redrawn whole); one from a later one would miss
    // changes in between: the poll fetches them.
    if (!(message.since <= shown) || typeof message.html !== "string") return pollNow();
    if (!document.dispatchEvent(new CustomEvent("live-push", { cancelable: true }))) return;
    if (message.removed.length) htmx.trigger(document.body, "live-removed", { ids: message.removed });
    // A poll on its way answers for the element this replaces: its answer, which would
    // find no page to land in, is dropped (the next poll asks from the new revision).
    const replaced = live();
    if (replaced.classList.contains("htmx-request")) {
      replaced.addEventListener("htmx:beforeSwap", (event) => {
        event.detail.shouldSwap = false;
      });
    }
    htmx.swap(replaced, message.html, { swapStyle: "outerHTML" });
    const panel = document.querySelector("#claim-panel [data-claim]");
    if (panel && (message.too_many || message.changed.includes(Number(panel.dataset.claim)))) {
      // The update carries the open claim's verdicts and notes when it can: swap them in;
      // otherwise (too many changes, the claim deleted) they ask for themselves.
      const regions = message.panels && message.panels[panel.dataset.claim];
      if (regions) swapRegions(regions);
      else htmx.trigger(document.body, "claim-changed");
    }
    // Only when this version's claims were marked, moved or deleted, or what its
    // suggestions are built on changed (a dismissal, a corrected link, a new version).
    if (message.refresh) claimsChanged(message);
  }

  const source = new EventSource(config.dataset.url);
  // While the stream is open it brings every change: the regular poll is then only the
  // page saying it is still here and asking who else is (presence), every pollMs (15 s)
  // rather than every few seconds. A poll the stream asks for (live-nudge) always goes.
  const STREAM_POLL_MS = Number(config.dataset.pollMs ?? 15000); // 0: every beat
  let lastPoll = 0;
  document.addEventListener("htmx:confirm", (event) => {
    if (!event.detail.elt || event.detail.elt.id !== "live") return;
    const beat = !event.detail.triggeringEvent; // htmx's "every": no event
    if (beat && source.readyState === EventSource.OPEN && Date.now() - lastPoll < STREAM_POLL_MS) {
      event.preventDefault();
      return;
    }
    lastPoll = Date.now();
  });
  // The poll says when the stream is open, and how long ago its last event came: the
  // server may then leave changes committed a moment ago to the stream rather than render
  // them for the poll too. Not a poll the stream asked for.
  let lastEvent = 0;
  document.addEventListener("htmx:configRequest", (event) => {
    if (!event.detail.elt || event.detail.elt.id !== "live") return;
    if (!nudged && source.readyState === EventSource.OPEN) {
      event.detail.parameters.stream = String(Math.min(Date.now() - lastEvent, 999999999));
    }
    nudged = false;
  });
  source.addEventListener("message", (event) => {
    lastEvent = Date.now();
    let message;
    try {
      message = JSON.parse(event.data);
    } catch (e) {
      return;
    }
    apply(message);
  });
  window.addEventListener("pagehide", () => source.close());
})();
