"""The dashboard's figures over plain values: the chart's counts and the reviewers' agreement."""

from types import SimpleNamespace

from articles.dashboard import _Rated, rated_agreement, rated_chart
from articles.ratings import Rating

V1, V2 = SimpleNamespace(pk=1), SimpleNamespace(pk=2)


def test_the_chart_counts_each_claim_by_the_rating_it_shows():
    both_accurate = {7: Rating.ACCURATE, 8: Rating.ACCURATE}
    rated = [
        _Rated(1, "settled", Rating.INACCURATE, dict(both_accurate)),  # the final verdict
        _Rated(1, "reviewed", "", dict(both_accurate)),
        _Rated(1, "reviewed", "", {8: Rating.ACCURATE, 7: Rating.ACCURATE}),
        _Rated(1, "contested", "", {7: Rating.ACCURATE, 8: Rating.INACCURATE}),
        _Rated(1, "reviewed", "", {7: Rating.UNVERIFIABLE}),
        _Rated(2, "unreviewed", "", {}),
        _Rated(2, "contested", "", {}),  # the versions state different facts
        _Rated(2, "contested", "", dict(both_accurate)),  # the same, with reviewers agreeing
    ]
    rows = rated_chart(rated, [V1, V2])
    counts = [{s["key"]: s["n"] for s in row["segments"]} for row in rows]
    assert counts == [
        {Rating.ACCURATE: 2, Rating.INACCURATE: 1, Rating.UNVERIFIABLE: 1, "contested": 1},
        {Rating.ACCURATE: 1, "contested": 1, "unrated": 1},
    ]
    assert [row["total"] for row in rows] == [5, 3]
    assert [round(s["width"], 1) for s in rows[1]["segments"]] == [33.3, 33.3, 33.3]


def test_agreement_needs_two_reviewers_on_two_claims():
    one = [_Rated(1, "reviewed", "", {7: Rating.ACCURATE}) for _ in range(3)]
    assert rated_agreement(one)["alpha"] is None
    same = [_Rated(1, "reviewed", "", {7: Rating.MIXED, 8: Rating.MIXED}) for _ in range(3)]
    assert rated_agreement(same) == {"alpha": 1.0, "claims": 3, "reviewers": 2}
    split = [
        _Rated(1, "reviewed", "", {7: Rating.ACCURATE, 8: Rating.ACCURATE}),
        _Rated(1, "reviewed", "", {7: Rating.INACCURATE, 8: Rating.INACCURATE}),
        _Rated(1, "reviewed", "", {7: Rating.ACCURATE, 8: Rating.INACCURATE}),
        _Rated(1, "reviewed", "", {7: Rating.UNVERIFIABLE, 8: Rating.MIXED}),  # off the scale
    ]
    result = rated_agreement(split)
    assert result["claims"] == 3 and result["reviewers"] == 2
    assert -1 < result["alpha"] < 1
