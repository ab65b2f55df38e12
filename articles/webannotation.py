"""Import annotations (claims, verdicts, notes) into a story: read, validate, re-anchor.

Accepted files: what ``export.annotation_collection`` writes, any W3C Web Annotation JSON
(an Annotation, a plain array of them, an AnnotationPage, or an AnnotationCollection whose
pages are embedded; ``@context`` may be missing), and Hypothesis's own JSON: an API search
result (``{"total", "rows"}``), the client's export (``{"export_date", "annotations"}``), an
array of its annotations, or one. Hypothesis annotations are first rewritten as W3C ones
(``from_hypothesis``).

- A claim is an annotation whose target selects text with a TextQuoteSelector. The version
  it belongs to is, in this order: the version whose text has the ``factcheck:textSha256``
  given; the version whose page in this installation is the target's ``source``
  (``/versions/<id>/``); the version whose published URL is the ``source``; the version
  labelled ``factcheck:version``; else the one version whose text holds the words. Words
  held by two versions, or twice in one version with no prefix, suffix or position to tell
  which, are not placed: the report says so rather than guess.
- A comment (a commenting or describing TextualBody, Hypothesis's ``text``) becomes a note
  on the claim; its tags (tagging bodies, Hypothesis's ``tags``) are kept on the claim.
  A commenting annotation without words that targets a claim (ours, or a Hypothesis reply
  through ``references``) becomes a note on that claim.
- A verdict is an annotation with motivation "assessing" whose target is a claim annotation
  of the same file; its rating is ``factcheck:rating`` (or a classifying body naming a
  label or code on the scale), its rationale the assessing TextualBody, its sources the
  linking bodies. ``factcheck:final`` marks an editor's final verdict, which settles the claim.
- Who and when: claims, verdicts and notes are attributed to the user who can see the story
  and whose username is the creator's ``nickname``, else whose full name (or username) is
  the creator's ``name`` if exactly one matches; otherwise to the importing editor. The
  creator as the file names them and the annotation's ``created`` time are stored with it
  (``imported_by_name``, ``imported_created``); a final verdict settles at its own time.
  A final verdict is attributed to the matched user only if they are an editor.

All or nothing for a broken file: too large, nested too deeply, not UTF-8 JSON, not
annotations, or any annotation malformed (InvalidFile lists every problem; nothing is
stored). Well-formed annotations that cannot be placed are skipped; the rest is stored in
one transaction. The report has one row per annotation: what became of it, and why.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Max, Q
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from simple_history.utils import bulk_create_with_history

from articles import claim_status, live, validation
from articles.comparison import propose_counterparts, rank_counterparts
from articles.models import (
    EDITORS_GROUP,
    AnnotationImport,
    Claim,
    Counterpart,
    Note,
    Sentence,
    SentenceLink,
    Source,
    Story,
    Verdict,
    is_editor,
)
from articles.ratings import SCALE
from articles.text import anchoring

MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_ANNOTATIONS = 20_000
# An annotation nests a handful of levels (collection > page > items > target > selector >
# refinedBy); anything far deeper is not annotations, and walking it costs for nothing.
MAX_DEPTH = 32
MAX_RATIONALE = validation.MAX_RATIONALE
ANNO_CONTEXTS = {"http://www.w3.org/ns/anno.jsonld", "https://www.w3.org/ns/anno.jsonld"}
ANNO_TYPES = {"Annotation", "AnnotationPage", "AnnotationCollection"}
EXT = "factcheck:"
HYPOTHESIS_LINK = "https://hypothes.is/a/"
# The tagging body every exported claim carries; not a tag anyone gave.
CLAIM_MARKER = "claim"
NO_VERSIONS = "The story has no versions yet: import the versions' texts first."
PAGE_NOTE = "It comments on a whole page, not on words of it; notes here belong to claims."


class InvalidFile(ValueError):
    """The file cannot be imported at all; ``errors`` says why, one line each."""

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class Agent:
    name: str = ""
    nickname: str = ""
    # Where the person has their account elsewhere, e.g. "acct:ana@hypothes.is".
    account: str = ""

    @property
    def label(self) -> str:
        """The creator in words, as the file names them ("" if it does not)."""
        name = self.name or self.nickname
        if self.account and self.account != name:
            return f"{name} ({self.account})" if name else self.account
        return name


@dataclass(frozen=True)
class TrailEvent:
    """A settlement or reopening from a claim's ``factcheck:trail``."""

    action: str  # "settled" or "reopened"
    creator: Agent
    when: datetime
    rating: str = ""
    note: str = ""


@dataclass(frozen=True)
class ClaimNote:
    """An annotation that selects words: a claim, maybe with a comment (a note) and tags."""

    id: str
    source: str
    exact: str
    prefix: str
    suffix: str
    start: int | None
    number: int | None
    version_label: str
    text_sha256: str
    creator: Agent
    n: int = 0
    comment: str = ""
    tags: tuple = ()
    created: datetime | None = None
    trail: tuple = ()


@dataclass(frozen=True)
class VerdictNote:
    id: str
    target: str
    rating: str
    rationale: str
    sources: tuple
    creator: Agent
    final: bool
    n: int = 0
    created: datetime | None = None


@dataclass(frozen=True)
class CommentNote:
    """A comment without words of its own on another annotation (a claim): a note."""

    id: str
    target: str
    text: str
    tags: tuple
    creator: Agent
    n: int = 0
    created: datetime | None = None


@dataclass(frozen=True)
class Skipped:
    id: str
    what: str
    reason: str
    n: int = 0


@dataclass
class Row:
    """What became of one annotation of the file, in words."""

    n: int
    id: str
    what: str
    outcome: str  # "created", "matched", "added", "settled", "skipped"
    detail: str
    reason: str = ""


COUNTED = (
    "claims_created",
    "claims_matched",
    "verdicts_created",
    "claims_settled",
    "notes_created",
)


@dataclass
class ImportReport:
    claims_created: int = 0
    claims_matched: int = 0
    verdicts_created: int = 0
    claims_settled: int = 0
    notes_created: int = 0
    rows: list[Row] = field(default_factory=list)
    format: str = ""
    record: AnnotationImport | None = None

    @property
    def skipped(self) -> list[Row]:
        return [r for r in self.rows if r.outcome == "skipped"]

    @property
    def total_stored(self) -> int:
        return (
            self.claims_created + self.verdicts_created + self.claims_settled + self.notes_created
        )

    @classmethod
    def from_record(cls, record: AnnotationImport) -> ImportReport:
        """The report of an earlier import, as stored."""
        counts = record.counts
        return cls(
            **{name: counts.get(name, 0) for name in COUNTED},
            rows=[Row(**row) for row in record.rows],
            format=counts.get("format", ""),
            record=record,
        )

    def counts(self) -> dict:
        return {
            "claims_created": self.claims_created,
            "claims_matched": self.claims_matched,
            "verdicts_created": self.verdicts_created,
            "claims_settled": self.claims_settled,
            "notes_created": self.notes_created,
            "skipped": len(self.skipped),
        }


# ---------------------------------------------------------------------------- reading


def _as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _types(obj) -> set:
    return {t for t in _as_list(obj.get("type") or obj.get("@type")) if isinstance(t, str)}


def _has_anno_context(obj) -> bool:
    return any(c in ANNO_CONTEXTS for c in _as_list(obj.get("@context")) if isinstance(c, str))


def _is_w3c(obj) -> bool:
    return isinstance(obj, dict) and (_has_anno_context(obj) or bool(_types(obj) & ANNO_TYPES))


def _is_hypothesis(obj) -> bool:
    """Hypothesis's annotation JSON: no type, a list of targets, its uri and user."""
    return (
        isinstance(obj, dict)
        and not _types(obj)
        and isinstance(obj.get("target"), list)
        and ("uri" in obj or "user" in obj)
    )


def _too_deep(doc, limit: int) -> bool:
    """True if lists and objects nest more than limit levels (iterative: no recursion)."""
    stack = [(doc, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


NOT_ANNOTATIONS = (
    "This is JSON but not annotations: expected W3C Web Annotations (an Annotation, "
    "AnnotationPage or AnnotationCollection, or a list of them) or Hypothesis's JSON (an "
    'API search result with "rows", or its export with "annotations").'
)


def read_file(data: bytes) -> tuple[list, str]:
    """Return (the annotations of a file, W3C form, and the file's format in words).

    Raises InvalidFile for a file that is too large, nested too deeply, not UTF-8 JSON,
    or not annotations.
    """
    if len(data) > MAX_IMPORT_BYTES:
        raise InvalidFile(
            [f"The file is {len(data):,} bytes; the limit is {MAX_IMPORT_BYTES:,} bytes (5 MB)."]
        )
    too_deep = f"The file's JSON is nested too deeply to be annotations (over {MAX_DEPTH} levels)."
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise InvalidFile(["The file is not UTF-8 text; is it a binary file?"]) from None
    except json.JSONDecodeError as exc:
        raise InvalidFile([f"The file is not JSON ({exc.msg} at line {exc.lineno})."]) from None
    except RecursionError:
        # json.loads recurses once per nested array or object.
        raise InvalidFile([too_deep]) from None
    if _too_deep(doc, MAX_DEPTH):
        raise InvalidFile([too_deep])
    items, kind = _items(doc)
    if len(items) > MAX_ANNOTATIONS:
        raise InvalidFile(
            [f"The file holds {len(items):,} annotations; the limit is {MAX_ANNOTATIONS:,}."]
        )
    return [from_hypothesis(i) if _is_hypothesis(i) else i for i in items], kind


def read_items(data: bytes) -> list:
    """The annotations of a file's bytes, W3C form; see ``read_file``."""
    return read_file(data)[0]


def _items(doc) -> tuple[list, str]:
    if isinstance(doc, list):
        if all(_is_hypothesis(i) for i in doc) and doc:
            return doc, "Hypothesis annotations (a list)"
        if all(_is_w3c(i) or _is_hypothesis(i) for i in doc):
            return doc, "Web Annotations (a list)"
        raise InvalidFile([NOT_ANNOTATIONS])
    if not isinstance(doc, dict):
        raise InvalidFile([NOT_ANNOTATIONS])
    if _is_w3c(doc):
        types = _types(doc)
        if "AnnotationCollection" in types:
            return _collection_items(doc), "a Web Annotation collection"
        if "AnnotationPage" in types:
            return _page_items(doc), "a Web Annotation page"
        if "Annotation" in types:
            return [doc], "one Web Annotation"
        raise InvalidFile([NOT_ANNOTATIONS])
    if isinstance(doc.get("rows"), list) and all(_is_hypothesis(i) for i in doc["rows"]):
        return doc["rows"], "a Hypothesis API search result"
    if isinstance(doc.get("annotations"), list) and all(
        _is_hypothesis(i) for i in doc["annotations"]
    ):
        return doc["annotations"], "a Hypothesis export"
    if _is_hypothesis(doc):
        return [doc], "one Hypothesis annotation"
    raise InvalidFile([NOT_ANNOTATIONS])


def _page_items(page) -> list:
    items = page.get("items")
    if not isinstance(items, list):
        raise InvalidFile(['The AnnotationPage has no "items" list.'])
    return items


def _collection_items(collection) -> list:
    if not collection.get("total") and "first" not in collection:
        return []
    page = collection.get("first")
    items: list = []
    seen = 0
    while page is not None:
        if not isinstance(page, dict):
            raise InvalidFile(
                [
                    "The collection's pages are not in the file (only their addresses are); "
                    "export the collection with its pages embedded."
                ]
            )
        items.extend(_page_items(page))
        page = page.get("next")
        seen += 1
        if seen > 10_000:
            raise InvalidFile(["The collection has too many pages."])
    return items


def _hypothesis_id(value) -> str | None:
    return f"{HYPOTHESIS_LINK}{value}" if isinstance(value, str) and value else None


def from_hypothesis(item: dict) -> dict:
    """One Hypothesis annotation as a W3C Web Annotation (what ``parse`` reads).

    The id becomes Hypothesis's share link (https://hypothes.is/a/<id>); ``text`` a
    commenting body; ``tags`` tagging bodies; ``user`` and ``user_info.display_name`` the
    creator; a reply (``references``) targets the thread's first annotation.
    """
    user = item.get("user") if isinstance(item.get("user"), str) else ""
    info = item.get("user_info") if isinstance(item.get("user_info"), dict) else {}
    display = info.get("display_name") if isinstance(info.get("display_name"), str) else ""
    username = user.removeprefix("acct:").split("@")[0] if user else ""
    bodies = []
    if item.get("text") not in (None, ""):
        bodies.append({"type": "TextualBody", "purpose": "commenting", "value": item["text"]})
    for tag in _as_list(item.get("tags")):
        bodies.append({"type": "TextualBody", "purpose": "tagging", "value": tag})
    ann = {
        "type": "Annotation",
        "id": _hypothesis_id(item.get("id")),
        "motivation": "commenting" if item.get("text") else "highlighting",
        "body": bodies,
        "creator": {"type": "Person", "name": display or username, "account": user},
        "created": item.get("created"),
    }
    references = item.get("references")
    targets = [t for t in _as_list(item.get("target")) if isinstance(t, dict)]
    if isinstance(references, list) and references:
        ann["motivation"] = "replying"
        ann["target"] = _hypothesis_id(references[0]) or references[0]
    elif targets:
        target = dict(targets[0])
        if not isinstance(target.get("source"), str) and isinstance(item.get("uri"), str):
            target["source"] = item["uri"]
        ann["target"] = target
    elif isinstance(item.get("uri"), str):
        ann["target"] = {"source": item["uri"]}
    else:
        ann["target"] = item.get("target")
    return ann


def _agent(value) -> Agent:
    agent = _as_list(value)[0] if _as_list(value) else None
    if isinstance(agent, dict):
        name, nick, account = agent.get("name"), agent.get("nickname"), agent.get("account")
        return Agent(
            name=name if isinstance(name, str) else "",
            nickname=nick if isinstance(nick, str) else "",
            account=account if isinstance(account, str) else "",
        )
    if isinstance(agent, str):  # an IRI naming the person
        return Agent(account=agent)
    return Agent()


def _created(ann) -> datetime | None:
    """The annotation's ``created`` time (UTC if no zone is given); None if absent or bad."""
    value = ann.get("created")
    if not isinstance(value, str) or len(value) > 64:
        return None
    try:
        when = parse_datetime(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if when is None:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _target_id(target) -> str | None:
    target = _as_list(target)[0] if _as_list(target) else None
    if isinstance(target, str):
        return target
    if isinstance(target, dict):
        if isinstance(target.get("source"), str) and not target.get("selector"):
            return target["source"]
        if isinstance(target.get("id"), str) and not target.get("selector"):
            return target["id"]
    return None


def _rating_from(ann) -> str | None:
    candidates = [ann.get(EXT + "rating")]
    bodies = [b for b in _as_list(ann.get("body")) if isinstance(b, dict)]
    candidates += [b.get(EXT + "rating") for b in bodies]
    for value in candidates:
        if isinstance(value, str) and value in SCALE:
            return value
    # A classifying body naming the rating, e.g. "Mostly accurate (MOS)" or "MOS".
    by_name = {}
    for step in SCALE.values():
        for name in (step.label, step.code, f"{step.label} ({step.code})", step.rating):
            by_name[name.casefold()] = step.rating
    for body in bodies:
        if body.get("purpose") == "classifying" and isinstance(body.get("value"), str):
            rating = by_name.get(body["value"].strip().casefold())
            if rating:
                return rating
    return None


def _text(value, what: str, limit: int, errors: list[str], single_line: bool = False) -> str:
    """The checks a form makes (articles.validation); a failure is recorded in errors."""
    try:
        return validation.text(value, what=what, max_length=limit, single_line=single_line)
    except ValidationError as exc:
        errors.extend(exc.messages)
        return ""


def _sources(ann, label: str, errors: list[str]) -> tuple:
    sources = []
    for body in _as_list(ann.get("body")):
        if not isinstance(body, dict) or body.get("purpose") != "linking":
            continue
        url = body.get("source") if "SpecificResource" in _types(body) else body.get("id")
        if not isinstance(url, str):
            errors.append(f"{label}: a linking body has no source address.")
            continue
        stance = body.get(EXT + "stance")
        try:
            # The checks the verdict form's source rows make.
            sources.append(
                validation.source(
                    {
                        "url": url,
                        "title": body.get(EXT + "title"),
                        "publisher": body.get(EXT + "publisher"),
                        "quote": body.get(EXT + "quote"),
                        "stance": stance if stance in validation.STANCES else "supports",
                    }
                )
            )
        except ValidationError as exc:
            errors.extend(f"{label}: {m}" for m in exc.messages)
    if len(sources) > validation.MAX_SOURCES:
        errors.append(f"{label}: a verdict can cite at most {validation.MAX_SOURCES} sources.")
    return tuple(sources)


def _rationale(ann, label: str, errors: list[str]) -> str:
    parts = []
    for body in _as_list(ann.get("body")):
        if isinstance(body, str):
            continue
        if not isinstance(body, dict) or "TextualBody" not in _types(body):
            continue
        if body.get("purpose", "assessing") in ("assessing", "commenting", "describing"):
            parts.append(_text(body.get("value"), f"{label}: the rationale", MAX_RATIONALE, errors))
    if isinstance(ann.get("bodyValue"), str):
        parts.append(ann["bodyValue"])
    return _text(
        "\n\n".join(p for p in parts if p), f"{label}: the rationale", MAX_RATIONALE, errors
    )


COMMENT_PURPOSES = (None, "commenting", "describing", "replying", "questioning", "editing")


def _comment(ann, label: str, errors: list[str]) -> str:
    """The annotation's comment: its commenting (or describing...) text bodies, joined."""
    parts = []
    for body in _as_list(ann.get("body")):
        if not isinstance(body, dict) or body.get("purpose") not in COMMENT_PURPOSES:
            continue
        if "TextualBody" not in _types(body) and "value" not in body:
            continue
        parts.append(_text(body.get("value"), f"{label}: the comment", 10**6, errors))
    if isinstance(ann.get("bodyValue"), str):
        parts.append(ann["bodyValue"])
    return "\n\n".join(p.strip() for p in parts if p and p.strip())


def _tags(ann, label: str, errors: list[str]) -> tuple:
    ours = any(isinstance(k, str) and k.startswith(EXT) for k in ann)
    values = []
    for body in _as_list(ann.get("body")):
        if isinstance(body, dict) and body.get("purpose") == "tagging":
            value = body.get("value")
            if ours and value == CLAIM_MARKER:
                continue
            values.append(value)
    try:
        return tuple(validation.tags(values))
    except ValidationError as exc:
        errors.extend(f"{label}: {m}" for m in exc.messages)
        return ()


def _trail(ann, label: str, errors: list[str]) -> tuple:
    """The claim's settlements and reopenings (``factcheck:trail``), oldest first."""
    raw = ann.get(EXT + "trail")
    if raw is None:
        return ()
    if not isinstance(raw, list) or len(raw) > 1000:
        errors.append(f"{label}: factcheck:trail must be a list of at most 1,000 events.")
        return ()
    events = []
    for i, event in enumerate(raw, 1):
        where = f"{label}: trail event {i}"
        when = _created(event) if isinstance(event, dict) else None
        action = event.get("action") if isinstance(event, dict) else None
        if action not in ("settled", "reopened") or when is None:
            errors.append(f'{where} needs "action" (settled or reopened) and a "created" time.')
            continue
        rating = event.get(EXT + "rating") or ""
        if action == "settled" and rating not in SCALE:
            errors.append(f"{where}: a settlement needs a rating on the scale.")
            continue
        note = _text(event.get(EXT + "note"), f"{where}: the note", validation.MAX_NOTE, errors)
        events.append(TrailEvent(action, _agent(event.get("creator")), when, rating, note))
    return tuple(events)


def _text_target(ann):
    """The first target with a TextQuoteSelector: (target dict, quote selector, position)."""
    for target in _as_list(ann.get("target")):
        if not isinstance(target, dict):
            continue
        selectors = [s for s in _as_list(target.get("selector")) if isinstance(s, dict)]
        quote = next((s for s in selectors if "TextQuoteSelector" in _types(s)), None)
        position = next((s for s in selectors if "TextPositionSelector" in _types(s)), None)
        if quote is not None:
            return target, quote, position
    return None


def _quote_preview(text: str) -> str:
    text = " ".join(text.split())
    return f"“{text[:80]}…”" if len(text) > 80 else f"“{text}”"


def parse(items: list) -> tuple[list[ClaimNote], list, list[Skipped]]:
    """Split annotations into claims, verdicts and comments (``CommentNote`` among the
    second list's kind: see ``parse_all``); skip those that are none of them."""
    claims, others, skipped = parse_all(items)
    return claims, [o for o in others if isinstance(o, VerdictNote)], skipped


def parse_all(items: list) -> tuple[list[ClaimNote], list, list[Skipped]]:
    """Claims, then verdicts and comments (in file order), and skipped annotations.

    Raises InvalidFile listing every malformed annotation (missing id, type or target,
    a verdict without a rating on the scale, a selector with wrong types, ...).
    """
    errors: list[str] = []
    claims, others, skipped = [], [], []
    seen: set[str] = set()
    for n, ann in enumerate(items, 1):
        label = f"Annotation {n}"
        if not isinstance(ann, dict):
            errors.append(f"{label} is not an object.")
            continue
        if "Annotation" not in _types(ann):
            errors.append(f'{label} does not have "type": "Annotation".')
            continue
        ann_id = ann.get("id")
        if not isinstance(ann_id, str) or not ann_id:
            errors.append(f'{label} has no "id".')
            continue
        label = f"Annotation {n} ({ann_id[:120]})"
        if ann_id in seen:
            errors.append(f"{label}: the id appears twice in the file.")
            continue
        seen.add(ann_id)
        if "target" not in ann:
            errors.append(f'{label} has no "target".')
            continue
        motivations = {m for m in _as_list(ann.get("motivation")) if isinstance(m, str)}
        found = _text_target(ann)
        creator, created = _agent(ann.get("creator")), _created(ann)
        if "assessing" in motivations and found is None:
            target = _target_id(ann.get("target"))
            rating = _rating_from(ann)
            if target is None:
                errors.append(f"{label}: a verdict must target a claim annotation by its id.")
                continue
            if rating is None:
                errors.append(
                    f"{label}: the verdict has no rating on the scale "
                    f"({', '.join(s.label for s in SCALE.values())})."
                )
                continue
            final = ann.get(EXT + "final") is True
            others.append(
                VerdictNote(
                    id=ann_id,
                    target=target,
                    rating=rating,
                    rationale=_rationale(ann, label, errors),
                    sources=() if final else _sources(ann, label, errors),
                    creator=creator,
                    final=final,
                    n=n,
                    created=created,
                )
            )
            continue
        if found is None:
            before = len(errors)
            text = _comment(ann, label, errors)
            tags = _tags(ann, label, errors)
            target = _target_id(ann.get("target"))
            if len(errors) > before:
                continue
            # A SpecificResource with a source and no selector is a page, not an annotation.
            first = _as_list(ann.get("target"))[:1]
            if first and isinstance(first[0], dict) and isinstance(first[0].get("source"), str):
                target = None
            if text and target:
                others.append(CommentNote(ann_id, target, text, tags, creator, n, created))
                continue
            why = (
                PAGE_NOTE
                if text
                else "It does not select words of a text (no TextQuoteSelector), so it is "
                "neither a claim, a verdict nor a comment on a claim."
            )
            skipped.append(Skipped(ann_id, "page note" if text else "annotation", why, n))
            continue
        target, quote, position = found
        before = len(errors)
        exact = _text(quote.get("exact"), f"{label}: exact", 10**6, errors)
        prefix = _text(quote.get("prefix"), f"{label}: prefix", 10**6, errors)
        suffix = _text(quote.get("suffix"), f"{label}: suffix", 10**6, errors)
        comment = _comment(ann, label, errors)
        tags = _tags(ann, label, errors)
        trail = _trail(ann, label, errors)
        source = target.get("source")
        if not isinstance(source, str):
            errors.append(f'{label}: the target has no "source" address.')
        start = None
        if position is not None:
            start, end = position.get("start"), position.get("end")
            if not (
                isinstance(start, int)
                and isinstance(end, int)
                and not isinstance(start, bool)
                and 0 <= start <= end
            ):
                errors.append(
                    f"{label}: TextPositionSelector start and end must be integers, start ≤ end."
                )
        try:
            number = validation.positive_int(ann.get(EXT + "number"), what="number")
        except ValidationError:
            number = None  # only a hint: the claim is numbered next in its version
        if len(errors) > before:
            continue
        if not exact.strip():
            skipped.append(Skipped(ann_id, "claim", "The quoted words are empty.", n))
            continue
        claims.append(
            ClaimNote(
                id=ann_id,
                source=source,
                exact=exact,
                prefix=prefix,
                suffix=suffix,
                start=start,
                number=number,
                version_label=str(target.get(EXT + "version") or ""),
                text_sha256=str(target.get(EXT + "textSha256") or ""),
                creator=creator,
                n=n,
                comment=comment,
                tags=tags,
                created=created,
                trail=trail,
            )
        )
    if errors:
        raise InvalidFile(errors)
    return claims, others, skipped


# ---------------------------------------------------------------------------- placing


@dataclass(frozen=True)
class Placed:
    """Where a claim annotation goes (version and span), or why it goes nowhere (``why``)."""

    version: object | None
    span: anchoring.Span | None
    why: str


def own_page(url: str, site: str = "") -> tuple[str, int] | None:
    """("version" | "claim", pk) if url is a version's or claim's page of this installation.

    ``site`` ("https://fc.example") is this installation's address: a URL on another host
    is not ours. Without it, any host is taken at its path.
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if site and parts.netloc and parts.netloc.lower() != urlsplit(site).netloc.lower():
        return None
    try:
        match = resolve(parts.path or "/")
    except Resolver404:
        return None
    names = {"articles:version_detail": "version", "articles:claim_detail": "claim"}
    kind = names.get(match.view_name)
    return (kind, int(match.kwargs["pk"])) if kind else None


def _url_key(url: str) -> str:
    """A URL compared loosely: scheme and host lower-cased, no fragment, no trailing slash."""
    with contextlib.suppress(ValueError):
        url = validation.normalise_url(url)
    return url.split("#", 1)[0].rstrip("/")


def _labels(versions) -> str:
    names = [f"“{v.label}”" for v in versions]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def place(note: ClaimNote, versions: list, site: str = "") -> Placed:
    """Choose the version a claim annotation names, and its words there; see the module
    docstring for the order. Never guesses: ambiguous words are not placed."""
    by_pk = {v.pk: v for v in versions}
    chosen, how = None, ""
    if note.text_sha256:
        chosen = next((v for v in versions if v.text_sha256 == note.text_sha256), None)
        how = "the fingerprint of its text"
    own = own_page(note.source, site) if note.source else None
    other_story = own is not None and own[0] == "version" and own[1] not in by_pk
    if chosen is None and own is not None and own[0] == "version" and own[1] in by_pk:
        chosen, how = by_pk[own[1]], "its address, the version's page here"
    if chosen is None and note.source:
        key = _url_key(note.source)
        chosen = next((v for v in versions if v.url and _url_key(v.url) == key), None)
        how = "its address, the version's published URL"
    if chosen is None and note.version_label:
        chosen = next((v for v in versions if v.label == note.version_label), None)
        how = "its version label"
    if chosen is not None:
        found = anchoring.locate_quote(
            chosen.text, note.exact, note.prefix, note.suffix, note.start
        )
        if found.span is not None:
            return Placed(chosen, found.span, f"Placed in “{chosen.label}” by {how}.")
        if found.ambiguous:
            return Placed(None, None, _ambiguous(found.count, chosen))
        elsewhere = [v for v in versions if v is not chosen and note.exact and note.exact in v.text]
        moved = (
            f" The words are in {_labels(elsewhere)}, but an annotation of “{chosen.label}” "
            "is not moved to another version."
            if elsewhere
            else ""
        )
        return Placed(
            None,
            None,
            f"The words are not in “{chosen.label}” (named by {how}): its text changed "
            f"since it was annotated.{moved}",
        )
    # Named nothing we know: the versions whose text holds the words.
    found = [
        (v, anchoring.locate_quote(v.text, note.exact, note.prefix, note.suffix, note.start))
        for v in versions
    ]
    holders = [(v, m) for v, m in found if m.count]
    if len(holders) > 1 and (note.prefix or note.suffix):
        # The words around them may tell the versions apart.
        best = max(m.context for _, m in holders)
        if sum(1 for _, m in holders if m.context == best) == 1:
            holders = [(v, m) for v, m in holders if m.context == best]
    address = f"Its address ({note.source[:120]})" if note.source else "It"
    if len(holders) == 1:
        version, match = holders[0]
        if match.span is None:
            return Placed(None, None, _ambiguous(match.count, version))
        return Placed(
            version,
            match.span,
            f"{address} names none of this story's versions; placed in “{version.label}”, "
            "the one version whose text holds the words.",
        )
    if holders:
        return Placed(
            None,
            None,
            f"The words are in {_labels([v for v, _ in holders])}, and {address[0].lower()}"
            f"{address[1:]} names none of them: not placed, so as not to guess. Give each "
            "version its published URL (the annotated page's address), then import again.",
        )
    if other_story:
        return Placed(
            None,
            None,
            "Its address is a version of another story in this installation, and no version "
            "of this story contains the words.",
        )
    return Placed(
        None,
        None,
        f"{address} is not one of this story's versions, and no version contains the words.",
    )


def _ambiguous(count: int, version) -> str:
    return (
        f"The words appear {count} times in “{version.label}” and the annotation gives no "
        "prefix, suffix or position to tell which: not placed, so as not to guess."
    )


class _People:
    """Who an imported annotation is attributed to; see the module docstring."""

    def __init__(self, story: Story, importer):
        user_model = get_user_model()
        users = list(
            user_model.objects.filter(
                Q(pk__in=story.members.values("pk"))
                | Q(groups__name=EDITORS_GROUP)
                | Q(is_superuser=True),
                is_active=True,
            ).distinct()
        )
        self.importer = importer
        self.by_username = {u.get_username(): u for u in users}
        self.by_name: dict[str, set] = {}
        for u in users:
            for name in (u.get_full_name(), u.get_username()):
                if name:
                    self.by_name.setdefault(name.casefold(), set()).add(u)

    def match(self, agent: Agent):
        """The user here who is the creator, or None. An account elsewhere (Hypothesis's
        "acct:…") is someone else's identity: never matched by name."""
        if agent.account:
            return None
        if agent.nickname and agent.nickname in self.by_username:
            return self.by_username[agent.nickname]
        matches = self.by_name.get(agent.name.casefold(), set()) if agent.name else set()
        return next(iter(matches)) if len(matches) == 1 else None

    def resolve(self, agent: Agent):
        return self.match(agent) or self.importer

    def imported_name(self, agent: Agent) -> str:
        """The creator as the file names them, kept when no user here is them."""
        return "" if self.match(agent) else agent.label[:200]

    @staticmethod
    def name(user) -> str:
        return user.get_full_name() or user.get_username()


# ---------------------------------------------------------------------------- import


# progress(stage, fraction of the whole import done, detail): may raise to stop the work.
Progress = Callable[[str, float, str], None]
# A progress report is a write to the job's row: at most one this often within a stage.
PROGRESS_SECONDS = 0.5


def _no_progress(stage: str, fraction: float, detail: str) -> None:
    return None


class _Steps:
    """Counts the steps of a stage and reports them, at most every PROGRESS_SECONDS."""

    def __init__(self, progress: Progress, stage: str, span: tuple, total: int, what: str):
        self.progress, self.stage, self.span = progress, stage, span
        self.total, self.what = total, what
        self.done, self.last = 0, time.monotonic()
        self._report()

    def _report(self) -> None:
        low, high = self.span
        fraction = low + (high - low) * self.done / max(1, self.total)
        self.progress(self.stage, fraction, f"({self.done:,} of {self.total:,} {self.what})")

    def __call__(self) -> None:
        self.done += 1
        if time.monotonic() - self.last >= PROGRESS_SECONDS:
            self.last = time.monotonic()
            self._report()


@dataclass
class PreparedImport:
    """A file read, its claims placed and their counterparts ranked; nothing stored yet."""

    story: Story
    user: object
    site: str
    file_name: str
    format: str
    claim_notes: list
    others: list
    skipped: list
    # What the placements and counterparts were computed on (see ``_state``).
    state: tuple = ()
    placed: dict = field(default_factory=dict)  # ClaimNote.n -> Placed
    # (version pk, start, end) of a claim to create -> its Counterpart rows, unsaved.
    counterparts: dict = field(default_factory=dict)


def _state(story: Story) -> tuple:
    """The story's versions, sentences and alignment as they stand: a new version, a
    re-segmentation, a re-alignment or an editor's link correction changes it (sentences
    and links are replaced, never updated)."""
    links = SentenceLink.objects.filter(left_version__story=story).aggregate(
        n=Count("pk"), last=Max("pk")
    )
    sentences = Sentence.objects.filter(version__story=story).aggregate(last=Max("pk"))
    return (
        tuple(story.versions.order_by("pk").values_list("pk", flat=True)),
        links["n"],
        links["last"],
        sentences["last"],
    )


def prepare_import(
    *,
    story: Story,
    user,
    data: bytes,
    site: str = "",
    file_name: str = "",
    progress: Progress = _no_progress,
) -> PreparedImport:
    """Read a file, place its claims and rank their counterparts; write nothing.

    The slow part of an import, run before its transaction (by the background worker,
    which passes ``progress``). Raises InvalidFile (see ``read_file`` and ``parse_all``).
    """
    progress("reading", 0.02, "")
    items, kind = read_file(data)
    claim_notes, others, skipped = parse_all(items)
    prepared = PreparedImport(
        story, user, site, file_name, kind, claim_notes, others, skipped, _state(story)
    )
    versions = list(story.versions.all())
    if not versions and (claim_notes or others):
        raise InvalidFile([NO_VERSIONS])
    step = _Steps(progress, "placing", (0.1, 0.3), len(claim_notes), "claims")
    for note in claim_notes:
        prepared.placed[note.n] = place(note, versions, site)
        step()
    # The claims the file will add (what the store will find new, unless someone marks
    # the same words meanwhile), ranked against the other versions.
    existing = set(
        Claim.objects.filter(version__story=story).values_list("version_id", "start", "end")
    )
    new: dict[tuple, Claim] = {}
    for placed in prepared.placed.values():
        if (
            placed.version is None
            or placed.span.end - placed.span.start > anchoring.MAX_CLAIM_CHARS
        ):
            continue
        key = (placed.version.pk, placed.span.start, placed.span.end)
        if key not in existing and key not in new:
            text = placed.version.text[placed.span.start : placed.span.end]
            new[key] = Claim(version=placed.version, start=key[1], end=key[2], exact=text)
    step = _Steps(progress, "proposing", (0.3, 0.95), len(new), "new claims")
    prepared.counterparts = {key: [] for key in new}
    for row in rank_counterparts(list(new.values()), step=step):
        prepared.counterparts[(row.claim.version_id, row.claim.start, row.claim.end)].append(row)
    return prepared


def annotations_import(
    *, story: Story, user, data: bytes, site: str = "", file_name: str = ""
) -> ImportReport:
    """Import an annotation file's claims, notes and verdicts into a story, in one transaction.

    Raises InvalidFile (nothing stored) for a file that cannot be read or holds a malformed
    annotation; returns a report with a row for every annotation (also stored, as an
    AnnotationImport, for download). ``site`` is this installation's address, to recognise
    its own version and claim pages. The web page runs it in two steps, in the background
    (``prepare_import``, then ``store_import``: articles/import_jobs.py).
    """
    prepared = prepare_import(story=story, user=user, data=data, site=site, file_name=file_name)
    return store_import(prepared)


@transaction.atomic
def store_import(prepared: PreparedImport) -> ImportReport:
    """Store a prepared import in one transaction; return its report (see annotations_import).

    Should the story's versions or alignment have changed since the preparation, its
    claims are placed again and their counterparts ranked here, under the story's lock.
    """
    story, user, site = prepared.story, prepared.user, prepared.site
    claim_notes, others, kind = prepared.claim_notes, prepared.others, prepared.format
    report = ImportReport(format=kind)
    rows: dict[int, Row] = {
        s.n: Row(s.n, s.id, s.what, "skipped", "Not imported.", s.reason) for s in prepared.skipped
    }
    # The story row lock serialises claim numbering with concurrent claim_create calls;
    # the structure lock, taken first, with a version import's store (articles/live.py).
    live.lock_structure(story.pk)
    Story.objects.select_for_update().filter(pk=story.pk).first()
    versions = list(story.versions.all())
    if not versions and (claim_notes or others):
        raise InvalidFile([NO_VERSIONS])
    placements, counterparts = prepared.placed, prepared.counterparts
    if _state(story) != prepared.state:
        placements = {note.n: place(note, versions, site) for note in claim_notes}
        counterparts = {}
    people = _People(story, user)
    existing = {
        (c.version_id, c.start, c.end): c for c in Claim.objects.filter(version__story=story)
    }
    numbers = {
        row["version_id"]: row["n"] or 0
        for row in Claim.objects.filter(version__story=story)
        .values("version_id")
        .annotate(n=Max("number"))
    }
    taken = {(c.version_id, c.number) for c in existing.values()}
    # Comments already imported as notes: importing a file twice adds nothing.
    noted = set(
        Note.objects.filter(claim__version__story=story)
        .exclude(source_annotation="")
        .values_list("claim_id", "source_annotation")
    )
    by_id: dict[str, Claim] = {}
    unplaced: dict[str, int] = {}
    replayed: set[int] = set()
    # New claims and notes are written in bulk (a file may hold thousands), after the
    # loops that decide what becomes of each annotation.
    created: list[tuple[Claim, ClaimNote]] = []
    new_notes: list[Note] = []
    for note in claim_notes:
        what = f"claim {_quote_preview(note.exact)}"
        placed = placements[note.n]
        version, span = placed.version, placed.span
        if version is None:
            rows[note.n] = Row(note.n, note.id, what, "skipped", "Not imported.", placed.why)
            unplaced[note.id] = note.n
            continue
        if span.end - span.start > anchoring.MAX_CLAIM_CHARS:
            rows[note.n] = Row(
                note.n,
                note.id,
                what,
                "skipped",
                "Not imported.",
                f"A claim can be at most {anchoring.MAX_CLAIM_CHARS:,} characters long.",
            )
            unplaced[note.id] = note.n
            continue
        key = (version.pk, span.start, span.end)
        if key in existing:
            claim = by_id[note.id] = existing[key]
            report.claims_matched += 1
            outcome, detail = "matched", f"Already claim #{claim.number} in “{version.label}”."
        else:
            number = note.number
            if number is None or (version.pk, number) in taken:
                number = numbers.get(version.pk, 0) + 1
            taken.add((version.pk, number))
            numbers[version.pk] = max(numbers.get(version.pk, 0), number)
            quote = anchoring.describe(version.text, span)
            claim = Claim(
                version=version,
                number=number,
                start=span.start,
                end=span.end,
                exact=quote.exact,
                prefix=quote.prefix,
                suffix=quote.suffix,
                created_by=people.resolve(note.creator),
                imported_by_name=people.imported_name(note.creator),
                imported_created=note.created,
                tags=list(note.tags),
            )
            # The history dates the claim when it was made, by whom it is credited to.
            claim._history_date = note.created or timezone.now()
            claim._history_user = claim.created_by
            existing[key] = by_id[note.id] = claim
            created.append((claim, note))
            report.claims_created += 1
            outcome, detail = "created", f"New claim #{claim.number} in “{version.label}”."
        if note.tags and outcome == "matched":
            merged = claim.tags + [t for t in note.tags if t not in claim.tags]
            if merged != claim.tags:
                claim.tags = merged[: validation.MAX_TAGS]
                if claim.pk is not None:  # a new claim is saved with its tags below
                    claim.save(update_fields=["tags"])
        if note.tags:
            detail += f" Tags kept: {', '.join(note.tags)}."
        if note.comment:
            detail += " " + _add_note(
                claim,
                note.id,
                note.comment,
                (),
                note.creator,
                note.created,
                people,
                report,
                noted,
                new_notes,
            )
        rows[note.n] = Row(note.n, note.id, what, outcome, detail, placed.why)
    if created:
        bulk_create_with_history([c for c, _ in created], Claim, batch_size=500)
        for claim, note in created:
            del claim._history_date, claim._history_user
            if note.trail:
                _replay(claim, note.trail, people)
                replayed.add(claim.pk)
        _store_counterparts([c for c, _ in created], counterparts)
    judged = set(
        Verdict.objects.filter(claim__version__story=story).values_list("claim_id", "reviewer_id")
    )
    judged_claims: set[int] = set()
    for note in others:
        claim = _claim_for(by_id, note.target, story, site)
        if isinstance(note, CommentNote):
            if claim is None and _page_note(note.target, versions, site):
                rows[note.n] = Row(
                    note.n,
                    note.id,
                    "page note",
                    "skipped",
                    "Not imported.",
                    PAGE_NOTE,
                )
                continue
            rows[note.n] = _comment_row(note, claim, unplaced, people, report, noted, new_notes)
            continue
        rows[note.n] = _verdict_row(note, claim, unplaced, people, report, judged, replayed)
        if claim is not None:
            judged_claims.add(claim.pk)
    # New claims, verdicts and settlements: their stored status, and that of the claims
    # in other versions that take them as counterparts.
    values = claim_status.refresh({c.pk for c in by_id.values() if c.pk} | judged_claims)
    for new in new_notes:
        new.claim_id = new.claim.pk  # claims created above got their pk after the note
    bulk_create_with_history(new_notes, Note, batch_size=500)
    report.rows = [rows[n] for n in sorted(rows)]
    if report.total_stored:
        # Open pages redraw the claims this file created, judged or settled.
        live.bump(
            story.pk,
            changed=sorted({c.pk for c in by_id.values() if c.pk} | judged_claims | set(values)),
            created=[c.pk for c, _ in created],
        )
    report.record = AnnotationImport.objects.create(
        story=story,
        imported_by=user,
        file_name=prepared.file_name[:255],
        counts=report.counts() | {"format": kind, "annotations": len(report.rows)},
        # A hostile file's words reach the report's reasons (an address, a quote): no NUL.
        rows=validation.storable([asdict(r) for r in report.rows]),
    )
    return report


def _store_counterparts(claims: list[Claim], ranked: dict) -> None:
    """Write the new claims' counterparts ranked beforehand; rank here those that were not
    (words someone else's claim held then, or all of them if the versions changed)."""
    rows, missing = [], []
    for claim in claims:
        fresh = ranked.get((claim.version_id, claim.start, claim.end))
        if fresh is None:
            missing.append(claim.pk)
            continue
        for row in fresh:
            row.claim = claim
            rows.append(row)
    Counterpart.objects.bulk_create(rows, batch_size=500)
    if missing:
        propose_counterparts(Claim.objects.filter(pk__in=missing))


def _claim_for(by_id: dict, target: str, story: Story, site: str) -> Claim | None:
    """The claim an annotation targets: one of the file, or one of this story by its page."""
    if target in by_id:
        return by_id[target]
    own = own_page(target, site)
    if own and own[0] == "claim":
        return Claim.objects.filter(pk=own[1], version__story=story).first()
    return None


def _not_placed(target: str, unplaced: dict) -> str:
    if target in unplaced:
        return f"Its claim (annotation {unplaced[target]}) could not be placed."
    return "Its claim is not in the file or could not be placed."


def _page_note(target: str, versions: list, site: str) -> bool:
    """True if the target is a version's page (here or published), not a claim."""
    own = own_page(target, site)
    if own and own[0] == "version":
        return True
    key = _url_key(target)
    return any(v.url and _url_key(v.url) == key for v in versions)


def _add_note(claim, ann_id, text, tags, creator, created, people, report, noted, new_notes) -> str:
    """Store a comment as a note on the claim; return what happened, in words."""
    try:
        text = validation.claim_note(text)
    except ValidationError as exc:
        return f"Its comment was not kept: {' '.join(exc.messages)}"
    key = (claim.pk or ("new", id(claim)), ann_id)
    if key in noted:
        return "Its comment is already a note on the claim."
    noted.add(key)
    new_notes.append(
        Note(
            claim=claim,
            author=people.resolve(creator),
            text=text,
            tags=list(tags),
            imported_author=people.imported_name(creator),
            imported_created=created,
            source_annotation=ann_id,
        )
    )
    report.notes_created += 1
    return "Its comment is now a note on the claim."


def _comment_row(note: CommentNote, claim, unplaced, people, report, noted, new_notes) -> Row:
    what = f"comment {_quote_preview(note.text)}"
    if claim is None:
        return Row(
            note.n, note.id, what, "skipped", "Not imported.", _not_placed(note.target, unplaced)
        )
    before = report.notes_created
    said = _add_note(
        claim,
        note.id,
        note.text,
        note.tags,
        note.creator,
        note.created,
        people,
        report,
        noted,
        new_notes,
    )
    if report.notes_created == before:
        outcome = "matched" if "already" in said else "skipped"
        return Row(note.n, note.id, what, outcome, said, f"On claim #{claim.number}.")
    return Row(
        note.n,
        note.id,
        what,
        "added",
        f"Note on claim #{claim.number}.",
        "It comments on the claim.",
    )


def _save_as_of(claim: Claim, when: datetime | None, who) -> None:
    """Save the claim with its history record dated ``when`` (now if None), by ``who``."""
    claim._history_date = when or timezone.now()
    claim._history_user = who
    try:
        claim.save()
    finally:
        del claim._history_date, claim._history_user


def _replay(claim: Claim, trail: tuple, people: _People) -> None:
    """Settle and reopen a new claim as its trail says, each at its own date and by its
    editor (the importer if no editor here matches), so the history keeps the trail."""
    for event in trail:
        who = people.resolve(event.creator)
        if not is_editor(who):
            who = people.importer
        if event.action == "settled":
            claim.settled_rating, claim.settled_note = event.rating, event.note
            claim.settled_by, claim.settled_at = who, event.when
        else:
            claim.settled_rating, claim.settled_note = "", ""
            claim.settled_by, claim.settled_at = None, None
        claim.revision += 1
        _save_as_of(claim, event.when, who)


def _verdict_row(note: VerdictNote, claim, unplaced, people, report, judged, replayed) -> Row:
    what = f"{'final verdict' if note.final else 'verdict'} ({SCALE[note.rating].label})"
    if claim is None:
        return Row(
            note.n, note.id, what, "skipped", "Not imported.", _not_placed(note.target, unplaced)
        )
    if note.final and claim.pk in replayed:
        if claim.settled_rating != note.rating:
            return Row(
                note.n,
                note.id,
                what,
                "skipped",
                "Not imported.",
                f"Claim #{claim.number}'s trail in the file ends otherwise; the trail was kept.",
            )
        report.claims_settled += 1
        return Row(
            note.n,
            note.id,
            what,
            "settled",
            f"Claim #{claim.number} settled, with its earlier settlements and reopenings.",
            "An editor's final verdict; the claim's trail in the file gives their dates.",
        )
    if note.final:
        return _settle(claim, note, people, report, what)
    reviewer = people.resolve(note.creator)
    if (claim.pk, reviewer.pk) in judged:
        return Row(
            note.n,
            note.id,
            what,
            "skipped",
            "Not imported.",
            f"{people.name(reviewer)} already has a verdict on claim #{claim.number}; "
            "a reviewer gives one verdict per claim.",
        )
    verdict = Verdict(
        claim=claim,
        reviewer=reviewer,
        rating=note.rating,
        rationale=note.rationale,
        imported_by_name=people.imported_name(note.creator),
        imported_created=note.created,
    )
    # The history dates the verdict when it was given, not when it was imported.
    verdict._history_date = note.created or timezone.now()
    verdict._history_user = reviewer
    verdict.save()
    for source in note.sources:
        Source.objects.create(verdict=verdict, **source)
    judged.add((claim.pk, reviewer.pk))
    report.verdicts_created += 1
    return Row(
        note.n,
        note.id,
        what,
        "created",
        f"Verdict of {people.name(reviewer)} on claim #{claim.number}.",
        "Its creator is a user here."
        if people.match(note.creator)
        else "Attributed to you: no user who can see this story matches its creator.",
    )


def _settle(claim: Claim, note: VerdictNote, people: _People, report: ImportReport, what: str):
    claim.refresh_from_db(fields=["settled_rating", "settled_at", "revision"])
    if claim.is_settled:
        return Row(
            note.n,
            note.id,
            what,
            "skipped",
            "Not imported.",
            f"Claim #{claim.number} is already settled.",
        )
    editor = people.resolve(note.creator)
    if not is_editor(editor):
        editor = people.importer
    claim.settled_rating, claim.settled_note = note.rating, note.rationale
    # Settled when the file says it was, not now: the settlement keeps its own date.
    claim.settled_by, claim.settled_at = editor, note.created or timezone.now()
    claim.revision += 1
    claim.save()
    report.claims_settled += 1
    return Row(
        note.n,
        note.id,
        what,
        "settled",
        f"Claim #{claim.number} settled by {people.name(editor)}.",
        "An editor's final verdict.",
    )
