"""Reads for the contested-claims dashboard: contested claims, claims in one version only,
counts, agreement. Why a claim is contested is the claim's own business (Claim.contest_reasons).

All of a story's claims are loaded in a fixed number of queries and judged in Python.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Prefetch

from articles import claim_status
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
    import krippendorff
    import numpy as np

    reviewers = sorted({v.reviewer_id for e in entries for v in e.claim.verdicts.all()})
    units = []
    for e in entries:
        ratings = {v.reviewer_id: SCALE[v.rating].value for v in e.claim.verdicts.all()}
        if sum(1 for value in ratings.values() if value is not None) >= 2:
            units.append(ratings)
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
    rows = []
    for version in versions:
        counts = Counter(
            e.claim.display_rating or ("contested" if e.status == "contested" else "unrated")
            for e in entries
            if e.claim.version_id == version.pk
        )
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


def contested_counts(stories) -> dict[int, int]:
    """How many open claims of each story are contested, in a fixed number of queries."""
    claims = (
        Claim.objects.filter(version__story__in=stories, settled_at__isnull=True)
        .select_related("version")
        .prefetch_related(
            Prefetch("verdicts", queryset=Verdict.objects.only("id", "claim_id", "rating")),
            "counterparts",
        )
    )
    by_story: dict[int, list[Claim]] = {}
    for claim in claims:
        by_story.setdefault(claim.version.story_id, []).append(claim)
    return {
        story_id: sum(1 for e in entries_for(group) if e.status == "contested")
        for story_id, group in by_story.items()
    }
