"""The verdict scale, defined once: labels, short codes, colours and schema.org mapping."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models


class Rating(models.TextChoices):
    ACCURATE = "accurate", "Accurate"
    MOSTLY_ACCURATE = "mostly_accurate", "Mostly accurate"
    MIXED = "mixed", "Mixed"
    MOSTLY_INACCURATE = "mostly_inaccurate", "Mostly inaccurate"
    INACCURATE = "inaccurate", "Inaccurate"
    UNVERIFIABLE = "unverifiable", "Unverifiable"


@dataclass(frozen=True)
class Step:
    rating: str
    label: str
    code: str
    # schema.org ClaimReview reviewRating.ratingValue, on a 1 (worst) to 5 (best) scale;
    # None for "Unverifiable", which is not a point on the truth scale.
    value: int | None
    colour: str
    tint: str


BEST_RATING = 5
WORST_RATING = 1

SCALE: dict[str, Step] = {
    step.rating: step
    for step in (
        Step(Rating.ACCURATE, "Accurate", "ACC", 5, "#2166ac", "#d1e5f0"),
        Step(Rating.MOSTLY_ACCURATE, "Mostly accurate", "MOS", 4, "#67a9cf", "#e3f0f8"),
        Step(Rating.MIXED, "Mixed", "MIX", 3, "#8c8c8c", "#ececec"),
        Step(Rating.MOSTLY_INACCURATE, "Mostly inaccurate", "MIN", 2, "#ef8a62", "#fbe0d4"),
        Step(Rating.INACCURATE, "Inaccurate", "INA", 1, "#b2182b", "#f6d2d5"),
        Step(Rating.UNVERIFIABLE, "Unverifiable", "UNV", None, "#6b6b6b", "#f0f0f0"),
    )
}


def review_rating(rating: str) -> dict:
    """Return a schema.org Rating (ClaimReview.reviewRating) for a rating on the scale."""
    s = SCALE[rating]
    result = {
        "@type": "Rating",
        "bestRating": BEST_RATING,
        "worstRating": WORST_RATING,
        "alternateName": s.label,
        "name": s.label,
    }
    if s.value is not None:
        result["ratingValue"] = s.value
    return result


def disagree(a: str, b: str) -> bool:
    """True if two ratings are more than one step apart, or one is unverifiable and one not.

    "Accurate" and "Mostly accurate" agree; "Accurate" and "Mixed" do not.
    """
    va, vb = SCALE[a].value, SCALE[b].value
    if va is None or vb is None:
        return (va is None) != (vb is None)
    return abs(va - vb) > 1
