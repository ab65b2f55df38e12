"""Reads for the contested-claims dashboard: contested claims, claims in one version only,
counts, agreement. Why a claim is contested is the claim's own business (Claim.contest_reasons).

All of a story's claims are loaded in a fixed number of queries and judged in Python.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import (
    Case,
    Count,
    Exists,
    Func,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    Value,
    When,
)

from articles import claim_status, validation
from articles.models import REASONS, Claim, Counterpart, Verdict
from articles.ratings import SCALE, Rating

ONE_VERSION = "one_version"
STATUSES = ("contested", "settled", "open")


# Shared with the stored status (articles.claim_status), which follows the same rules.
counterpart_claim = claim_status.counterpart_claim
_Sorted = claim_status.Sorted


@dataclass
class Entry:
    claim: Claim
    reasons: list[str]
    counterparts: list[tuple[Counterpart, Claim | None]] = field(default_factory=list)

    @property
    def status(self) -> str:
        if self.claim.is_settled:
            return "settled"
        return "contested" if self.reasons else "open"

    @property
    def severity(self) -> int:
        return sum(REASONS[r][1] for r in self.reasons)

    @property
    def reason_labels(self) -> list[tuple[str, str]]:
        return [(r, REASONS[r][0]) for r in self.reasons]

    @property
    def fact_diffs(self) -> list[str]:
        return [
            d["text"]
            for cp, _ in self.counterparts
            if cp.chosen
            for d in cp.fact_diffs
            if d.get("material", True)
        ]

    @property
    def missing_from(self):
        """Other versions that do not state the claim: it was added in this one, or dropped there."""
        return [cp.version for cp, _ in self.counterparts if cp.absent]

    @property
    def undecided_in(self):
        """Other versions with suggestions but no counterpart chosen yet."""
        return [cp.version for cp, _ in self.counterparts if cp.undecided]


def story_claims(story):
    """Every claim of the story with verdicts, sources and counterparts: five queries."""
    return (
        Claim.objects.filter(version__story=story)
        .select_related("version", "created_by", "settled_by")
        .prefetch_related(
            Prefetch(
                "verdicts",
                queryset=Verdict.objects.select_related("reviewer").order_by("created_at"),
            ),
            Prefetch("counterparts", queryset=Counterpart.objects.select_related("version")),
        )
        .order_by("version_id", "start", "-end", "pk")
    )


def entries_for(claims) -> list[Entry]:
    claims = list(claims)
    grouped: dict[int, list[Claim]] = {}
    for claim in claims:
        grouped.setdefault(claim.version_id, []).append(claim)
    by_version = {pk: _Sorted(group) for pk, group in grouped.items()}
    entries = []
    for claim in claims:
        pairs = [(cp, counterpart_claim(cp, by_version)) for cp in claim.counterparts.all()]
        others = [other for _, other in pairs if other is not None]
        entries.append(Entry(claim, claim.contest_reasons(others), pairs))
    return entries


def filter_entries(entries, *, reason=None, status=None, version=None, reviewer=None):
    result = entries
    if reason == ONE_VERSION:
        result = [e for e in result if e.missing_from]
    elif reason in REASONS:
        result = [e for e in result if reason in e.reasons]
    if status in STATUSES:
        result = [e for e in result if e.status == status]
    if version:
        result = [e for e in result if str(e.claim.version_id) == str(version)]
    if reviewer:
        result = [
            e
            for e in result
            if any(str(v.reviewer_id) == str(reviewer) for v in e.claim.verdicts.all())
        ]
    return sorted(
        result,
        key=lambda e: (-e.severity, e.status != "contested", e.claim.version_id, e.claim.start),
    )


def summarise(entries) -> dict:
    by_reason = Counter(r for e in entries if e.status == "contested" for r in e.reasons)
    return {
        "claims": len(entries),
        "contested": sum(1 for e in entries if e.status == "contested"),
        "settled": sum(1 for e in entries if e.status == "settled"),
        "open": sum(1 for e in entries if e.status == "open"),
        "by_reason": [(key, label, by_reason.get(key, 0)) for key, (label, _) in REASONS.items()],
        "one_version": sum(1 for e in entries if e.missing_from),
    }


def agreement(entries) -> dict:
    """Krippendorff's alpha (ordinal) over claims rated by two or more reviewers.

    Unverifiable is not a point on the ordinal scale and is left out. Returns the alpha
    (None when there is too little overlap to say), and how many claims and reviewers it covers.
    """
    return _alpha([{v.reviewer_id: v.rating for v in e.claim.verdicts.all()} for e in entries])


def _alpha(claims: list[dict[int, str]]) -> dict:
    """agreement() over each claim's ratings by reviewer id."""
    import krippendorff
    import numpy as np

    reviewers = sorted({r for ratings in claims for r in ratings})
    units = []
    for ratings in claims:
        values = {r: SCALE[rating].value for r, rating in ratings.items()}
        if sum(1 for value in values.values() if value is not None) >= 2:
            units.append(values)
    result = {"alpha": None, "claims": len(units), "reviewers": len(reviewers)}
    if len(units) < 2 or len(reviewers) < 2:
        return result
    matrix = np.array(
        [[u.get(r) if u.get(r) is not None else np.nan for u in units] for r in reviewers],
        dtype=float,
    )
    values = {v for v in matrix.flatten() if not math.isnan(v)}
    if len(values) < 2:
        # Everyone used one rating: perfect agreement, but alpha is undefined (no variation).
        result["alpha"] = 1.0
        return result
    result["alpha"] = float(
        krippendorff.alpha(
            reliability_data=matrix,
            level_of_measurement="ordinal",
            value_domain=[s.value for s in SCALE.values() if s.value is not None],
        )
    )
    return result


def verdict_chart(entries, versions) -> list[dict]:
    """Per version, how many claims carry each rating (settled, else reviewers' consensus)."""
    return _chart(
        versions,
        (
            (
                e.claim.version_id,
                e.claim.display_rating or ("contested" if e.status == "contested" else "unrated"),
            )
            for e in entries
        ),
    )


def _chart(versions, keyed) -> list[dict]:
    """verdict_chart() over (version id, chart key) pairs."""
    by_version: dict[int, Counter] = {}
    for version_id, key in keyed:
        by_version.setdefault(version_id, Counter())[key] += 1
    rows = []
    for version in versions:
        counts = by_version.get(version.pk, Counter())
        total = sum(counts.values())
        segments = []
        x = 0.0
        for key in [*(r.value for r in Rating), "contested", "unrated"]:
            n = counts.get(key, 0)
            if not n:
                continue
            width = 100.0 * n / total
            label = SCALE[key].label if key in SCALE else key.capitalize()
            code = SCALE[key].code if key in SCALE else ""
            segments.append(
                {"key": key, "n": n, "x": x, "width": width, "label": label, "code": code}
            )
            x += width
        rows.append({"version": version, "total": total, "segments": segments})
    return rows


# ---------------------------------------------------------------------------- the board in SQL

PAGE_SIZE = 50
ONLY_ONE_SHOWN = 50


def _absent_counterpart():
    return Exists(
        Counterpart.objects.filter(
            claim=OuterRef("pk"),
            start__isnull=True,
            status__in=(Counterpart.Status.CONFIRMED, Counterpart.Status.NOT_FOUND),
        )
    )


def board_claims(story, *, reason=None, status=None, version=None, reviewer=None):
    """The story's claims that pass the filters, most severe first, as one query.

    Filters and order read the stored status and reason codes (articles.claim_status), so
    no claim is loaded to be judged; the order is filter_entries' (severity, contested
    first, version, position).
    """
    claims = Claim.objects.filter(version__story=story)
    if reason == ONE_VERSION:
        claims = claims.filter(_absent_counterpart())
    elif reason in REASONS:
        claims = claims.contested_for(reason)
    if status == "contested":
        claims = claims.contested()
    elif status == "settled":
        claims = claims.settled()
    elif status == "open":
        claims = claims.filter(status__in=(claim_status.REVIEWED, claim_status.UNREVIEWED))
    if version_id := validation.parse_id(version):
        claims = claims.filter(version_id=version_id)
    if reviewer_id := validation.parse_id(reviewer):
        claims = claims.filter(
            Exists(Verdict.objects.filter(claim=OuterRef("pk"), reviewer_id=reviewer_id))
        )
    severity = sum(
        (
            Case(When(contest_codes__contains=code, then=Value(weight)), default=Value(0))
            for code, (_label, weight) in REASONS.items()
        ),
        Value(0),
    )
    contested_last = Case(When(status=claim_status.CONTESTED, then=Value(0)), default=Value(1))
    return claims.annotate(severity=severity, contested_last=contested_last).order_by(
        "-severity", "contested_last", "version_id", "start", "pk"
    )


class JSONArrayLength(Func):
    """The length of a JSON array column, counted by the database (0 for an empty one)."""

    function = "JSON_ARRAY_LENGTH"
    output_field = IntegerField()

    def as_postgresql(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, function="JSONB_ARRAY_LENGTH", **extra_context)


def board_entries(claims, *, sources: bool = False, versions=None) -> list[Entry]:
    """Entries for one page of claims, with their counterparts' claims: a fixed number of queries.

    Their reasons are the stored ones; a counterpart's claim is looked up only among the
    claims overlapping this page's counterparts. With ``sources``, verdicts come with them.
    Counterparts come without their ``candidates`` (only ``candidate_count``, counted in
    SQL). ``versions``, the story's versions when the caller has them, are attached to the
    claims and counterparts instead of joined to every row (each join copies the version's
    text, megabytes for a long version); without them the join leaves the text out.
    """
    verdicts = Verdict.objects.select_related("reviewer").order_by("created_at")
    if sources:
        verdicts = verdicts.prefetch_related("sources")
    # Each claim's counterparts in the order of Counterpart.Meta (its versions' order), but
    # without that ordering's joins through every claim, version and story.
    counterparts = (
        Counterpart.objects.defer("candidates")
        .annotate(candidate_count=JSONArrayLength("candidates"))
        .order_by("version__created_at", "version_id")
    )
    # The board shows who settled a claim; exports (``sources``) also who marked it.
    related = ["settled_by", "created_by"] if sources else ["settled_by"]
    claims = claims.select_related(*related, *([] if versions is not None else ["version"]))
    if versions is None:
        claims = claims.defer("version__text")
        counterparts = counterparts.select_related("version").defer("version__text")
    claims = list(
        claims.prefetch_related(
            Prefetch("verdicts", queryset=verdicts),
            Prefetch("counterparts", queryset=counterparts),
        )
    )
    by_pk = {v.pk: v for v in versions} if versions is not None else None
    if by_pk is not None:
        for claim in claims:
            claim.version = by_pk[claim.version_id]
            for cp in claim.counterparts.all():
                cp.version = by_pk[cp.version_id]
    chosen = [cp for c in claims for cp in c.counterparts.all() if cp.start is not None]
    others: list[Claim] = []
    if chosen:
        overlap = Q()
        if len(chosen) <= 100:
            for cp in chosen:
                overlap |= Q(version_id=cp.version_id, start__lt=cp.end, end__gt=cp.start)
        else:
            # Many counterparts (a chunk of an export): one range per version covers them.
            ranges: dict[int, list[int]] = {}
            for cp in chosen:
                low, high = ranges.setdefault(cp.version_id, [cp.start, cp.end])
                ranges[cp.version_id] = [min(low, cp.start), max(high, cp.end)]
            for version_id, (low, high) in ranges.items():
                overlap |= Q(version_id=version_id, start__lt=high, end__gt=low)
        # What the board shows of a counterpart's claim: its number, link and rating.
        # (Unordered: _Sorted orders them, and the default order joins version and story.)
        others = (
            Claim.objects.filter(overlap)
            .only("version_id", "number", "start", "end", "settled_rating")
            .order_by()
        )
        if by_pk is None:
            others = others.select_related("version").defer("version__text")
        others = list(
            others.prefetch_related(
                Prefetch("verdicts", queryset=Verdict.objects.only("claim_id", "rating").order_by())
            )
        )
        if by_pk is not None:
            for other in others:
                other.version = by_pk[other.version_id]
    grouped: dict[int, list[Claim]] = {}
    for other in others:
        grouped.setdefault(other.version_id, []).append(other)
    by_version = {pk: _Sorted(group) for pk, group in grouped.items()}
    return [
        Entry(
            claim,
            claim.reason_codes,
            [(cp, counterpart_claim(cp, by_version)) for cp in claim.counterparts.all()],
        )
        for claim in claims
    ]


def board_summary(story) -> dict:
    """The counters of summarise(), counted in SQL: one query."""
    claims = Claim.objects.filter(version__story=story)
    contested = Q(status=claim_status.CONTESTED)
    counts = claims.aggregate(
        claims=Count("pk"),
        contested=Count("pk", filter=contested),
        settled=Count("pk", filter=Q(status=claim_status.SETTLED)),
        open=Count("pk", filter=Q(status__in=(claim_status.REVIEWED, claim_status.UNREVIEWED))),
        one_version=Count("pk", filter=Q(_absent_counterpart())),
        **{
            f"reason_{code}": Count("pk", filter=contested & Q(contest_codes__contains=code))
            for code in REASONS
        },
    )
    by_reason = [(key, label, counts.pop(f"reason_{key}")) for key, (label, _) in REASONS.items()]
    return counts | {"by_reason": by_reason}


@dataclass
class _Rated:
    """What the chart and agreement read of a claim: no model row."""

    version_id: int
    status: str
    settled_rating: str
    ratings: dict[int, str] = field(default_factory=dict)  # reviewer id -> rating

    @property
    def display_rating(self):
        return claim_status.display_rating(self.settled_rating, list(self.ratings.values()))


def ratings_by_claim(story) -> list[_Rated]:
    """Every claim's version, status and ratings, as plain values: two queries."""
    claims = {
        pk: _Rated(version_id, status, settled_rating)
        for pk, version_id, status, settled_rating in Claim.objects.filter(version__story=story)
        .order_by()
        .values_list("pk", "version_id", "status", "settled_rating")
    }
    for claim_id, reviewer_id, rating in (
        Verdict.objects.filter(claim__version__story=story)
        .order_by("created_at", "pk")
        .values_list("claim_id", "reviewer_id", "rating")
    ):
        claims[claim_id].ratings[reviewer_id] = rating
    return list(claims.values())


def rated_agreement(rated: list[_Rated]) -> dict:
    """agreement() over plain values (see ratings_by_claim)."""
    return _alpha([r.ratings for r in rated])


def rated_chart(rated: list[_Rated], versions) -> list[dict]:
    """verdict_chart() over plain values (see ratings_by_claim)."""
    return _chart(
        versions,
        (
            (
                r.version_id,
                r.display_rating or ("contested" if r.status == "contested" else "unrated"),
            )
            for r in rated
        ),
    )


@dataclass
class OnlyOne:
    """A claim of the "in one version only" list, as plain values (cached per revision)."""

    pk: int
    number: int
    version_id: int
    exact: str
    missing_ids: list[int] = field(default_factory=list)  # versions that do not state it
    version: object = None
    missing_from: list = field(default_factory=list)


def only_one_version(story, versions, limit: int | None = None) -> list[OnlyOne]:
    """The first ``limit`` claims (by version and position) that another version does not
    state, with those versions: one query over their absent counterparts."""
    absent = Counterpart.objects.filter(
        claim__version__story=story,
        start__isnull=True,
        status__in=(Counterpart.Status.CONFIRMED, Counterpart.Status.NOT_FOUND),
    ).order_by("claim__version_id", "claim__start", "claim_id", "version__created_at", "version_id")
    limit = limit or ONLY_ONE_SHOWN
    # A claim has at most one counterpart per other version: enough rows for ``limit`` claims.
    rows = absent.values_list(
        "claim_id", "claim__number", "claim__version_id", "claim__exact", "version_id"
    )[: limit * max(1, len(versions) - 1)]
    claims: dict[int, OnlyOne] = {}
    for claim_id, number, version_id, exact, missing in rows:
        entry = claims.get(claim_id)
        if entry is None:
            if len(claims) == limit:
                break
            entry = claims[claim_id] = OnlyOne(claim_id, number, version_id, exact)
        entry.missing_ids.append(missing)
    return list(claims.values())


def board_figures(story, versions) -> dict:
    """What the dashboard shows of the whole story, computed once per revision: the chart,
    the reviewers' agreement, the counters, the reviewers to filter by and the first claims
    in one version only.

    Every write to the story's claims, verdicts and counterparts bumps ``Story.revision``:
    until the next one, every reader of the dashboard gets the same figures from the cache
    (no query); the first reader after a write computes them (six queries).
    """
    from django.contrib.auth import get_user_model
    from django.core.cache import cache

    key = f"board:{story.pk}:{story.revision}:{','.join(str(v.pk) for v in versions)}"
    figures = cache.get(key)
    if figures is None:
        rated = ratings_by_claim(story)
        figures = {
            "agreement": rated_agreement(rated),
            "chart": [
                {**row, "version": row["version"].pk} for row in rated_chart(rated, versions)
            ],
            "summary": board_summary(story),
            "reviewers": list(
                get_user_model()
                .objects.filter(
                    Exists(
                        Verdict.objects.filter(reviewer=OuterRef("pk"), claim__version__story=story)
                    )
                )
                .only("username", "first_name", "last_name")
                .order_by("username")
            ),
            "only_one": only_one_version(story, versions),
        }
        cache.set(key, figures, 600)
    by_pk = {v.pk: v for v in versions}
    only_one = [
        OnlyOne(
            e.pk,
            e.number,
            e.version_id,
            e.exact,
            e.missing_ids,
            by_pk[e.version_id],
            [by_pk[pk] for pk in e.missing_ids],
        )
        for e in figures["only_one"]
    ]
    return figures | {
        "chart": [{**row, "version": by_pk[row["version"]]} for row in figures["chart"]],
        "only_one": only_one,
    }
