"""Import W3C Web Annotations (claims and verdicts) into a story: read, validate, re-anchor.

The file is what ``export.annotation_collection`` writes, or any Web Annotation JSON-LD
(an Annotation, a list of them, an AnnotationPage, or an AnnotationCollection whose pages
are embedded), for example from Hypothesis.

- A claim is an annotation whose target selects text with a TextQuoteSelector. It is
  re-anchored by quote (``anchoring.match_quote`` with prefix/suffix, the
  TextPositionSelector start as a hint) in the version its target names: the version whose
  text has the ``factcheck:textSha256`` given, else whose URL is the target's ``source``,
  else whose label is ``factcheck:version``, else the first version containing the quote.
- A verdict is an annotation with motivation "assessing" whose target is a claim annotation
  of the same file; its rating is ``factcheck:rating`` (or a classifying body naming a
  label or code on the scale), its rationale the assessing TextualBody, its sources the
  linking bodies. ``factcheck:final`` marks an editor's final verdict, which settles the claim.
- Who: a verdict is attributed to the user who can see the story and whose username is the
  creator's ``nickname``, else whose full name (or username) is the creator's ``name`` if
  exactly one matches; otherwise to the importing editor. The same goes for claims' authors.
  A final verdict is attributed to the matched user only if they are an editor.

All or nothing for a broken file: too large, not UTF-8 JSON, not Web Annotation, or any
annotation malformed (InvalidFile lists every problem; nothing is stored). Well-formed
annotations that cannot be placed (words not in the version, no text selector, a claim
already judged by the same reviewer...) are skipped and reported; the rest is stored in
one transaction.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from articles import claim_status, validation
from articles.models import EDITORS_GROUP, Claim, Source, Story, Verdict, is_editor
from articles.ratings import SCALE
from articles.text import anchoring

MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_ANNOTATIONS = 20_000
MAX_RATIONALE = validation.MAX_RATIONALE
ANNO_CONTEXTS = {"http://www.w3.org/ns/anno.jsonld", "https://www.w3.org/ns/anno.jsonld"}
EXT = "factcheck:"


class InvalidFile(ValueError):
    """The file cannot be imported at all; ``errors`` says why, one line each."""

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class Agent:
    name: str = ""
    nickname: str = ""


@dataclass(frozen=True)
class ClaimNote:
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


@dataclass(frozen=True)
class VerdictNote:
    id: str
    target: str
    rating: str
    rationale: str
    sources: tuple
    creator: Agent
    final: bool


@dataclass(frozen=True)
class Skipped:
    id: str
    what: str
    reason: str


@dataclass
class ImportReport:
    claims_created: int = 0
    claims_matched: int = 0
    verdicts_created: int = 0
    claims_settled: int = 0
    skipped: list[Skipped] = field(default_factory=list)

    @property
    def total_stored(self) -> int:
        return self.claims_created + self.verdicts_created + self.claims_settled


# ---------------------------------------------------------------------------- reading


def _as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _types(obj) -> set:
    return {t for t in _as_list(obj.get("type") or obj.get("@type")) if isinstance(t, str)}


def _has_anno_context(obj) -> bool:
    return any(c in ANNO_CONTEXTS for c in _as_list(obj.get("@context")) if isinstance(c, str))


def read_items(data: bytes) -> list:
    """Return the annotations in a file's bytes. Raises InvalidFile for a file that is too
    large, not UTF-8 JSON, or not Web Annotation JSON-LD."""
    if len(data) > MAX_IMPORT_BYTES:
        raise InvalidFile(
            [f"The file is {len(data):,} bytes; the limit is {MAX_IMPORT_BYTES:,} bytes (5 MB)."]
        )
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise InvalidFile(["The file is not UTF-8 text; is it a binary file?"]) from None
    except json.JSONDecodeError as exc:
        raise InvalidFile([f"The file is not JSON ({exc.msg} at line {exc.lineno})."]) from None
    except RecursionError:
        # json.loads recurses once per nested array or object; no annotation nests deeply.
        raise InvalidFile(["The file's JSON is nested too deeply to be annotations."]) from None
    not_anno = (
        "This is JSON but not a Web Annotation file: expected an Annotation, AnnotationPage "
        'or AnnotationCollection with "@context": "http://www.w3.org/ns/anno.jsonld".'
    )
    if isinstance(doc, list):
        items = doc
        if not all(isinstance(i, dict) and _has_anno_context(i) for i in items):
            raise InvalidFile([not_anno])
    elif isinstance(doc, dict) and _has_anno_context(doc):
        types = _types(doc)
        if "AnnotationCollection" in types:
            items = _collection_items(doc)
        elif "AnnotationPage" in types:
            items = _page_items(doc)
        elif "Annotation" in types:
            items = [doc]
        else:
            raise InvalidFile([not_anno])
    else:
        raise InvalidFile([not_anno])
    if len(items) > MAX_ANNOTATIONS:
        raise InvalidFile(
            [f"The file holds {len(items):,} annotations; the limit is {MAX_ANNOTATIONS:,}."]
        )
    return items


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


def _agent(value) -> Agent:
    agent = _as_list(value)[0] if _as_list(value) else None
    if isinstance(agent, dict):
        name = agent.get("name")
        nick = agent.get("nickname")
        return Agent(
            name=name if isinstance(name, str) else "",
            nickname=nick if isinstance(nick, str) else "",
        )
    return Agent()


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


def parse(items: list) -> tuple[list[ClaimNote], list[VerdictNote], list[Skipped]]:
    """Split annotations into claims and verdicts; skip those that are neither.

    Raises InvalidFile listing every malformed annotation (missing id, type or target,
    a verdict without a rating on the scale, a selector with wrong types, ...).
    """
    errors: list[str] = []
    claims, verdicts, skipped = [], [], []
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
            verdicts.append(
                VerdictNote(
                    id=ann_id,
                    target=target,
                    rating=rating,
                    rationale=_rationale(ann, label, errors),
                    sources=() if final else _sources(ann, label, errors),
                    creator=_agent(ann.get("creator")),
                    final=final,
                )
            )
            continue
        if found is None:
            skipped.append(
                Skipped(
                    ann_id,
                    "annotation",
                    "It does not select words of a text (no TextQuoteSelector), so it is neither a claim nor a verdict.",
                )
            )
            continue
        target, quote, position = found
        before = len(errors)
        exact = _text(quote.get("exact"), f"{label}: exact", 10**6, errors)
        prefix = _text(quote.get("prefix"), f"{label}: prefix", 10**6, errors)
        suffix = _text(quote.get("suffix"), f"{label}: suffix", 10**6, errors)
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
            skipped.append(Skipped(ann_id, "claim", "The quoted words are empty."))
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
                creator=_agent(ann.get("creator")),
            )
        )
    if errors:
        raise InvalidFile(errors)
    return claims, verdicts, skipped


# ---------------------------------------------------------------------------- placing


def _quote_preview(text: str) -> str:
    text = " ".join(text.split())
    return f"“{text[:80]}…”" if len(text) > 80 else f"“{text}”"


def place(note: ClaimNote, versions: list):
    """Return (version, span) for a claim note, or (None, reason) if it cannot be placed."""
    chosen = next(
        (v for v in versions if note.text_sha256 and v.text_sha256 == note.text_sha256), None
    )
    chosen = chosen or next((v for v in versions if v.url and v.url == note.source), None)
    chosen = chosen or next(
        (v for v in versions if note.version_label and v.label == note.version_label), None
    )
    candidates = [chosen] if chosen else versions
    for version in candidates:
        span = anchoring.match_quote(version.text, note.exact, note.prefix, note.suffix, note.start)
        if span is not None:
            return version, span
    if chosen:
        return (
            None,
            f"The words are not in “{chosen.label}”: its text differs from the annotated one.",
        )
    return None, (
        f"Its source ({note.source[:120]}) is not a version of this story, and no version "
        "contains the words."
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

    def resolve(self, agent: Agent):
        if agent.nickname and agent.nickname in self.by_username:
            return self.by_username[agent.nickname]
        matches = self.by_name.get(agent.name.casefold(), set()) if agent.name else set()
        return next(iter(matches)) if len(matches) == 1 else self.importer


# ---------------------------------------------------------------------------- import


def annotations_import(*, story: Story, user, data: bytes) -> ImportReport:
    """Import a Web Annotation file's claims and verdicts into a story, in one transaction.

    Raises InvalidFile (nothing stored) for a file that cannot be read or holds a malformed
    annotation; returns a report of what was stored and what was skipped, and why.
    """
    from articles.comparison import propose_counterparts  # comparison imports models too

    claim_notes, verdict_notes, skipped = parse(read_items(data))
    report = ImportReport(skipped=list(skipped))
    with transaction.atomic():
        # The story row lock serialises claim numbering with concurrent claim_create calls.
        Story.objects.select_for_update().filter(pk=story.pk).first()
        versions = list(story.versions.all())
        if not versions and (claim_notes or verdict_notes):
            raise InvalidFile(["The story has no versions yet: import the versions' texts first."])
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
        by_id: dict[str, Claim] = {}
        created = []
        touched: set[int] = set()
        for note in claim_notes:
            version, span = place(note, versions)
            if version is None:
                report.skipped.append(Skipped(note.id, f"claim {_quote_preview(note.exact)}", span))
                continue
            if span.end - span.start > anchoring.MAX_CLAIM_CHARS:
                report.skipped.append(
                    Skipped(
                        note.id,
                        f"claim {_quote_preview(note.exact)}",
                        f"A claim can be at most {anchoring.MAX_CLAIM_CHARS:,} characters long.",
                    )
                )
                continue
            key = (version.pk, span.start, span.end)
            if key in existing:
                by_id[note.id] = existing[key]
                report.claims_matched += 1
                continue
            number = note.number
            if number is None or (version.pk, number) in taken:
                number = numbers.get(version.pk, 0) + 1
            taken.add((version.pk, number))
            numbers[version.pk] = max(numbers.get(version.pk, 0), number)
            quote = anchoring.describe(version.text, span)
            claim = Claim.objects.create(
                version=version,
                number=number,
                start=span.start,
                end=span.end,
                exact=quote.exact,
                prefix=quote.prefix,
                suffix=quote.suffix,
                created_by=people.resolve(note.creator),
            )
            existing[key] = by_id[note.id] = claim
            created.append(claim)
            report.claims_created += 1
        if created:
            propose_counterparts(Claim.objects.filter(pk__in=[c.pk for c in created]))
        judged = set(
            Verdict.objects.filter(claim__version__story=story).values_list(
                "claim_id", "reviewer_id"
            )
        )
        for note in verdict_notes:
            claim = by_id.get(note.target)
            what = f"{'final verdict' if note.final else 'verdict'} ({SCALE[note.rating].label})"
            if claim is None:
                report.skipped.append(
                    Skipped(note.id, what, "Its claim is not in the file or could not be placed.")
                )
                continue
            if note.final:
                _settle(claim, note, people, report, what)
                touched.add(claim.pk)
                continue
            reviewer = people.resolve(note.creator)
            if (claim.pk, reviewer.pk) in judged:
                who = reviewer.get_full_name() or reviewer.get_username()
                report.skipped.append(
                    Skipped(
                        note.id,
                        what,
                        f"{who} already has a verdict on claim #{claim.number}; "
                        "a reviewer gives one verdict per claim.",
                    )
                )
                continue
            verdict = Verdict.objects.create(
                claim=claim, reviewer=reviewer, rating=note.rating, rationale=note.rationale
            )
            for source in note.sources:
                Source.objects.create(verdict=verdict, **source)
            judged.add((claim.pk, reviewer.pk))
            report.verdicts_created += 1
            touched.add(claim.pk)
        # New claims, verdicts and settlements: their status, and that of the claims
        # in other versions that take them as counterparts.
        claim_status.refresh(touched | {c.pk for c in created})
        if report.total_stored:
            story.touch()
    return report


def _settle(claim: Claim, note: VerdictNote, people: _People, report: ImportReport, what: str):
    claim.refresh_from_db(fields=["settled_rating", "settled_at", "revision"])
    if claim.is_settled:
        report.skipped.append(Skipped(note.id, what, f"Claim #{claim.number} is already settled."))
        return
    editor = people.resolve(note.creator)
    if not is_editor(editor):
        editor = people.importer
    claim.settled_rating, claim.settled_note = note.rating, note.rationale
    claim.settled_by, claim.settled_at = editor, timezone.now()
    claim.revision += 1
    claim.save()
    report.claims_settled += 1
