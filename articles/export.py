"""Exports of a story's claims and verdicts: standalone HTML summary, schema.org ClaimReview,
W3C Web Annotations and CSV.

Pure: functions take a Bundle (see ``export_views.load_bundle``) and return dicts or
strings, or yield the text a piece at a time; nothing here queries the database. The
bundle's ``source`` (``export_data.StorySource``) hands out the story's claims a chunk at a
time, so a streamed export holds one chunk in memory and costs a few queries per chunk.
"""

from __future__ import annotations

import csv
import io
import json
import re
import secrets
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice

from django.template.loader import render_to_string

from articles import export_html
from articles.claim_status import display_rating
from articles.export_html import is_web_url, person_name
from articles.ratings import SCALE, review_rating
from articles.text import anchoring

ANNO_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
ANNO_MEDIA_TYPE = 'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"'
# Extension keys of our own on Web Annotations (undefined prefixes are absolute IRIs in
# JSON-LD, so other tools keep or ignore them). Import reads them back.
EXT = "factcheck:"
GENERATOR = {
    "id": "https://github.com/factcheck/factcheck",
    "type": "Software",
    "name": "factcheck",
}
# Formula injection: spreadsheet programs evaluate cells starting with these.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class Bundle:
    """Everything one export needs: the story, its versions, and where to read the rest.

    ``source`` gives each version's claims as ``dashboard.Entry`` objects a chunk at a time
    (``entries(version, settled=False, detail=True)``: verdicts with reviewer and sources,
    counterparts, ``claim.settlement_trail`` and ``claim.export_notes`` loaded; without
    ``detail``, the counterparts only), their highlights
    (``marks(version)``) and the version's blocks (``blocks(version)``), all in text order.
    ``site`` is the installation's root URL without trailing slash ("https://fc.example").
    """

    story: object
    versions: list
    source: object
    site: str
    summary_url: str
    generated_at: datetime
    # The newsroom's name (FACTCHECK_ORGANISATION); empty if not configured.
    organisation: str = ""
    organisation_url: str = ""
    organisation_logo: str = ""
    # The published fact-check page (absolute URL); empty while the story is not published.
    # ClaimReview markup exists only for a published fact-check: its ``url`` is that page.
    review_url: str = ""
    by_pk: dict = field(init=False)

    def __post_init__(self):
        self.by_pk = {v.pk: v for v in self.versions}

    @property
    def entries(self) -> Iterator:
        """Every claim's entry, version by version, in text order (read once, lazily)."""
        for version in self.versions:
            yield from self.source.entries(version)

    def settled_entries(self, *, detail: bool = True) -> Iterator:
        """The settled claims' entries; without ``detail``, no verdicts, trails or covering
        claims (``export_data.StorySource.entries``)."""
        for version in self.versions:
            yield from self.source.entries(version, settled=True, detail=detail)


# ---------------------------------------------------------------------------- helpers


def claim_anchor(claim) -> str:
    return f"claim-{claim.pk}"


def version_page_url(bundle: Bundle, version) -> str:
    return bundle.site + version.get_absolute_url()


def version_source(bundle: Bundle, version) -> str:
    """The address of a version: its published URL, else its page in this installation."""
    return version.url or version_page_url(bundle, version)


# A pk no claim page's address holds otherwise: where it stands in one address, any claim's
# pk stands in the others (claim_url).
_SOME_PK = 918273645


def claim_url(bundle: Bundle, claim) -> str:
    """The claim's page (``Claim.get_absolute_url``) without a ``reverse`` for each claim:
    the address of one claim, with this claim's pk in its place."""
    around = bundle.__dict__.get("_claim_url")
    if around is None:
        around = str(bundle.site + type(claim)(pk=_SOME_PK).get_absolute_url()).split(str(_SOME_PK))
        bundle._claim_url = around
    if len(around) != 2:
        return bundle.site + claim.get_absolute_url()
    return f"{around[0]}{claim.pk}{around[1]}"


def _iso(dt: datetime | None) -> str | None:
    if dt is None:
        return None
    return dt.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def rating_key(entry) -> str:
    """A claim's rating for the counts: final or agreed rating, else contested or unrated."""
    return entry.claim.display_rating or ("contested" if entry.status == "contested" else "unrated")


# ---------------------------------------------------------------------------- HTML summary


def mark_view(mark) -> dict:
    """A claim's highlight in the summary's text: its number, status and shown rating."""
    shown = display_rating(mark.settled_rating, mark.ratings)
    status = "settled" if mark.settled else "contested" if mark.contest_codes else "open"
    return {
        "pk": mark.pk,
        "anchor": f"claim-{mark.pk}",
        "number": mark.number,
        "status": status,
        "rating": shown or "",
        "code": SCALE[shown].code if shown else "",
    }


@dataclass
class Tally:
    """The summary's counts, from every claim's highlight: one pass, nothing kept."""

    per_version: Counter = field(default_factory=Counter)  # version pk -> claims
    table: Counter = field(default_factory=Counter)  # (version pk, rating key) -> claims
    statuses: Counter = field(default_factory=Counter)  # settled / contested / open

    @property
    def total(self) -> int:
        return sum(self.per_version.values())


def tally(bundle: Bundle) -> Tally:
    counts = Tally()
    for version in bundle.versions:
        for mark in bundle.source.marks(version):
            view = mark_view(mark)
            key = view["rating"] or ("contested" if view["status"] == "contested" else "unrated")
            counts.per_version[version.pk] += 1
            counts.table[version.pk, key] += 1
            counts.statuses[view["status"]] += 1
    return counts


def verdict_table(bundle: Bundle, counts: Tally) -> dict:
    """Rows of (label, code, key, counts per version, total) for the summary table.

    A claim counts once: its final or agreed rating, else contested or unrated.
    """
    keys = [(s.rating, s.label, s.code) for s in SCALE.values()] + [
        ("contested", "Contested, no agreed verdict", ""),
        ("unrated", "Not yet reviewed", ""),
    ]
    rows = []
    for key, label, code in keys:
        per_version = [counts.table.get((v.pk, key), 0) for v in bundle.versions]
        rows.append(
            {
                "key": key,
                "label": label,
                "code": code,
                "counts": per_version,
                "total": sum(per_version),
            }
        )
    totals = [counts.per_version.get(v.pk, 0) for v in bundle.versions]
    return {"rows": rows, "totals": totals, "total": counts.total}


# Claims and blocks written per piece of the summary's stream.
RENDER_CLAIMS = 100
RENDER_BLOCKS = 200


def _chunked(items: Iterable, size: int) -> Iterator[list]:
    items = iter(items)
    while batch := list(islice(items, size)):
        yield batch


def _text_parts(bundle: Bundle, version) -> Iterator[str]:
    """The version's text element's content: its blocks cut into pieces, each with the
    claims covering it, RENDER_BLOCKS blocks per part.

    Each block carries the stored text before it (the blank line between blocks), and the
    text after the last block ends it, so that the summary's text element holds the stored
    text character for character, as the reading view does. Only the claims over the
    current block are held.
    """
    views: dict[int, dict] = {}  # the claims over the current block, each shown once
    started: set[int] = set()  # of those, whose number was shown already
    blocks = ((b.start, b.end, b) for b in bundle.source.blocks(version))
    spans = ((m.start, m.end, m) for m in bundle.source.marks(version))
    text = version.text
    position = 0
    batch, count = [], 0
    for block, pieces in anchoring.pieces_streamed(blocks, spans):
        batch.append(export_html.block_open(block.kind, text[position : block.start]))
        for piece in pieces:
            words = text[piece.start : piece.end]
            if not piece.keys:
                batch.append(export_html.h(words))
                continue
            for mark in piece.keys:
                if mark.pk not in views:
                    views[mark.pk] = mark_view(mark)
            for mark in piece.keys:
                if mark.pk not in started:
                    batch.append(export_html.number_link(views[mark.pk]))
                    started.add(mark.pk)
            inner = views[piece.keys[-1].pk]
            batch.append(export_html.highlight(inner, len(piece.keys), words))
        batch.append("</p>")
        position = block.end
        # A claim ending before this block's end covers no later block.
        views = {pk: v for pk, v in views.items() if pk in _over(pieces, block.end)}
        started &= views.keys()
        count += 1
        if count >= RENDER_BLOCKS:
            yield "".join(batch)
            batch, count = [], 0
    if batch:
        yield "".join(batch)
    yield export_html.h(text[position:])


def _over(pieces, end: int) -> set[int]:
    """The claims of the block's last piece that reach its end (they may go on)."""
    if not pieces or pieces[-1].end != end:
        return set()
    return {m.pk for m in pieces[-1].keys if m.end > end}


def _claim_parts(bundle: Bundle, version) -> Iterator[str]:
    """The version's claim entries, RENDER_CLAIMS per part."""
    for batch in _chunked(bundle.source.entries(version), RENDER_CLAIMS):
        dates = export_html.Dates()
        yield "".join(export_html.claim_entry(entry, bundle.by_pk, dates) for entry in batch)


def summary_parts(bundle: Bundle) -> Iterator[str]:
    """The standalone HTML summary a piece at a time: inline CSS, no scripts, no external
    requests.

    The page's frame (``summary.html``) is rendered once with the counts, and a marker
    where each long part goes (the ClaimReview data, each version's claims and text);
    those are then rendered a chunk at a time in place of their markers.
    """
    counts = tally(bundle)
    token = secrets.token_hex(12)

    def slot(name: str) -> str:
        return f"{token}{name}{token}"

    has_reviews = bool(bundle.review_url and bundle.organisation and counts.statuses["settled"])
    slots = {"jsonld": lambda: _json_ld_parts(bundle)}
    by_version = []
    for i, v in enumerate(bundle.versions):
        slots[f"claims{i}"] = lambda v=v: _claim_parts(bundle, v)
        slots[f"text{i}"] = lambda v=v: _text_parts(bundle, v)
        by_version.append(
            {
                "version": v,
                "count": counts.per_version.get(v.pk, 0),
                "claims_slot": slot(f"claims{i}"),
                "text_slot": slot(f"text{i}"),
                "source": version_source(bundle, v),
                "linkable": is_web_url(v.url),
            }
        )
    context = {
        "story": bundle.story,
        "versions": by_version,
        "summary": {
            "claims": counts.total,
            "contested": counts.statuses["contested"],
            "settled": counts.statuses["settled"],
            "open": counts.statuses["open"],
        },
        "table": verdict_table(bundle, counts),
        "scale": list(SCALE.values()),
        "generated_at": bundle.generated_at,
        "summary_url": bundle.summary_url,
        "organisation": bundle.organisation,
        "json_ld": slot("jsonld") if has_reviews else "",
        "has_claims": bool(counts.total),
    }
    frame = render_to_string("articles/export/summary.html", context)
    parts = re.split(f"{token}(\\w+?){token}", frame)
    yield parts[0]
    for name, text in zip(parts[1::2], parts[2::2], strict=True):
        yield from slots[name]()
        yield text


def _json_ld_parts(bundle: Bundle) -> Iterator[str]:
    # "</" cannot close the data block: escape it inside the JSON strings.
    for part in json_array_parts(claim_reviews(bundle), indent=1):
        yield _script_safe(part)


def summary_html(bundle: Bundle) -> str:
    """Return the standalone HTML summary whole (``summary_parts`` joined)."""
    return "".join(summary_parts(bundle))


def json_array_parts(items: Iterable[dict], indent: int) -> Iterator[str]:
    """``json.dumps(list(items), ensure_ascii=False, indent=indent)`` an item at a time."""
    pad = " " * indent
    first = True
    for item in items:
        text = json.dumps(item, ensure_ascii=False, indent=indent).replace("\n", "\n" + pad)
        yield ("[\n" if first else ",\n") + pad + text
        first = False
    yield "[]" if first else "\n]"


def _script_safe(data: str) -> str:
    return data.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


# ---------------------------------------------------------------------------- ClaimReview


def _appearance(bundle: Bundle, version) -> dict:
    work = {"@type": "CreativeWork", "url": version_source(bundle, version), "name": version.label}
    if version.published_on:
        work["datePublished"] = version.published_on.isoformat()
    if version.outlet:
        work["publisher"] = {"@type": "Organization", "name": version.outlet}
    if version.byline:
        work["author"] = {"@type": "Person", "name": version.byline}
    return work


@dataclass(frozen=True)
class Wording:
    """How another version states a claim: its words and the facts that differ."""

    version: object
    exact: str
    facts: tuple[str, ...]
    confirmed: bool


def wordings(bundle: Bundle, entry) -> tuple[list, list[Wording]]:
    """The other versions that state the claim the same way, and those that state it
    differently.

    The same way: a counterpart a reviewer confirmed, with no fact difference. Differently:
    a counterpart (confirmed, or proposed as a strong match) with fact differences. Versions
    without the claim, or whose counterpart nobody confirmed, are in neither list: a
    ClaimReview must not attribute the claim to an outlet on a guess.
    """
    same, different = [], []
    for cp, _ in entry.counterparts:
        if not cp.chosen:
            continue
        version = bundle.by_pk.get(cp.version_id, cp.version)
        facts = tuple(d.get("text", "") for d in cp.fact_diffs if d.get("text"))
        confirmed = cp.status == "confirmed"
        if cp.fact_diffs:
            different.append(Wording(version, cp.exact, facts, confirmed))
        elif confirmed:
            same.append(version)
    return same, different


def version_name(version) -> str:
    return f"{version.outlet} ({version.label})" if version.outlet else version.label


def review_body(bundle: Bundle, entry) -> str:
    """The review's text: the editor's note, then every version that states it differently."""
    parts = [entry.claim.settled_note.strip()] if entry.claim.settled_note.strip() else []
    for wording in wordings(bundle, entry)[1]:
        line = f"{version_name(wording.version)} states this differently: “{wording.exact}”"
        if wording.facts:
            line += f" ({'; '.join(wording.facts)})"
        parts.append(line + ".")
    return "\n\n".join(parts)


def organisation_node(bundle: Bundle) -> dict:
    node = {"@type": "Organization", "name": bundle.organisation}
    if bundle.organisation_url:
        node["url"] = bundle.organisation_url
    if bundle.organisation_logo:
        logo = bundle.organisation_logo
        node["logo"] = logo if is_web_url(logo) else bundle.site + logo
    return node


def claim_review(bundle: Bundle, entry, rating: str, reviewed_at: datetime | None) -> dict:
    """Return one schema.org ClaimReview (Google fact-check markup) for a rated claim.

    Needs ``bundle.review_url`` (the published page) and ``bundle.organisation``.
    ``itemReviewed.appearance`` lists the claim's own version and the versions that state
    it the same way (``wordings``); the others are named in ``reviewBody``.
    """
    claim = entry.claim
    version = bundle.by_pk[claim.version_id]
    shown_in = [version, *wordings(bundle, entry)[0]]
    order = {v.pk: i for i, v in enumerate(bundle.versions)}
    earliest = sorted(
        shown_in,
        key=lambda v: (v.published_on is None, v.published_on or 0, order.get(v.pk, 0)),
    )
    item = {
        "@type": "Claim",
        "appearance": [_appearance(bundle, v) for v in shown_in],
        "firstAppearance": _appearance(bundle, earliest[0]),
    }
    if version.outlet:
        item["author"] = {"@type": "Organization", "name": version.outlet}
    elif version.byline:
        item["author"] = {"@type": "Person", "name": version.byline}
    if version.published_on:
        item["datePublished"] = version.published_on.isoformat()
    review = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": f"{bundle.review_url}#{claim_anchor(claim)}",
        "claimReviewed": claim.exact,
        "itemReviewed": item,
        "author": organisation_node(bundle),
        "reviewRating": review_rating(rating),
    }
    if body := review_body(bundle, entry):
        review["reviewBody"] = body
    if reviewed_at:
        review["datePublished"] = reviewed_at.date().isoformat()
    return review


def iter_claim_reviews(bundle: Bundle) -> Iterator[dict]:
    """ClaimReviews of the settled claims: what the published page shows, and nothing more.

    None until the story is published with an organisation named: a ClaimReview's url must
    be a public page, and its author the newsroom. Read a chunk of claims at a time.
    """
    if not bundle.review_url or not bundle.organisation:
        return
    for entry in bundle.settled_entries(detail=False):
        yield claim_review(bundle, entry, entry.claim.settled_rating, entry.claim.settled_at)


def claim_reviews(bundle: Bundle) -> list[dict]:
    return list(iter_claim_reviews(bundle))


def claim_reviews_parts(bundle: Bundle) -> Iterator[str]:
    """The ClaimReview JSON array a review at a time."""
    return json_array_parts(iter_claim_reviews(bundle), indent=2)


def claim_reviews_json(bundle: Bundle) -> str:
    return "".join(claim_reviews_parts(bundle))


# ---------------------------------------------------------------------------- Web Annotation


def _agent(user) -> dict:
    agent = {"type": "Person", "name": person_name(user)}
    if user is not None:
        agent["nickname"] = user.get_username()
    return agent


def text_element_selector(version) -> dict:
    """The W3C CssSelector of a version's text element, in the reading view and the summary.

    Both pages give the element ``data-version-text="<pk>"``; its text is the stored text
    verbatim (``articles/reading.py``), so text selectors refining it use stored offsets.
    """
    return {"type": "CssSelector", "value": f'[data-version-text="{version.pk}"]'}


def claim_target(bundle: Bundle, claim) -> dict:
    """A claim's target: the quoted words of its version's reading-view page.

    Three alternative selectors of one SpecificResource, each anchoring the same words:
    a TextQuoteSelector for the whole page (for tools without refinements; its prefix and
    suffix grow until the quote occurs once in the version and, short of passages the
    versions share word for word, in no other version: ``anchoring.describe_unique``), and
    the text element (CssSelector) refined by the same TextQuoteSelector and by a
    TextPositionSelector (code points into the stored text).
    """
    version = bundle.by_pk[claim.version_id]
    others = [v.text for v in bundle.versions if v.pk != version.pk]
    quote = anchoring.describe_unique(
        version.text, anchoring.Span(claim.start, claim.end), others=others
    )
    quote_selector = {
        "type": "TextQuoteSelector",
        "exact": quote.exact,
        "prefix": quote.prefix,
        "suffix": quote.suffix,
    }
    position = {"type": "TextPositionSelector", "start": claim.start, "end": claim.end}
    target = {
        "type": "SpecificResource",
        "source": version_page_url(bundle, version),
        "selector": [
            quote_selector,
            {**text_element_selector(version), "refinedBy": quote_selector},
            {**text_element_selector(version), "refinedBy": position},
        ],
        EXT + "version": version.label,
        EXT + "textSha256": version.text_sha256,
    }
    if version.url:
        target[EXT + "publishedUrl"] = version.url
    return target


def claim_annotation(bundle: Bundle, claim) -> dict:
    """A claim as a W3C Web Annotation: the quoted words of the version, highlighted."""
    return {
        "@context": ANNO_CONTEXT,
        "id": claim_url(bundle, claim),
        "type": "Annotation",
        "motivation": "highlighting",
        "creator": _agent(claim.created_by),
        "created": _iso(claim.created_at),
        "modified": _iso(claim.updated_at),
        "body": {
            "type": "TextualBody",
            "purpose": "tagging",
            "value": "claim",
            "format": "text/plain",
        },
        "target": claim_target(bundle, claim),
        EXT + "number": claim.number,
    }


def _rating_body(rating: str) -> dict:
    step = SCALE[rating]
    return {
        "type": "TextualBody",
        "purpose": "classifying",
        "value": f"{step.label} ({step.code})",
        "format": "text/plain",
        EXT + "rating": rating,
    }


def _source_body(source) -> dict:
    body = {"type": "SpecificResource", "source": source.url, "purpose": "linking"}
    body[EXT + "stance"] = source.stance
    for name in ("title", "publisher", "quote"):
        if getattr(source, name):
            body[EXT + name] = getattr(source, name)
    return body


def verdict_annotation(bundle: Bundle, verdict) -> dict:
    """A reviewer's verdict: motivation "assessing", the rationale and the rating as bodies,
    each source a linking body; the target is the claim annotation."""
    claim = verdict.claim
    bodies = [
        {
            "type": "TextualBody",
            "purpose": "assessing",
            "value": verdict.rationale,
            "format": "text/plain",
        },
        _rating_body(verdict.rating),
        *(_source_body(s) for s in verdict.sources.all()),
    ]
    return {
        "@context": ANNO_CONTEXT,
        "id": f"{claim_url(bundle, claim)}#verdict-{verdict.pk}",
        "type": "Annotation",
        "motivation": "assessing",
        "creator": _agent(verdict.reviewer),
        "created": _iso(verdict.created_at),
        "modified": _iso(verdict.updated_at),
        "body": bodies,
        "target": claim_url(bundle, claim),
        EXT + "rating": verdict.rating,
    }


def final_annotation(bundle: Bundle, claim) -> dict:
    """The editor's final verdict on a settled claim, marked ``factcheck:final``."""
    return {
        "@context": ANNO_CONTEXT,
        "id": f"{claim_url(bundle, claim)}#final",
        "type": "Annotation",
        "motivation": "assessing",
        "creator": _agent(claim.settled_by),
        "created": _iso(claim.settled_at),
        "body": [
            {
                "type": "TextualBody",
                "purpose": "assessing",
                "value": claim.settled_note,
                "format": "text/plain",
            },
            _rating_body(claim.settled_rating),
        ],
        "target": claim_url(bundle, claim),
        EXT + "rating": claim.settled_rating,
        EXT + "final": True,
    }


def _tag_body(tag: str) -> dict:
    return {"type": "TextualBody", "purpose": "tagging", "value": tag, "format": "text/plain"}


def with_tags(annotation: dict, claim) -> dict:
    """A claim annotation with the claim's tags (from other tools) as tagging bodies."""
    tags = getattr(claim, "tags", None) or []
    if tags:
        annotation["body"] = [*_as_bodies(annotation.get("body")), *map(_tag_body, tags)]
    return annotation


def _as_bodies(body) -> list:
    if body is None:
        return []
    return body if isinstance(body, list) else [body]


def with_trail(bundle: Bundle, annotation: dict, claim) -> dict:
    """A claim annotation with its settlements and reopenings, oldest first
    (``factcheck:trail``), so that an import keeps them with their dates."""
    events = getattr(claim, "settlement_trail", [])
    if events:
        annotation[EXT + "trail"] = [
            {
                "action": e["action"],
                "creator": _agent(e["who"]),
                "created": _iso(e["when"]),
                EXT + "rating": e["rating"] or None,
                EXT + "note": e["note"] or "",
            }
            for e in events
        ]
    return annotation


def note_annotation(bundle: Bundle, claim, note) -> dict:
    """A note on a claim: motivation "commenting", its text a commenting body, targeting the
    claim's annotation. An imported note names its original writer and time."""
    if note.imported_author:
        creator = {"type": "Person", "name": note.imported_author}
    else:
        creator = _agent(note.author)
    return {
        "@context": ANNO_CONTEXT,
        "id": f"{claim_url(bundle, claim)}#note-{note.pk}",
        "type": "Annotation",
        "motivation": "commenting",
        "creator": creator,
        "created": _iso(note.imported_created or note.created_at),
        "body": [
            {
                "type": "TextualBody",
                "purpose": "commenting",
                "value": note.text,
                "format": "text/plain",
            },
            *map(_tag_body, note.tags or []),
        ],
        "target": claim_url(bundle, claim),
    }


def note_annotations(bundle: Bundle, claim) -> list[dict]:
    return [note_annotation(bundle, claim, n) for n in getattr(claim, "export_notes", [])]


def annotation_items(bundle: Bundle) -> Iterator[dict]:
    """Each claim, its notes, its verdicts and its final verdict as annotations, in order."""
    for entry in bundle.entries:
        claim = entry.claim
        yield with_trail(bundle, with_tags(claim_annotation(bundle, claim), claim), claim)
        yield from note_annotations(bundle, claim)
        for verdict in claim.verdicts.all():
            verdict.claim = claim  # prefetched verdicts: no query for the back reference
            yield verdict_annotation(bundle, verdict)
        if claim.is_settled:
            yield final_annotation(bundle, claim)


def _collection(bundle: Bundle, collection_id: str, total: int, items) -> dict:
    page_id = f"{collection_id}#page-1"
    collection = {
        "@context": ANNO_CONTEXT,
        "id": collection_id,
        "type": "AnnotationCollection",
        "label": f"{bundle.story.title}: claims, notes and verdicts",
        "total": total,
        "generator": GENERATOR,
        "generated": _iso(bundle.generated_at),
    }
    if total:
        collection["first"] = {
            "id": page_id,
            "type": "AnnotationPage",
            "partOf": {"id": collection_id, "total": total},
            "startIndex": 0,
            "items": items,
        }
        collection["last"] = page_id
    return collection


def annotation_collection(bundle: Bundle, collection_id: str) -> dict:
    """The story's claims and verdicts as an AnnotationCollection with one embedded page."""
    items = list(annotation_items(bundle))
    return _collection(bundle, collection_id, len(items), items)


def annotations_parts(bundle: Bundle, collection_id: str, total: int) -> Iterator[str]:
    """``annotations_json`` a piece at a time, its ``total`` counted beforehand
    (``export_data.StorySource.annotation_total``): the items are written as they are read.
    """
    marker = "factcheck-items-" + secrets.token_hex(12)
    frame = json.dumps(
        _collection(bundle, collection_id, total, [marker]), ensure_ascii=False, indent=2
    )
    if not total:
        yield frame
        return
    head, tail = frame.split(f'"{marker}"')
    pad = head.rsplit("\n", 1)[1]
    first = True
    for item in annotation_items(bundle):
        text = json.dumps(item, ensure_ascii=False, indent=2).replace("\n", "\n" + pad)
        yield (head if first else ",\n" + pad) + text
        first = False
    if first:  # nothing after all (the story changed since it was counted)
        yield head.rstrip() + tail.lstrip()
        return
    yield tail


def annotations_json(bundle: Bundle, collection_id: str) -> str:
    return json.dumps(annotation_collection(bundle, collection_id), ensure_ascii=False, indent=2)


# ---------------------------------------------------------------------------- CSV

CSV_COLUMNS = [
    "story",
    "version",
    "claim_number",
    "claim_url",
    "status",
    "contested_because",
    "quote",
    "start",
    "end",
    "counterpart_version",
    "counterpart_quote",
    "fact_differences",
    "reviewer",
    "rating",
    "rating_code",
    "rationale",
    "sources",
    "verdict_updated",
    "final_rating",
    "final_code",
    "final_note",
    "settled_by",
    "settled_at",
]


def csv_cell(value) -> str | int:
    """Neutralise spreadsheet formulas: text starting with = + - @ (or tab, CR) gets a quote."""
    if value is None:
        return ""
    if isinstance(value, int):
        return value
    value = str(value)
    if value.startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_rows(bundle: Bundle):
    """One row per verdict; claims without verdicts get one row with empty verdict cells."""
    for entry in bundle.entries:
        claim = entry.claim
        version = bundle.by_pk[claim.version_id]
        counterparts = [
            (bundle.by_pk.get(cp.version_id, cp.version), cp) for cp, _ in entry.counterparts
        ]
        final = SCALE.get(claim.settled_rating)
        common = {
            "story": bundle.story.title,
            "version": version.label,
            "claim_number": claim.number,
            "claim_url": claim_url(bundle, claim),
            "status": entry.status,
            "contested_because": "; ".join(label for _, label in entry.reason_labels),
            "quote": claim.exact,
            "start": claim.start,
            "end": claim.end,
            "counterpart_version": "; ".join(v.label for v, _ in counterparts),
            "counterpart_quote": "\n".join(
                "(not present)" if cp.absent else cp.exact for _, cp in counterparts
            ),
            "fact_differences": "; ".join(entry.fact_diffs),
            "final_rating": final.label if final else "",
            "final_code": final.code if final else "",
            "final_note": claim.settled_note,
            "settled_by": person_name(claim.settled_by),
            "settled_at": _iso(claim.settled_at) or "",
        }
        verdicts = list(claim.verdicts.all())
        if not verdicts:
            yield common
        for verdict in verdicts:
            step = SCALE[verdict.rating]
            yield {
                **common,
                "reviewer": person_name(verdict.reviewer),
                "rating": step.label,
                "rating_code": step.code,
                "rationale": verdict.rationale,
                "sources": "\n".join(s.url for s in verdict.sources.all()),
                "verdict_updated": _iso(verdict.updated_at),
            }


def claims_csv(bundle: Bundle) -> str:
    """Return the CSV text (no BOM; the view adds one for spreadsheet programs)."""
    return "".join(csv_lines(bundle))


def csv_lines(bundle: Bundle):
    """The CSV text a piece at a time (the header, then every row), for a streamed answer."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, restval="", lineterminator="\r\n")
    writer.writeheader()
    for row in csv_rows(bundle):
        writer.writerow({k: csv_cell(v) for k, v in row.items()})
        if out.tell() > 64 * 1024:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()


# ---------------------------------------------------------------------------- published page


def _sources_of(claim) -> list[dict]:
    """The sources the reviewers cited for a claim, each address once."""
    seen, result = set(), []
    for verdict in claim.verdicts.all():
        for s in verdict.sources.all():
            if s.url in seen:
                continue
            seen.add(s.url)
            result.append(
                {
                    "url": s.url,
                    "linkable": is_web_url(s.url),
                    "title": s.title,
                    "publisher": s.publisher,
                }
            )
    return result


def published_page(bundle: Bundle) -> dict:
    """The template context of the public fact-check page: settled claims only.

    Reviewers' names, rationales and open or contested claims stay inside the newsroom;
    the page shows each settled claim's final verdict, the editor's note, how the other
    versions state it, and the sources cited.
    """
    claims, reviews, counts, updated_at = [], [], Counter(), None
    publish = bool(bundle.review_url and bundle.organisation)
    for entry in bundle.settled_entries():
        claim = entry.claim
        counts[claim.settled_rating] += 1
        updated_at = max(updated_at or claim.settled_at, claim.settled_at)
        if publish:
            reviews.append(claim_review(bundle, entry, claim.settled_rating, claim.settled_at))
        same, different = wordings(bundle, entry)
        step = SCALE[claim.settled_rating]
        claims.append(
            {
                "anchor": claim_anchor(claim),
                "exact": claim.exact,
                "version": bundle.by_pk[claim.version_id],
                "rating": claim.settled_rating,
                "label": step.label,
                "code": step.code,
                "note": claim.settled_note,
                "settled_at": claim.settled_at,
                "same": same,
                "different": different,
                "missing": [
                    bundle.by_pk.get(cp.version_id, cp.version)
                    for cp, _ in entry.counterparts
                    if cp.absent
                ],
                "sources": _sources_of(claim),
            }
        )
    logo = bundle.organisation_logo
    return {
        "story": bundle.story,
        "versions": [
            {"version": v, "source": v.url, "linkable": is_web_url(v.url)} for v in bundle.versions
        ],
        "claims": claims,
        "tally": [
            {"rating": s.rating, "label": s.label, "code": s.code, "count": counts[s.rating]}
            for s in SCALE.values()
            if counts[s.rating]
        ],
        "updated_at": updated_at,
        "organisation": bundle.organisation,
        "organisation_url": bundle.organisation_url,
        # Only a logo served by this site is shown: the page loads nothing from elsewhere.
        "organisation_logo": logo if logo.startswith("/") and not logo.startswith("//") else "",
        "page_url": bundle.review_url,
        "json_ld": _script_safe(json.dumps(reviews, ensure_ascii=False, indent=1)),
    }
