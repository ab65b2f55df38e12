// Who's here: every live poll of the reading view says which page this is (a random tab
// id) and which claim it has open; the server answers with who else is here when that
// changed. On pagehide the page says goodbye so it disappears at once for the others.
(function () {
  "use strict";

  const tab = (window.crypto && crypto.randomUUID ? crypto.randomUUID() : String(Math.random()).slice(2) + Date.now())
    .replace(/[^0-9a-zA-Z]/g, "")
    .slice(0, 32);

  function region() {
    return document.getElementById("presence");
  }

  document.addEventListener("htmx:configRequest", (event) => {
    if (!event.detail.elt || event.detail.elt.id !== "live") return;
    const presence = region();
    const panel = document.querySelector("#claim-panel [data-claim]");
    event.detail.parameters.tab = tab;
    event.detail.parameters.presence = presence ? presence.dataset.fingerprint || "" : "";
    if (panel) event.detail.parameters.claim = panel.dataset.claim;
  });

  function csrfToken() {
    const raw = document.body.getAttribute("hx-headers") || document.body.getAttribute("data-hx-headers");
    try {
      return JSON.parse(raw)["X-CSRFToken"];
    } catch (e) {
      return "";
    }
  }

  window.addEventListener("pagehide", () => {
    const presence = region();
    if (!presence || !navigator.sendBeacon) return;
    const data = new FormData();
    data.append("tab", tab);
    data.append("csrfmiddlewaretoken", csrfToken());
    navigator.sendBeacon(presence.dataset.leaveUrl, data);
  });

  // Mark the highlights others are looking at.
  function markWatched() {
    document.querySelectorAll("#version-text mark.is-watched").forEach((m) => m.classList.remove("is-watched"));
    document.querySelectorAll("#presence [data-claim]").forEach((person) => {
      document
        .querySelectorAll(`#version-text mark[data-claim="${person.dataset.claim}"]`)
        .forEach((m) => m.classList.add("is-watched"));
    });
  }
  document.addEventListener("htmx:afterSettle", markWatched);
  document.addEventListener("DOMContentLoaded", markWatched);
})();
