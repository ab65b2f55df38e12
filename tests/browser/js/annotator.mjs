// Apache Annotator's DOM matchers, bundled by esbuild into one script that the browser tests
// inject into real pages (tests/browser/test_anchoring.py). Not served by the app.
import {
  createCssSelectorMatcher,
  createTextPositionSelectorMatcher,
  createTextQuoteSelectorMatcher,
} from "@apache-annotator/dom";
import { makeRefinable } from "@apache-annotator/selector";

const createMatcher = makeRefinable((selector) => {
  switch (selector.type) {
    case "TextQuoteSelector":
      return createTextQuoteSelectorMatcher(selector);
    case "TextPositionSelector":
      return createTextPositionSelectorMatcher(selector);
    case "CssSelector":
      return createCssSelectorMatcher(selector);
    default:
      throw new Error(`no matcher for ${selector.type}`);
  }
});

function codePoints(s) {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

// Code point offset of a boundary point from the start of element's text; null if the
// point lies outside the element.
function offsetIn(element, node, offset) {
  const whole = document.createRange();
  whole.selectNodeContents(element);
  if (whole.comparePoint(node, offset) !== 0) return null;
  const r = document.createRange();
  r.setStart(element, 0);
  r.setEnd(node, offset);
  return codePoints(r.toString());
}

// Every match of a selector in scope (a CSS selector; "body" for the whole page), each as
// {text, start, end}: start/end are code point offsets into the text of the element that
// `within` names, null where the match lies outside it.
async function anchor(selector, scope, within) {
  const scopeNode = document.querySelector(scope);
  const withinEl = document.querySelector(within);
  const found = [];
  for await (const match of createMatcher(selector)(scopeNode)) {
    let range = match;
    if (!(match instanceof Range)) {
      range = document.createRange();
      range.selectNodeContents(match);
    }
    found.push({
      text: range.toString(),
      start: withinEl ? offsetIn(withinEl, range.startContainer, range.startOffset) : null,
      end: withinEl ? offsetIn(withinEl, range.endContainer, range.endOffset) : null,
    });
  }
  return found;
}

window.apacheAnnotator = { anchor, createMatcher };
