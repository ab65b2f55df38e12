"""Split a version's text into blocks (headings, bylines, captions, paragraphs) and sentences.

Pure functions: ``str`` in, frozen dataclasses with half-open code point offsets out.
Paragraphs are found first (blank lines, stand-alone short lines), then each paragraph
is split into sentences by rules: every run of sentence-ending punctuation is a candidate,
and the words either side decide (abbreviations, initials, times, quotations, ellipses,
list items). No model and no tokenizer: a regular expression finds the candidates and
Python runs once per candidate, not per token, so it outpaces spaCy's sentencizer (see
bench/segment.py; it passes 48 of pySBD's 48 English Golden Rules, the sentencizer 25).
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass

HEADING = "heading"
BYLINE = "byline"
DATELINE = "dateline"
CAPTION = "caption"
PARAGRAPH = "paragraph"
BLOCK_KINDS = (HEADING, BYLINE, DATELINE, CAPTION, PARAGRAPH)

# Stored on each Version. Change it whenever the rules change, so that
# `manage.py resegment` can tell which versions were split by older rules.
BACKEND = "rules v2 (punctuation candidates; abbreviation, quote, list rules)"

# A line of a hard-wrapped paragraph is at least this long; shorter lines stand alone.
WRAPPED_LINE_MIN = 50
HEADING_MAX_CHARS = 150
HEADING_MAX_WORDS = 16
BYLINE_MAX_WORDS = 8

_TERMINAL = re.compile(r"[.!?…‼‽⁇⁈⁉。！？｡][\"'”’)\]」』）]*\s*$")
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
    blocks = []
    for start, end, kind in raw:
        if kind == PARAGRAPH:
            found = split_sentences(text[start:end])
            spans = tuple(Span(start + s, start + e) for s, e in found)
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
    if not short or _TERMINAL.search(block) or is_list(block):
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


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Return the sentences of one paragraph as ``(start, end)`` offsets into it, trimmed.

    Every punctuation run that could end a sentence (``.``, ``!``, ``?``, ellipses, with
    closing quotes and brackets) is a candidate; rules on the words either side decide.
    List items (``1.)``, ``a.``, ``•``) at the start of the paragraph start sentences.
    """
    boundaries, markers = _list_boundaries(text)
    quotes = [m.start() for m in _QUOTES.finditer(text)] if _QUOTES.search(text) else []
    items = sorted(boundaries)
    marker_starts = [start for start, _ in markers]  # found in reading order
    sentence_start = 0
    for m in _CANDIDATE.finditer(text):
        a, b = m.span()
        if markers:
            inside = bisect_left(marker_starts, a + 1) - 1
            if inside >= 0 and a < markers[inside][1]:
                continue
            item = bisect_left(items, a)
            sentence_start = max(sentence_start, items[item - 1] if item else 0)
        cut = _boundary(text, a, b, sentence_start)
        if cut is None:
            continue
        following = _NEXT_START.match(text, cut).end()
        if following >= len(text) or (quotes and _inside(quotes, following)):
            continue
        boundaries.append(cut)
        sentence_start = following
    boundaries.sort()
    spans: list[tuple[int, int]] = []
    previous = 0
    for cut in [*boundaries, len(text)]:
        start, end = _trim(text, previous, cut)
        previous = max(previous, cut)
        if start >= end:
            continue
        if spans and not _ALNUM.search(text, start, end):
            # A stray closing quote or bullet on its own belongs with the sentence before.
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((start, end))
    return spans


# A run of sentence-ending punctuation (spaced ellipsis dots included), closing quotes
# and brackets, followed by white space or the end of the paragraph.
# Full stops of Chinese and Japanese need no space after them.
_CANDIDATE = re.compile(
    r"[.!?…‼‽⁇⁈⁉](?:[.!?…‼‽⁇⁈⁉]|\s\.(?=[\s\"'”’)\]»]|$))*[\"'”’)\]»]*(?=\s|$)"
    r"|[。！？｡]+[」』”’)）]*"
)
_CLOSERS = "\"'”’)]»」』）"
_STRONG = frozenset("!?‼‽⁇⁈⁉。！？｡")
_NEXT_START = re.compile(r"\s*")
_NEXT_WORD = re.compile(r"\s*([\"'“‘”’(\[«]*)(\w*)")
_WORD_BEFORE = re.compile(r"\S+$")
_OPENERS = re.compile(r"^[\"'“‘(\[«]+")
_DOTTED = re.compile(r"^(?:[A-Za-z]{1,2}\.)+[A-Za-z]{1,2}$")
_MARKER_WORD = re.compile(r"^[•⁃‣◦▪●■]?(?:\d{1,3}|[A-Za-z]|[ivx]{1,4})$")
_BULLETS = "•⁃‣◦▪●■"
_BULLET = re.compile(r"(?<!\S)[•⁃‣◦▪●■]")
_LIST_START = re.compile(r"([•⁃‣◦▪●■]\s*)?(\d{1,3}|[A-Za-z])(\.\)|\)|\.)(?=\s)")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Abbreviations after which a name follows: never the end of a sentence.
_TITLES = _words(
    "mr mrs ms mx dr prof sen rep gov gen lt col maj capt cmdr sgt cpl adm rev hon pres"
    " supt insp fr rt messrs mme mmes mlle"
)
# Abbreviations that may end a sentence: a sentence ends after one only if the next word
# is a common sentence opener ("... and Co. They ...", but "Co. Ltd", "Mt. Fuji").
_ABBREVIATIONS = _words(
    "co corp inc ltd plc llc bros jr sr st mt ft ave rd blvd hwy etc vs al approx dept est"
    " govt misc cf ca viz assn univ intl natl mfg"
)
_MONTHS = _words("Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec")
_CAPITALISED_ABBREVIATIONS = _MONTHS | _words(
    "Mon Tue Tues Wed Thu Thur Thurs Fri Sat Sun"
    # US states as news agencies abbreviate them ("Sacramento, Calif.")
    " Ala Ariz Ark Calif Colo Conn Del Fla Ga Ill Ind Kan Kans Ky La Mass Md Mich Minn Miss Mo"
    " Mont Neb Nebr Nev Okla Ore Pa Tenn Va Wash Wis Wyo"
)
# Abbreviations before a number: "No. 5", "p. 55", "N°. 1026".
_NUMBER_ABBREVIATIONS = _words(
    "no nos nr n° p pp vol vols fig figs art ch chap sec para op ed eds tel ext"
)
_TIME = re.compile(r"^\d{0,2}[ap]\.m$", re.IGNORECASE)  # "a.m", "P.M", "5a.m"
# "the U.S. Government" goes on; "the U.S. DeepSeek's ..." starts a new sentence.
_COUNTRIES = frozenset(["U.S", "U.K", "E.U", "U.N", "U.S.A", "U.A.E", "D.C"])
_COUNTRY_NOUNS = _words(
    "Government Administration Army Navy Air Marine Marines Coast Armed Forces Military"
    " Congress Senate House Capitol Parliament Assembly Security General Council President"
    " Vice Prime Minister Ministry Secretary Department Dept Home Foreign Embassy Consulate"
    " Ambassador Envoy Delegation Treasury Federal Fed Supreme High Court State Attorney"
    " Commerce Defense Defence Justice Trade Customs Border Census Postal Patent Bureau"
    " Agency Office Commission Mission Charter Representative Senator Congressman"
    " Congresswoman Rep Sen Gen Adm Special Secret Central National Royal Crown Dollar"
    " Dollars Pound Open Olympic Team Chamber Geological Energy Health Environmental"
    " Homeland Immigration Securities Food Intelligence Citizenship Constitution Highway"
    " Route Interstate Marshals Mint Space Human Refugee Peacekeeping Climate Institute"
    " Center Centre Chief Bank Environment Agriculture Labor Education Interior Transportation"
    " Veterans Housing Development Programme Program Republican Republicans Democrat Democrats Democratic Labour"
    " Conservative Conservatives"
)
_STARTERS = _words(
    "A An The This That These Those There Here It Its He She They We I You His Her Their"
    " Our My Your But And Or So Yet However Meanwhile Instead Still Also Then Now Today"
    " Yesterday Tomorrow In On At For By With After Before When While Where What Who Why"
    " How Which If As Although Though Because Since Some Many Most Several Such One No Not"
    " Nor Each Every All Both Being Did Do Does Is Are Was Were Has Have Had Can Could Will"
    " Would Should May Might Must More Millions Thousands Hundreds Last Next Other Another"
    " According Despite During Even Only Once Until Unlike Please Let"
)
# "At 5 a.m. Mr. Smith went": a time this near the sentence start opens it, not ends it.
_FRONTED_TIME_WORDS = 3
# "at 3 p.m. Monday", "at 10 a.m. EST": words that go on after a time.
_AFTER_TIME = (
    _words(
        "Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April"
        " May June July August September October November December EST EDT CST CDT MST MDT PST"
        " PDT GMT UTC BST CET CEST ET PT CT MT HKT JST IST SGT AEST AEDT"
    )
    | _CAPITALISED_ABBREVIATIONS
)


def _boundary(text: str, a: int, b: int, sentence_start: int) -> int | None:
    """Where the sentence ends for the candidate ``text[a:b]``, or None if it goes on."""
    word = _NEXT_WORD.match(text, b)
    openers, following = word.group(1), word.group(2)
    if following[:1].islower():
        return None
    core = text[a:b].rstrip(_CLOSERS)
    if not _STRONG.isdisjoint(core):
        return b
    dots = core.count(".") + 3 * core.count("…")
    if dots >= 4:
        # "compounds. . . . The": the attached full stop ends it, the ellipsis opens the next.
        attached = a > 0 and not text[a - 1].isspace()
        return a + 1 if attached and core[1:2].isspace() else b
    if dots > 1:
        # An ellipsis: spaced (". . .") or an omission ("[...]") never ends a sentence.
        if " " in core or (a > 0 and text[a - 1] == "["):
            return None
        return b
    ends = _ends_after_word(text, a, sentence_start, openers, following, word.end())
    return b if ends else None


def _ends_after_word(
    text: str, a: int, sentence_start: int, openers: str, following: str, after: int
) -> bool:
    """True if the full stop at ``a`` ends the sentence, judged by the words around it.

    ``following`` is the next word (``openers`` the quotes or brackets before it), ending
    at ``after``.
    """
    found = _WORD_BEFORE.search(text, max(sentence_start, a - 40), a)
    if found is None:
        return True
    word = _OPENERS.sub("", found.group())
    if found.start() == sentence_start and _MARKER_WORD.match(word):
        return False  # "2. The second item": a list marker, not a sentence
    lower = word.lower()
    if lower in _TITLES:
        return False
    abbreviation = (
        lower in _ABBREVIATIONS
        or word in _CAPITALISED_ABBREVIATIONS
        or len(word) == 1
        or _DOTTED.match(word) is not None
        or _TIME.match(word) is not None
    )
    if following[:1].isdigit():
        return not (abbreviation or lower in _NUMBER_ABBREVIATIONS)
    if not abbreviation:
        return True
    if openers:
        return True  # an abbreviation, then a new quotation
    if word in _COUNTRIES:
        if following in _STARTERS or following in _COUNTRY_NOUNS:
            return following in _STARTERS
        # "the U.N. Environment Programme": a name of several capitalised words goes on.
        return not _NEXT_WORD.match(text, after).group(2)[:1].isupper()
    if word in _MONTHS:
        return following not in _CAPITALISED_ABBREVIATIONS  # "in Oct. Economists said"
    if _TIME.match(word) and following[:1].isupper():
        if following in _AFTER_TIME:
            return False
        return len(text[sentence_start : found.start()].split()) > _FRONTED_TIME_WORDS - 1
    return following in _STARTERS


def _list_boundaries(text: str) -> tuple[list[int], list[tuple[int, int]]]:
    """Starts of list items and the spans of their markers, for a paragraph that is a list.

    A paragraph is a list if it starts with a bullet or an item marker ("1.", "1)", "1.)",
    "a.") and the marker's successors ("2.", "b.") follow; any bullet after white space
    starts an item.
    """
    starts: list[int] = []
    markers: list[tuple[int, int]] = []
    first = _LIST_START.match(text)
    # Lettered lists start at "a."; "J. Smith and K. Jones" are initials.
    if first and (first.group(2).isdigit() or first.group(2) == "a"):
        markers.append(first.span())
        label, style = first.group(2), first.group(3)
        position = first.end()
        while True:
            label = str(int(label) + 1) if label.isdigit() else chr(ord(label) + 1)
            item = re.compile(rf"(?<!\S)(?:[{_BULLETS}]\s*)?{re.escape(label + style)}(?=\s)")
            found = item.search(text, position)
            if found is None:
                break
            starts.append(found.start())
            markers.append(found.span())
            position = found.end()
    if text[:1] in _BULLETS or starts:
        starts.extend(m.start() for m in _BULLET.finditer(text, 1))
    return starts, markers


def is_list(text: str) -> bool:
    """True if the block is a run-in list ("1) The first 2) The second"), not a heading."""
    starts, _ = _list_boundaries(text)
    return bool(starts)


def _inside(quotes: list[int], position: int) -> bool:
    """True if an odd number of double quotes precede position and one follows it."""
    before = bisect_left(quotes, position)
    return before % 2 == 1 and before < len(quotes)


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
