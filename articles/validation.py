"""Limits and checks on what users send, shared by the forms and the importers.

The domain functions (``Version.objects.create_from_text``, ``reviewing.verdict_save``,
``reviewing.claim_settle``, ``webannotation.annotations_import``) validate through these
functions, and the forms call the same ones, so a check made for one way in is made for
every way in. Each check returns the cleaned value or raises
``django.core.exceptions.ValidationError`` with a message for the user.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

# Field sizes, matching the model columns where there is one.
MAX_TITLE = 200
MAX_DESCRIPTION = 10_000
MAX_LABEL = 120
MAX_OUTLET = 120
MAX_BYLINE = 200
MAX_URL = 2000
MAX_RATIONALE = 10_000
MAX_NOTE = 10_000
# A note on a claim (its thread), not a report: longer text belongs in a verdict.
MAX_CLAIM_NOTE = 2_000
MAX_TAGS = 20
MAX_TAG = 100
MAX_QUOTE = 5_000
MAX_SOURCE_TITLE = 300
MAX_PUBLISHER = 200
MAX_SOURCES = 20
# spaCy refuses a text over 1,000,000 characters (E088); no real paragraph comes close.
MAX_PARAGRAPH_CHARS = 100_000
# PositiveIntegerField is a 32-bit integer on PostgreSQL; ids are 64-bit.
MAX_INT32 = 2**31 - 1
MAX_ID = 2**63 - 1

STANCES = ("supports", "refutes", "context")

# Bidirectional controls reorder the characters around them: a title "\u202etxt.exe"
# reads "exe.txt". Single-line fields lose them; texts keep them (Arabic and Hebrew
# text uses the marks legitimately).
BIDI_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_BIDI = re.compile(f"[{BIDI_CONTROLS}]")
# C0/C1 controls other than whitespace, and line or paragraph separators.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def storable(value):
    """``value`` (str, or lists and dicts of them) with control characters, NUL included,
    shown as U+FFFD: what PostgreSQL's jsonb and text columns accept whatever a file held."""
    if isinstance(value, str):
        return _CONTROL.sub("\ufffd", value)
    if isinstance(value, dict):
        return {key: storable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [storable(item) for item in value]
    return value


_LINE_BREAKS = re.compile(r"[\t\n\r\v\f\x85\u2028\u2029]+")

_http_url = URLValidator(schemes=["http", "https"])


def text(
    value, *, what: str, max_length: int, single_line: bool = False, required: bool = False
) -> str:
    """Return value as stored: a string without NUL, at most max_length characters.

    Single-line fields also lose bidirectional and other control characters, and line
    breaks become spaces; both ends are stripped.
    """
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError(f"{what} is not text.", code="type")
    if "\x00" in value:
        raise ValidationError(f"{what} contains NUL characters.", code="null")
    if single_line:
        value = _LINE_BREAKS.sub(" ", _CONTROL.sub("", _BIDI.sub("", value))).strip()
    if len(value) > max_length:
        raise ValidationError(
            f"{what} is {len(value):,} characters long; the limit is {max_length:,}.",
            code="max_length",
        )
    if required and not value.strip():
        raise ValidationError(f"{what} is empty.", code="required")
    return value


def single_line(value, *, what: str, max_length: int, required: bool = False) -> str:
    """A title, label or name: one line, no control characters; see ``text``."""
    return text(value, what=what, max_length=max_length, single_line=True, required=required)


def normalise_url(url: str) -> str:
    """Lower-case scheme and host, drop a default port; the rest is kept as written."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    port = parts.port
    netloc = host
    if port and not (
        parts.scheme == "http" and port == 80 or parts.scheme == "https" and port == 443
    ):
        netloc = f"{host}:{port}"
    if parts.username:
        netloc = f"{parts.username}@{netloc}"
    return urlunsplit(
        (parts.scheme.lower(), netloc, parts.path or "/", parts.query, parts.fragment)
    )


def http_url(value, *, what: str = "The link", required: bool = True) -> str:
    """An http(s) address (never javascript:, data: or file:), normalised; "" if optional."""
    value = text(value, what=what, max_length=MAX_URL).strip()
    if not value:
        if required:
            raise ValidationError(f"{what} is empty.", code="required")
        return ""
    message = f"{what} is not an http(s) address: it must start with http:// or https://."
    try:
        _http_url(value)
        return normalise_url(value)
    except (ValidationError, ValueError):  # ValueError: a port out of range, a bad bracket
        raise ValidationError(message, code="invalid") from None


def rating(value) -> str:
    """A rating on the scale (its stored value)."""
    from articles.ratings import SCALE

    if not isinstance(value, str) or value not in SCALE:
        raise ValidationError("Choose a rating on the scale.", code="invalid_choice")
    return value


def source(data: dict) -> dict:
    """A verdict's source: url, title, publisher, quote, stance; an ``id`` is kept."""
    cleaned = {
        "url": http_url(data.get("url"), what="A source's link"),
        "title": single_line(
            data.get("title"), what="A source's title", max_length=MAX_SOURCE_TITLE
        ),
        "publisher": single_line(
            data.get("publisher"), what="A source's publisher", max_length=MAX_PUBLISHER
        ),
        "quote": text(data.get("quote"), what="A source's quoted evidence", max_length=MAX_QUOTE),
        "stance": data.get("stance") or "supports",
    }
    if cleaned["stance"] not in STANCES:
        raise ValidationError(
            f"A source's stance must be one of {', '.join(STANCES)}.", code="invalid_choice"
        )
    if data.get("id") is not None:
        cleaned["id"] = data["id"]
    return cleaned


def verdict(*, rating_value, rationale, sources: list[dict]) -> tuple[str, str, list[dict]]:
    """A verdict's rating, rationale and sources, each checked; at most MAX_SOURCES sources."""
    if len(sources) > MAX_SOURCES:
        raise ValidationError(f"A verdict can cite at most {MAX_SOURCES} sources.", code="max")
    return (
        rating(rating_value),
        text(rationale, what="The rationale", max_length=MAX_RATIONALE),
        [source(s) for s in sources],
    )


def note(value) -> str:
    """An editor's note when settling a claim."""
    return text(value, what="The note", max_length=MAX_NOTE)


def claim_note(value) -> str:
    """A reviewer's note on a claim: not empty, at most MAX_CLAIM_NOTE characters."""
    value = text(value, what="The note", max_length=MAX_CLAIM_NOTE).strip()
    if not value:
        raise ValidationError("The note is empty: write something first.", code="required")
    return value


def tags(values) -> list[str]:
    """Tags from another tool: one line each, duplicates dropped, at most MAX_TAGS."""
    if values is None:
        return []
    if not isinstance(values, list):
        raise ValidationError("The tags are not a list.", code="type")
    cleaned: list[str] = []
    for value in values:
        tag = single_line(value, what="A tag", max_length=MAX_TAG)
        if tag and tag not in cleaned:
            cleaned.append(tag)
    if len(cleaned) > MAX_TAGS:
        raise ValidationError(f"At most {MAX_TAGS} tags; there are {len(cleaned)}.", code="max")
    return cleaned


def positive_int(value, *, what: str, maximum: int = MAX_INT32) -> int:
    """An integer from 1 to maximum (JSON numbers: booleans are not integers here)."""
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= maximum:
        raise ValidationError(f"{what} must be a whole number from 1 to {maximum:,}.")
    return value


def parse_id(raw) -> int | None:
    """A database id from a query string or form field, or None if it cannot be one.

    Only ASCII digits count: "²" and "٣" are digits to ``str.isdigit`` but not to ``int``
    or not to the user.
    """
    if not isinstance(raw, str) or not raw.isascii() or not raw.isdecimal() or len(raw) > 19:
        return None
    value = int(raw)
    return value if 1 <= value <= MAX_ID else None


def version_text(value: str) -> str:
    """A version's text (already normalised): not empty, no NUL, no giant paragraph."""
    from articles.text import segmentation

    if not value.strip():
        raise ValidationError("The text is empty: paste or upload the version's text.")
    if "\x00" in value:
        raise ValidationError("The text contains NUL characters; is it a binary file?")
    longest = max((end - start for start, end, _ in segmentation.split_blocks(value)), default=0)
    if longest > MAX_PARAGRAPH_CHARS:
        raise ValidationError(
            f"One paragraph is {longest:,} characters long; the limit is "
            f"{MAX_PARAGRAPH_CHARS:,}. Separate the paragraphs with blank lines."
        )
    return value


def alignment_work(new_length: int, other_lengths: list[int]) -> None:
    """Refuse an import whose alignment with the story's versions cannot finish in a request.

    A new version is aligned with every other version while the user waits; the work
    grows with the characters on both sides of each pair (``IMPORT_ALIGN_MAX_CHARS``).
    """
    limit = settings.IMPORT_ALIGN_MAX_CHARS
    work = sum(new_length + other for other in other_lengths)
    if work > limit:
        raise ValidationError(
            f"This text is too long to compare with the story's {len(other_lengths)} other "
            f"version(s) while you wait ({work:,} characters to align; the limit is "
            f"{limit:,}). Import a shorter text, or split the story."
        )
