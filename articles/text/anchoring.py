"""Text anchoring: check a browser selection against the stored text, describe and match
W3C TextQuote/TextPosition selectors, and flatten overlapping spans for highlighting.

Pure functions. Offsets are half-open ``[start, end)`` code point indices into the
version's stored text. Browsers count UTF-16 code units; ``static/js/highlight.js``
converts before sending, and ``utf16_to_codepoint``/``codepoint_to_utf16`` mirror that
conversion for tests and for clients that send UTF-16 offsets.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")

CONTEXT_CHARS = 32
# How far a quote's context grows to tell a version from the story's other versions.
ACROSS_CONTEXT_CHARS = 512
MAX_CLAIM_CHARS = 5000

_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Span:
    start: int
    end: int


@dataclass(frozen=True)
class Quote:
    exact: str
    prefix: str
    suffix: str


class SelectionError(ValueError):
    """The selection cannot become a claim; the message says why, for the user."""


def codepoint_to_utf16(text: str, index: int) -> int:
    """Return the UTF-16 code unit offset of code point ``index`` in text."""
    return index + sum(1 for ch in text[:index] if ord(ch) > 0xFFFF)


def utf16_to_codepoint(text: str, index: int) -> int | None:
    """Return the code point offset of UTF-16 offset ``index``; None if it splits a pair."""
    units = 0
    for i, ch in enumerate(text):
        if units == index:
            return i
        units += 2 if ord(ch) > 0xFFFF else 1
        if units > index:
            return None
    return len(text) if units == index else None


def describe(text: str, span: Span) -> Quote:
    """Return the TextQuoteSelector (exact, prefix, suffix) of a span of text."""
    return Quote(
        exact=text[span.start : span.end],
        prefix=text[max(0, span.start - CONTEXT_CHARS) : span.start],
        suffix=text[span.end : span.end + CONTEXT_CHARS],
    )


def describe_unique(
    text: str,
    span: Span,
    others: Sequence[str] = (),
    context: int = CONTEXT_CHARS,
    across: int = ACROSS_CONTEXT_CHARS,
) -> Quote:
    """Return a TextQuoteSelector for a span whose ``prefix + exact + suffix`` occurs once.

    The context starts at ``context`` code points each side and doubles until the whole
    quote occurs exactly once in ``text`` (overlapping occurrences count, as they do for
    exact matchers such as Apache Annotator's), stopping only at the text's edges. While
    the context is under ``across`` code points it also grows until the quote is in none
    of ``others`` (the story's other versions, shown beside it in the summary); past that
    the versions share the passage (wire copy, an identical re-import) and the quote stays
    unique in ``text`` only, rather than growing to the whole text.
    """
    size = max(context, 1)
    while True:
        quote = Quote(
            exact=text[span.start : span.end],
            prefix=text[max(0, span.start - size) : span.start],
            suffix=text[span.end : span.end + size],
        )
        whole = quote.prefix + quote.exact + quote.suffix
        first = text.find(whole)
        once = text.find(whole, first + 1) == -1
        elsewhere = size < across and any(whole in o for o in others)
        if (once and not elsewhere) or (span.start - size <= 0 and span.end + size >= len(text)):
            return quote
        size *= 2


def _squash(s: str) -> str:
    """Whitespace does not count: the DOM renders block gaps differently from the text."""
    return _SPACE.sub("", s)


def _is_word(ch: str) -> bool:
    return ch.isalnum() or ch in "_'’-"


def snap_to_words(text: str, span: Span) -> Span:
    """Widen a span to whole words, then trim surrounding whitespace."""
    start, end = span.start, span.end
    while 0 < start < len(text) and _is_word(text[start - 1]) and _is_word(text[start]):
        start -= 1
    while 0 < end < len(text) and _is_word(text[end - 1]) and _is_word(text[end]):
        end += 1
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Span(start, end)


def check_selection(text: str, start: object, end: object, exact: str) -> Span:
    """Return the claim span for a browser selection, snapped to whole words.

    ``start``/``end`` are the client's code point offsets and ``exact`` the text it saw
    selected; both are untrusted. Raises SelectionError if the offsets are not integers,
    fall outside the text, are empty, or do not select ``exact``.
    """
    try:
        start, end = int(start), int(end)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        raise SelectionError("The selection's position is missing or not a number.") from None
    if not 0 <= start < end <= len(text):
        raise SelectionError("The selection lies outside the text. Reload and select again.")
    if not _squash(exact or ""):
        raise SelectionError("Select some words first: the selection is empty.")
    if _squash(text[start:end]) != _squash(exact):
        raise SelectionError(
            "The selection does not match the stored text (the page may be out of date). "
            "Reload and select again."
        )
    span = snap_to_words(text, Span(start, end))
    if span.start >= span.end:
        raise SelectionError("Select some words first: the selection is only whitespace.")
    if span.end - span.start > MAX_CLAIM_CHARS:
        raise SelectionError(f"A claim can be at most {MAX_CLAIM_CHARS:,} characters long.")
    return span


def find_unique(text: str, words: str) -> Span:
    """Return the span of words that occur exactly once in text (typed, not selected).

    Raises SelectionError if they are absent or ambiguous.
    """
    words = (words or "").strip()
    if not words:
        raise SelectionError("Type or paste the words of the claim.")
    count = text.count(words)
    if count == 0:
        raise SelectionError("These words are not in the text; paste them exactly as they appear.")
    if count > 1:
        raise SelectionError(
            f"These words occur {count} times in the text; add a few words around them."
        )
    start = text.index(words)
    return Span(start, start + len(words))


def match_quote(
    text: str, exact: str, prefix: str = "", suffix: str = "", hint: int | None = None
) -> Span | None:
    """Find the best place of a TextQuoteSelector in text; None if ``exact`` is absent.

    Among exact occurrences, prefer those whose context matches ``prefix``/``suffix``
    most closely, then the one nearest ``hint`` (a TextPositionSelector start).
    """
    if not exact:
        return None
    best: tuple[tuple[int, int], Span] | None = None
    pos = text.find(exact)
    while pos != -1:
        span = Span(pos, pos + len(exact))
        before = text[max(0, pos - len(prefix)) : pos]
        after = text[span.end : span.end + len(suffix)]
        context = _common_suffix(before, prefix) + _common_prefix(after, suffix)
        distance = abs(pos - hint) if hint is not None else 0
        key = (-context, distance)
        if best is None or key < best[0]:
            best = (key, span)
        pos = text.find(exact, pos + 1)
    return best[1] if best else None


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def _common_suffix(a: str, b: str) -> int:
    return _common_prefix(a[::-1], b[::-1])


@dataclass(frozen=True)
class Piece:
    """A run of text covered by the same set of claims (possibly none)."""

    start: int
    end: int
    keys: tuple = ()


def flatten(start: int, end: int, spans: Iterable[tuple[int, int, object]]) -> list[Piece]:
    """Cut ``[start, end)`` into consecutive pieces, each with the keys of the spans over it.

    ``spans`` are ``(start, end, key)``; they may overlap or nest and may reach outside
    ``[start, end)``. Keys in a piece are ordered by span start, then longer first, so the
    innermost span is last.
    """
    relevant = sorted(
        ((max(s, start), min(e, end), s, e, k) for s, e, k in spans if s < end and e > start),
        key=lambda t: (t[2], -t[3]),
    )
    cuts = sorted({start, end, *(t[0] for t in relevant), *(t[1] for t in relevant)})
    pieces = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        if a >= b:
            continue
        keys = tuple(t[4] for t in relevant if t[0] <= a and t[1] >= b)
        pieces.append(Piece(a, b, keys))
    return pieces


def pieces_by_sentence(
    sentences: Sequence[tuple[int, int]], spans: Sequence[tuple[int, int, object]]
) -> list[list[Piece]]:
    """Flatten spans within each sentence; sentences are ordered and disjoint.

    Runs in O((sentences + spans) log) rather than comparing every pair.
    """
    ordered = sorted(spans, key=lambda t: t[0])
    stream = pieces_streamed(((start, end, None) for start, end in sentences), ordered)
    return [pieces for _, pieces in stream]


def pieces_streamed(
    sentences: Iterable[tuple[int, int, T]], spans: Iterable[tuple[int, int, object]]
) -> Iterator[tuple[T, list[Piece]]]:
    """``pieces_by_sentence`` a sentence at a time, for texts too long to hold their claims.

    ``sentences`` are ``(start, end, item)``, ordered and disjoint; ``spans`` must come
    ordered by start. Both are read lazily: only the spans over the current sentence are
    held. Yields ``(item, pieces)`` per sentence.
    """
    spans = iter(spans)
    pending = next(spans, None)
    active: list[tuple[int, int, object]] = []
    for s_start, s_end, item in sentences:
        while pending is not None and pending[0] < s_end:
            active.append(pending)
            pending = next(spans, None)
        active = [t for t in active if t[1] > s_start]
        yield item, flatten(s_start, s_end, active)


@dataclass(frozen=True)
class QuoteMatch:
    """Where a TextQuoteSelector lands in a text: ``span`` None if absent or ambiguous."""

    span: Span | None
    count: int  # occurrences of the exact words
    context: int  # characters of prefix and suffix that match around the chosen place
    ambiguous: bool  # several places fit equally well and nothing tells them apart


def locate_quote(
    text: str, exact: str, prefix: str = "", suffix: str = "", hint: int | None = None
) -> QuoteMatch:
    """Find a quote like ``match_quote``, but never guess between equal places.

    The place whose surroundings match ``prefix``/``suffix`` best wins; among equals, the
    one nearest ``hint`` (a position); with no hint, or two equally near, the quote is
    ambiguous and ``span`` is None.
    """
    if not exact:
        return QuoteMatch(None, 0, 0, False)
    places: list[tuple[int, int]] = []  # (context, start)
    pos = text.find(exact)
    while pos != -1:
        before = text[max(0, pos - len(prefix)) : pos]
        after = text[pos + len(exact) : pos + len(exact) + len(suffix)]
        places.append((_common_suffix(before, prefix) + _common_prefix(after, suffix), pos))
        pos = text.find(exact, pos + 1)
    if not places:
        return QuoteMatch(None, 0, 0, False)
    best = max(c for c, _ in places)
    tied = [p for c, p in places if c == best]
    if len(tied) > 1:
        if hint is None:
            return QuoteMatch(None, len(places), best, True)
        tied.sort(key=lambda p: abs(p - hint))
        if abs(tied[0] - hint) == abs(tied[1] - hint):
            return QuoteMatch(None, len(places), best, True)
    return QuoteMatch(Span(tied[0], tied[0] + len(exact)), len(places), best, False)
