"""Reads for the contested-claims dashboard: contested claims, claims in one version only,
counts, agreement. Why a claim is contested is the claim's own business (Claim.contest_reasons).

All of a story's claims are loaded in a fixed number of queries and judged in Python.
"""

from __future__ import annotations

import functools
import operator
from collections import Counter
from dataclasses import dataclass, field

from django.db import connections
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Greatest, Least

from articles import claim_status, validation
from articles.models import REASONS, Claim, Counterpart, Verdict
from articles.ratings import SCALE, Rating
from articles.text.anchoring import MAX_CLAIM_CHARS

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
    # The board's (board_entries): (rating, reviewer) in the order given; elsewhere empty,
    # and the claim's own verdicts are read.
    verdicts: list[tuple[str, object]] = field(default_factory=list)

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
    if len(np.unique(matrix[~np.isnan(matrix)])) < 2:
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
    for (version_id, key), n in Counter(keyed).items():
        by_version.setdefault(version_id, Counter())[key] = n
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


def claims_of(versions):
    """The claims of a story's ``versions`` (all of them): by version id, which the
    database finds in its index, where a join to the story reads every claim of every story."""
    return Claim.objects.filter(version_id__in=[v.pk for v in versions])


def board_claims(versions, *, reason=None, status=None, version=None, reviewer=None):
    """The claims of the story's ``versions`` that pass the filters, most severe first, as
    one query.

    Filters and order read the stored status and reason codes (articles.claim_status), so
    no claim is loaded to be judged; the order is filter_entries' (severity, contested
    first, version, position).
    """
    claims = claims_of(versions)
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


@dataclass
class Other:
    """A counterpart's claim as the board shows it: its number, link and rating (no model row)."""

    pk: int
    version_id: int
    number: int
    settled_rating: str
    ratings: list[str] = field(default_factory=list)
    version: object = None

    @property
    def display_rating(self):
        return claim_status.display_rating(self.settled_rating, self.ratings)


def best_claim():
    """The pk of the claim that overlaps the outer counterpart's span most, as a subquery
    (NULL when none does, or the counterpart has no span).

    claim_status.counterpart_claim in SQL, ties included: the most overlap, then the later
    start, then the later end. A claim is at most MAX_CLAIM_CHARS long, so only claims
    starting within that distance are read: one short range of an index per counterpart.
    """
    overlap = Least(F("end"), OuterRef("end")) - Greatest(F("start"), OuterRef("start"))
    return Subquery(
        Claim.objects.filter(
            version_id=OuterRef("version_id"),
            start__lt=OuterRef("end"),
            end__gt=OuterRef("start"),
            start__gt=OuterRef("start") - MAX_CLAIM_CHARS,
        )
        .annotate(overlap=overlap)
        .order_by("-overlap", "-start", "-end")
        .values("pk")[:1]
    )


def _find_best_claims(counterparts) -> None:
    """``best_claim`` in Python, for SQLite, which cannot order a correlated subquery by
    the outer row's columns: each counterpart's ``other_pk``, from one query of the claims
    overlapping any of their spans."""
    spans = [cp for cp in counterparts if cp.start is not None]
    for cp in counterparts:
        cp.other_pk = None
    if not spans:
        return
    near = functools.reduce(
        operator.or_,
        (Q(version_id=cp.version_id, start__lt=cp.end, end__gt=cp.start) for cp in spans),
    )
    by_version: dict[int, list] = {}
    for claim in Claim.objects.filter(near).order_by().only("version_id", "start", "end"):
        by_version.setdefault(claim.version_id, []).append(claim)
    sorted_claims = {v: claim_status.Sorted(claims) for v, claims in by_version.items()}
    for cp in spans:
        best = claim_status.counterpart_claim(cp, sorted_claims)
        cp.other_pk = best.pk if best is not None else None


def board_entries(claims, *, versions) -> list[Entry]:
    """Entries for one page of claims, with their verdicts, counterparts and counterparts'
    claims: four queries whatever the page.

    Their reasons are the stored ones. ``versions`` (the story's, without their text) are
    attached to the claims and counterparts instead of joined to every row (each join would
    copy the version's text, megabytes for a long version).

    Only the page's claims are model rows. Their verdicts come as ``Entry.verdicts``
    (rating, reviewer), one user object per reviewer; counterparts without their
    ``candidates`` (only ``candidate_count``, counted in SQL) and with the pk of the claim
    covering them (``best_claim``); those claims as ``Other``. (Model rows, prefetches,
    joined users and a filter of three conditions per counterpart were most of the page's
    work.)
    """
    from django.contrib.auth import get_user_model

    claims = list(claims.select_related("settled_by"))
    by_pk = {v.pk: v for v in versions}
    order = {v.pk: i for i, v in enumerate(versions)}
    ids = [c.pk for c in claims]
    for claim in claims:
        claim.version = by_pk[claim.version_id]

    user_model = get_user_model()
    # What a name needs (export_html.person_name), in the model's order (from_db's).
    named = {user_model._meta.pk.attname, "username", "first_name", "last_name"}
    user_fields = [f.attname for f in user_model._meta.concrete_fields if f.attname in named]
    users: dict[int, object] = {}
    verdicts: dict[int, list] = {}
    rows = (
        Verdict.objects.filter(claim_id__in=ids)
        .order_by("created_at", "pk")
        .values_list("claim_id", "rating", "reviewer_id", *(f"reviewer__{f}" for f in user_fields))
    )
    for claim_id, rating, reviewer_id, *user in rows:
        reviewer = users.get(reviewer_id)
        if reviewer is None:
            reviewer = users[reviewer_id] = user_model.from_db(rows.db, user_fields, user)
        verdicts.setdefault(claim_id, []).append((rating, reviewer))

    # Each claim's counterparts in the order of Counterpart.Meta (its versions' order), but
    # without that ordering's joins through every claim, version and story.
    counterparts: dict[int, list[Counterpart]] = {}
    rows = (
        Counterpart.objects.filter(claim_id__in=ids)
        .only(
            "claim_id", "version_id", "start", "end", "exact", "confidence", "fact_diffs", "status"
        )
        .annotate(candidate_count=JSONArrayLength("candidates"))
        .order_by()
    )
    in_sql = connections[rows.db].vendor != "sqlite"
    if in_sql:
        rows = rows.annotate(other_pk=best_claim())
    rows = list(rows)
    if not in_sql:
        _find_best_claims(rows)
    for cp in sorted(rows, key=lambda cp: (order[cp.version_id], cp.version_id)):
        cp.version = by_pk[cp.version_id]
        counterparts.setdefault(cp.claim_id, []).append(cp)

    others: dict[int, Other] = {}
    if other_pks := {cp.other_pk for group in counterparts.values() for cp in group} - {None}:
        # What the board shows of a counterpart's claim: its number, link and rating, as
        # one row per verdict.
        for pk, version_id, number, settled, rating in (
            Claim.objects.filter(pk__in=other_pks)
            .order_by()
            .values_list("pk", "version_id", "number", "settled_rating", "verdicts__rating")
        ):
            other = others.get(pk)
            if other is None:
                other = others[pk] = Other(
                    pk, version_id, number, settled, version=by_pk.get(version_id)
                )
            if rating is not None:
                other.ratings.append(rating)
    return [
        Entry(
            claim,
            claim.reason_codes,
            [(cp, others.get(cp.other_pk)) for cp in counterparts.get(claim.pk, [])],
            verdicts.get(claim.pk, []),
        )
        for claim in claims
    ]


def board_summary(versions) -> dict:
    """The counters of summarise() over the story's ``versions``, counted in SQL: one query."""
    claims = claims_of(versions)
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


def ratings_by_claim(versions) -> list[_Rated]:
    """Every claim's version, status and ratings (of the story's ``versions``), as plain
    values: two queries."""
    claims = {
        pk: _Rated(version_id, status, settled_rating)
        for pk, version_id, status, settled_rating in claims_of(versions)
        .order_by()
        .values_list("pk", "version_id", "status", "settled_rating")
    }
    for claim_id, reviewer_id, rating in (
        Verdict.objects.filter(claim__version_id__in=[v.pk for v in versions])
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
    # Thousands of claims share a few combinations of ratings: each judged once.
    shown: dict[tuple, str | None] = {}

    def key(r: _Rated) -> str:
        ratings = (r.settled_rating, *r.ratings.values())
        if ratings not in shown:
            shown[ratings] = r.display_rating
        return shown[ratings] or ("contested" if r.status == "contested" else "unrated")

    return _chart(versions, ((r.version_id, key(r)) for r in rated))


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


def only_one_version(versions, limit: int | None = None) -> list[OnlyOne]:
    """The first ``limit`` claims (by version and position) that another version does not
    state, with those versions: one query over their absent counterparts."""
    absent = Counterpart.objects.filter(
        claim__version_id__in=[v.pk for v in versions],
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
        rated = ratings_by_claim(versions)
        figures = {
            "agreement": rated_agreement(rated),
            "chart": [
                {**row, "version": row["version"].pk} for row in rated_chart(rated, versions)
            ],
            "summary": board_summary(versions),
            "reviewers": list(
                get_user_model()
                .objects.filter(
                    Exists(
                        Verdict.objects.filter(
                            reviewer=OuterRef("pk"), claim__version_id__in=[v.pk for v in versions]
                        )
                    )
                )
                .only("username", "first_name", "last_name")
                .order_by("username")
            ),
            "only_one": only_one_version(versions),
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
