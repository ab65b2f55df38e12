"""The record of a claim: every change to it, its verdicts, sources and counterparts.

Reads django-simple-history's tables; nothing here writes.
"""

from __future__ import annotations

from dataclasses import dataclass

from articles.models import Claim, Counterpart, Note, Publication, Source, Verdict
from articles.ratings import SCALE

ACTIONS = {"+": "added", "~": "changed", "-": "deleted"}
HIDDEN_FIELDS = {"revision", "updated_at", "created_at", "prefix", "suffix", "id"}
LABELS = {
    "settled_rating": "final verdict",
    "settled_note": "settlement note",
    "settled_by": "settled by",
    "settled_at": "settled at",
    "exact": "words",
    "start": "start",
    "end": "end",
    "rating": "rating",
    "rationale": "rationale",
    "url": "link",
    "quote": "quoted evidence",
    "fact_diffs": "fact differences",
}


@dataclass
class Event:
    when: object
    who: object
    what: str  # "claim", "verdict", "source", "counterpart", "note"
    action: str
    changes: list[tuple[str, str, str]]
    summary: str


def _show(field: str, value) -> str:
    if value in (None, ""):
        return "—"
    if field in {"rating", "settled_rating"} and value in SCALE:
        return f"{SCALE[value].code} {SCALE[value].label}"
    if field == "fact_diffs":
        return "; ".join(d.get("text", "") for d in value) or "none"
    text = str(value)
    return text if len(text) <= 160 else text[:157] + "…"


def _events(records, what: str, summarise) -> list[Event]:
    events = []
    previous: dict[int, object] = {}
    for record in sorted(records, key=lambda r: (r.history_date, r.history_id)):
        before = previous.get(record.id)
        changes = []
        if before is not None and record.history_type == "~":
            delta = record.diff_against(before)
            changes = [
                (LABELS.get(c.field, c.field), _show(c.field, c.old), _show(c.field, c.new))
                for c in delta.changes
                if c.field not in HIDDEN_FIELDS
            ]
            if not changes:
                previous[record.id] = record
                continue
        previous[record.id] = record
        events.append(
            Event(
                when=record.history_date,
                who=record.history_user,
                what=what,
                action=ACTIONS.get(record.history_type, record.history_type),
                changes=changes,
                summary=summarise(record),
            )
        )
    return events


def claim_history(claim_id: int) -> list[Event]:
    """Every recorded change of the claim and what hangs off it, newest first."""
    claims = Claim.history.filter(id=claim_id).select_related("history_user")
    verdicts = list(
        Verdict.history.filter(claim_id=claim_id).select_related("history_user", "reviewer")
    )
    verdict_ids = {v.id for v in verdicts}
    sources = Source.history.filter(verdict_id__in=verdict_ids).select_related("history_user")
    # Proposals are recomputed in bulk (no history); a reviewer's confirmation is recorded.
    counterparts = Counterpart.history.filter(
        claim_id=claim_id, history_type="~", status=Counterpart.Status.CONFIRMED
    ).select_related("history_user", "version")
    notes = Note.history.filter(claim_id=claim_id).select_related("history_user")
    events = [
        *_events(claims, "claim", lambda r: f"claim “{_show('exact', r.exact)}”"),
        *_events(notes, "note", _note_summary),
        *_events(
            verdicts,
            "verdict",
            lambda r: (
                f"verdict of {r.reviewer.get_full_name() or r.reviewer.username}: "
                f"{_show('rating', r.rating)}"
            ),
        ),
        *_events(sources, "source", lambda r: f"source {r.title or r.url}"),
        *_events(
            counterparts,
            "counterpart",
            lambda r: (
                f"confirmed the counterpart in {r.version.label}: "
                + ("not present" if r.start is None else f"“{_show('exact', r.exact)}”")
            ),
        ),
    ]
    return sorted(events, key=lambda e: e.when, reverse=True)


def _note_summary(record) -> str:
    text = f"note “{_show('text', record.text)}”"
    if record.imported_author:
        return f"{text}, written by {record.imported_author}"
    return text


def settlement_trails(version_ids=None, *, claim_ids=None) -> dict[int, list[dict]]:
    """For each claim of these versions (or these claims), its settlements and reopenings,
    oldest first.

    One query over the claims' history; each entry is ``{"action": "settled" | "reopened",
    "who", "when", "rating", "note"}``.
    """
    trails: dict[int, list[dict]] = {}
    previous: dict[int, object] = {}
    records = Claim.history.all()
    if version_ids is not None:
        records = records.filter(version_id__in=list(version_ids))
    if claim_ids is not None:
        records = records.filter(id__in=list(claim_ids))
    records = (
        records.select_related("history_user")
        .only(
            "id",
            "history_date",
            "history_id",
            "history_user",
            "settled_at",
            "settled_rating",
            "settled_note",
        )
        .order_by("id", "history_date", "history_id")
    )
    for record in records:
        before = previous.get(record.id)
        previous[record.id] = record
        was = before.settled_at if before is not None else None
        if record.settled_at is not None and record.settled_at != was:
            action = "settled"
        elif record.settled_at is None and was is not None:
            action = "reopened"
        else:
            continue
        trails.setdefault(record.id, []).append(
            {
                "action": action,
                "who": record.history_user,
                "when": record.history_date,
                "rating": record.settled_rating,
                "note": record.settled_note,
            }
        )
    return trails


def publication_events(story) -> list[dict]:
    """Every publish and unpublish of the story's fact-check, newest first:
    ``{"action": "published" | "unpublished", "who", "when"}``."""
    events = []
    records = Publication.history.filter(story_id=story.pk).select_related("history_user")
    for record in records.order_by("-history_date", "-history_id"):
        if record.history_change_reason in ("published", "unpublished"):
            events.append(
                {
                    "action": record.history_change_reason,
                    "who": record.history_user,
                    "when": record.history_date,
                }
            )
    return events
