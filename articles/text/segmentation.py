"""Split a version's text into blocks (headings, bylines, captions, paragraphs) and sentences.

Pure functions: ``str`` in, frozen dataclasses with half-open code point offsets out.
Paragraphs are found first (blank lines, stand-alone short lines), then each paragraph
is split into sentences by spaCy's rule-based sentencizer on ``spacy.blank("en")``,
which needs no statistical model (see shared/NLP.md for why and what it gets wrong).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

HEADING = "heading"
BYLINE = "byline"
DATELINE = "dateline"
CAPTION = "caption"
PARAGRAPH = "paragraph"
BLOCK_KINDS = (HEADING, BYLINE, DATELINE, CAPTION, PARAGRAPH)

BACKEND = "spaCy blank('en') + sentencizer"

# A line of a hard-wrapped paragraph is at least this long; shorter lines stand alone.
WRAPPED_LINE_MIN = 50
HEADING_MAX_CHARS = 150
HEADING_MAX_WORDS = 16
BYLINE_MAX_WORDS = 8

_TERMINAL = re.compile(r"[.!?…][\"'”’)\]]*\s*$")
_LIST_MARKER = re.compile(r"^(?:\d{1,3}|[ivxIVX]{1,4}|[a-zA-Z])[.)]$")
_MARKER_PREFIX = re.compile(r"^(?:\d{1,3}|[ivxIVX]{1,4}|[a-zA-Z])[.)]\s*\n\s*")
# "Reporting fromSingapore": pages pasted from the web often lose the space.
_DATELINE = re.compile(r"^(?:Reporting from|Reported from|Published\b|Updated\b|Filed\b)")
_QUOTES = re.compile(r"[“”\"«»„]")
_CAPTION_PREFIX = re.compile(
    r"^(?:Image caption|Image source|Photo(?:graph)?:|Picture:|Image:|Caption:)", re.I
)
_NAME_CONNECTORS = {
    "and",
    "&",
    "de",
    "da",
    "do",
    "dos",
    "van",
    "von",
    "der",
    "del",
    "la",
    "le",
    "bin",
    "al",
    "of",
    "in",
}
_ALNUM = re.compile(r"\w")


@dataclass(frozen=True)
class Span:
    start: int
    end: int


@dataclass(frozen=True)
class Block:
    start: int
    end: int
    kind: str
    sentences: tuple[Span, ...]


def normalize(text: str) -> str:
    """Return text as stored: NFC, ``\\n`` line ends, no byte order mark."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", text)


def segment(text: str) -> list[Block]:
    """Split normalised text into blocks, each with its sentences, in reading order."""
    raw = split_blocks(text)
    paragraph_texts = [text[start:end] for start, end, kind in raw if kind == PARAGRAPH]
    paragraph_sentences = iter(_sentences_of(paragraph_texts))
    blocks = []
    for start, end, kind in raw:
        if kind == PARAGRAPH:
            spans = tuple(Span(start + s, start + e) for s, e in next(paragraph_sentences))
        else:
            spans = (Span(start, end),)
        blocks.append(Block(start, end, kind, spans))
    return blocks


def split_blocks(text: str) -> list[tuple[int, int, str]]:
    """Return ``(start, end, kind)`` for each block, trimmed of surrounding whitespace."""
    spans = _merge_list_markers(text, list(_block_spans(text)))
    blocks: list[tuple[int, int, str]] = []
    seen_paragraph = False
    for index, (start, end) in enumerate(spans):
        body = _MARKER_PREFIX.sub("", text[start:end], count=1)
        kind = _classify(body, index=index, before_body=not seen_paragraph)
        seen_paragraph = seen_paragraph or kind == PARAGRAPH
        blocks.append((start, end, kind))
    return blocks


def _lines(text: str) -> Iterator[tuple[int, int]]:
    """Yield each line's span, trimmed; blank lines as empty spans."""
    pos = 0
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped:
            lead = len(line) - len(line.lstrip())
            yield pos + lead, pos + lead + len(stripped)
        else:
            yield pos, pos
        pos += len(line) + 1


def _block_spans(text: str) -> Iterator[tuple[int, int]]:
    chunk: list[tuple[int, int]] = []
    for start, end in _lines(text):
        if start == end:
            yield from _split_chunk(chunk)
            chunk = []
        else:
            chunk.append((start, end))
    yield from _split_chunk(chunk)


def _split_chunk(lines: list[tuple[int, int]]) -> Iterator[tuple[int, int]]:
    """A run of non-blank lines: one hard-wrapped paragraph, or a block per line."""
    if not lines:
        return
    wrapped = all(end - start >= WRAPPED_LINE_MIN for start, end in lines[:-1])
    if wrapped:
        yield lines[0][0], lines[-1][1]
    else:
        yield from lines


def _merge_list_markers(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Join a bare list marker ("1.") to the block it numbers."""
    merged: list[tuple[int, int]] = []
    pending: int | None = None
    for start, end in spans:
        if _LIST_MARKER.match(text[start:end]):
            if pending is None:
                pending = start
            continue
        merged.append((pending if pending is not None else start, end))
        pending = None
    if pending is not None:
        merged.append((pending, spans[-1][1]))
    return merged


def _classify(block: str, *, index: int, before_body: bool) -> str:
    if "\n" in block.strip():
        return PARAGRAPH
    if _DATELINE.match(block):
        return DATELINE
    if _is_caption(block):
        return CAPTION
    words = block.split()
    short = len(block) <= HEADING_MAX_CHARS and len(words) <= HEADING_MAX_WORDS
    if not short or _TERMINAL.search(block):
        return PARAGRAPH
    if block.startswith(("By ", "By:")) or (
        index > 0 and before_body and _looks_like_byline(block, words)
    ):
        return BYLINE
    return HEADING


def _is_caption(block: str) -> bool:
    """Photo captions: "Credit Description...Credit" (credit repeated) or a caption label."""
    if _CAPTION_PREFIX.match(block):
        return True
    words = block.split()
    for k in (1, 2, 3):
        if len(words) <= 2 * k:
            break
        credit = " ".join(words[:k])
        if credit[:1].isupper() and block.endswith(credit) and len(credit) >= 2:
            return True
    return False


def _looks_like_byline(block: str, words: list[str]) -> bool:
    if block.startswith(("By ", "By:")):
        return True
    if len(words) > BYLINE_MAX_WORDS or any(ch.isdigit() or ch == ":" for ch in block):
        return False
    return all(w[:1].isupper() or w.lower().strip(",") in _NAME_CONNECTORS for w in words)


@lru_cache(maxsize=1)
def _nlp():
    import spacy  # imported lazily: loading spaCy costs about a second

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return nlp


def _sentences_of(paragraphs: list[str]) -> Iterator[list[tuple[int, int]]]:
    """Yield, per paragraph, its sentences as ``(start, end)`` relative to the paragraph."""
    for doc in _nlp().pipe(paragraphs, batch_size=256):
        spans = []
        for sent in doc.sents:
            start, end = _trim(doc.text, sent.start_char, sent.end_char)
            if start < end:
                spans.append((start, end))
        yield _repair(doc.text, spans)


def _inside_quote(text: str, position: int) -> bool:
    """True if an odd number of double quotes precede position and one follows it."""
    before = len(_QUOTES.findall(text, 0, position))
    return before % 2 == 1 and _QUOTES.search(text, position) is not None


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _repair(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Undo the sentencizer's false splits that cheap rules can see.

    A "sentence" that starts in lower case (``“Really?” she asked.``), holds no letter or
    digit (a stray ``”``), follows an unclosed quotation that closes later in the
    paragraph, or is only a list marker (``1.``) belongs with its neighbour.
    """
    repaired: list[tuple[int, int]] = []
    for start, end in spans:
        piece = text[start:end]
        if repaired and (
            piece[:1].islower() or not _ALNUM.search(piece) or _inside_quote(text, start)
        ):
            repaired[-1] = (repaired[-1][0], end)
            continue
        if repaired and _LIST_MARKER.match(text[repaired[-1][0] : repaired[-1][1]]):
            repaired[-1] = (repaired[-1][0], end)
            continue
        repaired.append((start, end))
    return repaired
