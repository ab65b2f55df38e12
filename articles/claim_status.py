"""A claim's status and why it is contested, stored on the claim and kept up to date.

``Claim.status`` (settled, contested, reviewed, unreviewed; indexed) and
``Claim.contest_codes`` (the reasons of REASONS it is contested for, comma-separated, in
REASONS order; kept after settling) are columns, so lists, counts and search filter on
them in SQL. They are recomputed here, inside the transaction of every write that can
change them:

- ``refresh(ids)`` after a claim's own verdicts, settlement or span changed (created,
  moved, deleted: pass the old span in ``spans``). It also recomputes the claims in other
  versions whose counterparts cover those spans: whether they are contested "cross" depends
  on this claim's rating.
- ``recompute(ids, written=set())`` after only the claims' counterparts changed (proposed,
  confirmed, re-aligned): nobody else's status depends on them.

The rules (pure functions below) are those of ``Claim.contest_reasons`` and the dashboard,
which use them too: contested if the versions state different facts (a chosen counterpart
with a material fact difference), the reviewers disagree, or the claim covering a
counterpart has a rating that disagrees with this claim's.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass, field

from articles.ratings import SCALE, Rating, disagree
from articles.text.anchoring import MAX_CLAIM_CHARS
from articles.text.factdiff import material

SETTLED = "settled"
CONTESTED = "contested"
REVIEWED = "reviewed"
UNREVIEWED = "unreviewed"
STATUSES = (SETTLED, CONTESTED, REVIEWED, UNREVIEWED)
STATUS_CHOICES = [(s, s.capitalize()) for s in STATUSES]

# Why a claim is contested: reason -> (label, severity weight).
FACTS = "facts"
REVIEWERS = "reviewers"
CROSS = "cross"
REASONS = {
    FACTS: ("Versions state different facts", 3),
    REVIEWERS: ("Reviewers disagree", 3),
    CROSS: ("Counterpart judged differently", 2),
}

CHUNK = 2000  # claims recomputed per round of queries
_OVERLAP_QUERY = 200  # up to this many counterparts, load only the claims overlapping them


# ---------------------------------------------------------------------------- rules


def ratings_disagree(ratings: list[str]) -> bool:
    return any(disagree(a, b) for i, a in enumerate(ratings) for b in ratings[i + 1 :])


def display_rating(settled_rating: str, ratings: list[str]) -> str | None:
    """The final verdict, or the reviewers' median; None while they disagree or none judged."""
    if settled_rating:
        return settled_rating
    if not ratings or ratings_disagree(ratings):
        return None
    on_scale = sorted(r for r in ratings if SCALE[r].value is not None)
    if not on_scale:
        return Rating.UNVERIFIABLE
    return on_scale[len(on_scale) // 2]


def states_different_facts(start: int | None, fact_diffs: list[dict]) -> bool:
    """A chosen counterpart (a span) whose facts differ materially from the claim's."""
    return start is not None and any(
        material(d.get("kind", ""), d.get("left"), d.get("right")) for d in fact_diffs
    )


def reasons(*, facts: bool, ratings: list[str], mine: str | None, theirs: list) -> list[str]:
    """The contest reasons, in REASONS order, from facts, the claim's own ratings, its
    display rating and the display ratings of the claims covering its counterparts."""
    found = []
    if facts:
        found.append(FACTS)
    if ratings_disagree(ratings):
        found.append(REVIEWERS)
    if mine and any(t and disagree(mine, t) for t in theirs):
        found.append(CROSS)
    return found


def status_of(*, settled: bool, codes: list[str], judged: bool) -> str:
    if settled:
        return SETTLED
    if codes:
        return CONTESTED
    return REVIEWED if judged else UNREVIEWED


def counterpart_claim(counterpart, claims_by_version: dict):
    """The claim in the other version that overlaps the counterpart span most, or None.

    ``counterpart`` has version_id, start, end (None: no span chosen); ``claims_by_version``
    holds each version's claims (with start, end) as ``Sorted``. A claim is at most
    MAX_CLAIM_CHARS long (and at most as long as the longest of these), so only claims
    starting within that distance can overlap.
    """
    if counterpart.start is None:
        return None
    claims = claims_by_version.get(counterpart.version_id) or Sorted([])
    reach = min(MAX_CLAIM_CHARS, getattr(claims, "longest", MAX_CLAIM_CHARS))
    best, best_overlap = None, 0
    i = bisect.bisect_left(claims.starts, counterpart.end)
    while i > 0:
        i -= 1
        other = claims[i]
        if other.start < counterpart.start - reach:
            break
        overlap = min(other.end, counterpart.end) - max(other.start, counterpart.start)
        if overlap > best_overlap:
            best, best_overlap = other, overlap
    return best


class Sorted(list):
    """Claims of one version sorted by start, with their starts for bisection."""

    def __init__(self, claims):
        super().__init__(sorted(claims, key=lambda c: (c.start, c.end)))
        self.starts = [c.start for c in self]
        self.longest = max((c.end - c.start for c in self), default=0)


# ---------------------------------------------------------------------------- storing


@dataclass
class _Claim:
    pk: int
    version_id: int
    start: int
    end: int
    settled: bool
    settled_rating: str
    status: str = ""
    codes: str = ""
    keys: str = ""
    ratings: list[str] = field(default_factory=list)
    reviewers: list[int] = field(default_factory=list)
    story_id: int = 0

    @property
    def display_rating(self) -> str | None:
        return display_rating(self.settled_rating, self.ratings)


@dataclass
class _Counterpart:
    version_id: int
    start: int | None
    end: int | None
    fact_diffs: list


def _models(apps, *names: str) -> list:
    """The models by name: the app's, or a migration's historical ones."""
    if apps is None:
        from django.apps import apps
    return [apps.get_model("articles", name) for name in names]


def _copy_search_keys(apps, claims: dict[int, _Claim], values: dict[int, tuple[str, str]]):
    """Copy the claims' story and status onto their verdicts and sources (search keys), and
    each verdict's rating and reviewer onto its sources: two statements per (status, story)
    of the claims, each writing only the rows whose copies differ.

    Plain SQL (UPDATE ... FROM: PostgreSQL, SQLite 3.33+): every write of a verdict runs
    these, and the ORM's form (a subquery per copied column) cost more to build than to run.
    """
    from django.db import connection

    Verdict, Source = _models(apps, "Verdict", "Source")
    q = connection.ops.quote_name
    verdicts, sources = q(Verdict._meta.db_table), q(Source._meta.db_table)
    groups: dict[tuple[str, int], list[int]] = {}
    for pk, claim in claims.items():
        groups.setdefault((values[pk][0], claim.story_id), []).append(pk)
    with connection.cursor() as cursor:
        for (status, story_id), pks in groups.items():
            among = ", ".join(["%s"] * len(pks))
            cursor.execute(
                f"UPDATE {verdicts} SET claim_status = %s, story_id = %s "  # noqa: S608
                f"WHERE claim_id IN ({among}) "
                "AND (claim_status <> %s OR story_id IS NULL OR story_id <> %s)",
                [status, story_id, *pks, status, story_id],
            )
            cursor.execute(
                f"UPDATE {sources} SET claim_status = %s, story_id = %s, "  # noqa: S608
                "rating = v.rating, reviewer_id = v.reviewer_id "
                f"FROM {verdicts} v WHERE {sources}.verdict_id = v.id AND v.claim_id IN ({among}) "
                f"AND ({sources}.claim_status <> %s OR {sources}.story_id IS NULL "
                f"OR {sources}.story_id <> %s OR {sources}.rating <> v.rating "
                f"OR {sources}.reviewer_id IS NULL OR {sources}.reviewer_id <> v.reviewer_id)",
                [status, story_id, *pks, status, story_id],
            )


def _load(Claim, query) -> dict[int, _Claim]:
    """The claims matching ``query`` with their verdicts' ratings and reviewers: one query,
    the claims joined to their verdicts (a row per verdict, one with None for none)."""
    rows: dict[int, _Claim] = {}
    for row in (
        Claim.objects.filter(query)
        .order_by()
        .values_list(
            "pk",
            "version_id",
            "start",
            "end",
            "settled_at",
            "settled_rating",
            "status",
            "contest_codes",
            "verdict_keys",
            "version__story_id",
            "verdicts__rating",
            "verdicts__reviewer_id",
        )
    ):
        claim = rows.get(row[0])
        if claim is None:
            claim = rows[row[0]] = _Claim(*row[:4], row[4] is not None, *row[5:9], story_id=row[9])
        if row[10] is not None:
            claim.ratings.append(row[10])
            claim.reviewers.append(row[11])
    return rows


def verdict_keys(ratings: list[str], reviewers: list[int]) -> str:
    """The claim's verdicts as search keys: " rating:<value> ... reviewer:<id> ... "."""
    tokens = [f"rating:{r}" for r in sorted(set(ratings))]
    tokens += [f"reviewer:{pk}" for pk in sorted(set(reviewers))]
    return f" {' '.join(tokens)} " if tokens else ""


def rating_key(rating: str) -> str:
    return f" rating:{rating} "


def reviewer_key(reviewer_id: int) -> str:
    return f" reviewer:{reviewer_id} "


def recompute(
    claim_ids: Iterable[int], *, apps=None, written: set[int] | None = None
) -> dict[int, tuple[str, str]]:
    """Recompute and store the status of these claims; return {id: (status, codes)}.

    A few queries per CHUNK claims; only rows whose values changed are written (no history
    row, no ``updated_at`` change: these are derived values). Also stores the claims'
    ``verdict_keys`` and copies the search keys onto their verdicts and sources: of every
    judged claim, or with ``written`` (the claims whose verdicts or sources the caller
    wrote), of those and of the judged claims whose status changed (the others' copies are
    up to date already). Claims without verdicts have nothing to copy.
    """
    from django.db.models import Q

    Claim, Counterpart = _models(apps, "Claim", "Counterpart")
    ids = sorted(set(claim_ids))
    result: dict[int, tuple[str, str]] = {}
    for i in range(0, len(ids), CHUNK):
        chunk = ids[i : i + CHUNK]
        claims = _load(Claim, Q(pk__in=chunk))
        counterparts: dict[int, list[_Counterpart]] = {}
        for claim_id, version_id, start, end, diffs in (
            Counterpart.objects.filter(claim_id__in=list(claims))
            .order_by()
            .values_list("claim_id", "version_id", "start", "end", "fact_diffs")
        ):
            counterparts.setdefault(claim_id, []).append(
                _Counterpart(version_id, start, end, diffs)
            )
        chosen = [cp for cps in counterparts.values() for cp in cps if cp.start is not None]
        others: dict[int, _Claim] = {}
        if chosen and len(chosen) <= _OVERLAP_QUERY:
            overlap = Q()
            for cp in chosen:
                overlap |= Q(version_id=cp.version_id, start__lt=cp.end, end__gt=cp.start)
            others = _load(Claim, overlap)
        elif chosen:
            others = _load(Claim, Q(version_id__in={cp.version_id for cp in chosen}))
        grouped: dict[int, list[_Claim]] = {}
        for other in others.values():
            grouped.setdefault(other.version_id, []).append(other)
        by_version = {pk: Sorted(group) for pk, group in grouped.items()}
        changed = []
        for claim in claims.values():
            mine = counterparts.get(claim.pk, [])
            codes = reasons(
                facts=any(states_different_facts(cp.start, cp.fact_diffs) for cp in mine),
                ratings=claim.ratings,
                mine=claim.display_rating,
                theirs=[
                    other.display_rating
                    for cp in mine
                    if (other := counterpart_claim(cp, by_version)) is not None
                ],
            )
            value = (
                status_of(settled=claim.settled, codes=codes, judged=bool(claim.ratings)),
                ",".join(codes),
            )
            result[claim.pk] = value
            keys = verdict_keys(claim.ratings, claim.reviewers)
            if (*value, keys) != (claim.status, claim.codes, claim.keys):
                changed.append(
                    Claim(pk=claim.pk, status=value[0], contest_codes=value[1], verdict_keys=keys)
                )
        Claim.objects.bulk_update(
            changed, ["status", "contest_codes", "verdict_keys"], batch_size=500
        )
        copy = {
            pk: claim
            for pk, claim in claims.items()
            if claim.ratings and (written is None or pk in written or result[pk][0] != claim.status)
        }
        if copy:
            _copy_search_keys(apps, copy, {pk: result[pk] for pk in copy})
    return result


def covering(spans: Iterable[tuple[int, int, int]], *, apps=None) -> set[int]:
    """Claims with a counterpart overlapping one of the spans (version id, start, end)."""
    from django.db.models import Q

    (Counterpart,) = _models(apps, "Counterpart")
    spans = list(spans)
    found: set[int] = set()
    for i in range(0, len(spans), _OVERLAP_QUERY):
        overlap = Q()
        for version_id, start, end in spans[i : i + _OVERLAP_QUERY]:
            overlap |= Q(version_id=version_id, start__lt=end, end__gt=start)
        found.update(
            Counterpart.objects.filter(overlap).order_by().values_list("claim_id", flat=True)
        )
    return found


def _spans_of(Claim, ids: set[int], known: dict[int, tuple[int, int, int]]) -> list:
    """The spans (version id, start, end) of the claims ``ids``: ``known`` ones as given,
    the others read (one query, none if all are known)."""
    spans = [span for pk, span in known.items() if pk in ids]
    if missing := ids - known.keys():
        spans += (
            Claim.objects.filter(pk__in=missing)
            .order_by()
            .values_list("version_id", "start", "end")
        )
    return spans


def refresh(
    claim_ids: Iterable[int],
    *,
    spans: Iterable[tuple[int, int, int]] = (),
    known: dict[int, tuple[int, int, int]] | None = None,
    apps=None,
) -> dict[int, tuple[str, str]]:
    """Recompute these claims and the claims whose counterparts cover them or ``spans``.

    Call it, in the write's transaction, after a claim's verdicts, settlement or span
    changed; ``spans`` are (version id, start, end) of claims deleted or moved away;
    ``known``: the current spans of some of ``claim_ids`` (read under their lock), not
    read again. Returns {id: (status, codes)} of every claim recomputed.
    """
    (Claim,) = _models(apps, "Claim")
    ids = set(claim_ids)
    spans = list(spans) + _spans_of(Claim, ids, known or {})
    return recompute(ids | covering(spans, apps=apps), apps=apps, written=ids)


def lock(
    claim_ids: Iterable[int],
    *,
    spans: Iterable[tuple[int, int, int]] = (),
    known: dict[int, tuple[int, int, int]] | None = None,
    apps=None,
) -> dict:
    """Lock, in id order, the claims ``refresh`` of the same arguments will recompute
    (FOR NO KEY UPDATE); returns them by id, as locked ({id: Claim}; a deleted claim is
    not among them).

    A write takes these rows before any other claim row: two writes on claims that cover
    each other then take them in one order and never wait on each other in a cycle.
    (Before, each write locked its own claim first and the covering claims when it
    updated their status: under 50 reviewers on one story, deadlocks outran three
    retries.) A claim that comes to cover these spans after the lock is still
    recomputed, unlocked until then: a rare deadlock, which the write's retry absorbs.

    ``known``: spans of some of ``claim_ids`` as the caller read them before (not read
    again). A claim moved meanwhile (by its author) is locked with the claims covering its
    old span; its refresh, which reads its span under this lock, recomputes those covering
    its new one: the same rare case as above.
    """
    (Claim,) = _models(apps, "Claim")
    ids = set(claim_ids)
    wanted = ids | covering(list(spans) + _spans_of(Claim, ids, known or {}), apps=apps)
    if not wanted:
        return {}
    # ORDER BY below FOR UPDATE: PostgreSQL locks the rows as the sort returns them.
    rows = Claim.objects.select_for_update(of=("self",), no_key=True).filter(pk__in=wanted)
    return {claim.pk: claim for claim in rows.order_by("pk")}


def apply(claim, values: dict[int, tuple[str, str]]) -> None:
    """Copy the stored values onto an instance loaded before the refresh."""
    if claim.pk in values:
        claim.status, claim.contest_codes = values[claim.pk]
