"""Check-worthiness rules: case tables, ranking properties, and the pluggable scorer."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from articles.text import checkworthy


@pytest.mark.parametrize(
    "sentence",
    [
        "The council voted on Tuesday to spend £4.2m on the wall.",
        "Unemployment fell to 4.1% in March, according to the Office for National Statistics.",
        "Mr Allen said the vote was “a turning point” for the town.",
        "The Biden administration imposed more limits on the trade of chips to China.",
        "It protects 3,400 homes, more than any other scheme in the county.",
        "Prices rose because the harbour closed in 2019.",
    ],
)
def test_checkable_statements_are_suggested(sentence):
    assert checkworthy.rank([sentence]), sentence


@pytest.mark.parametrize(
    "sentence",
    [
        "Will the town vote for it?",
        "This could change everything in the years ahead.",
        "Silicon Valley is watching with a mix of disbelief and concern.",
        "It was a lovely day.",
        "Post a Comment",
        "",
        "   ",
    ],
)
def test_questions_predictions_and_opinions_are_not(sentence):
    assert checkworthy.rank([sentence]) == []


def test_headings_and_bylines_are_never_suggested():
    sentence = "Council spends £4.2m on 3,400 homes in 2024, mayor says"
    assert checkworthy.rank([sentence], kinds=["paragraph"])
    assert checkworthy.rank([sentence], kinds=["heading"]) == []
    assert checkworthy.rank([sentence], kinds=["byline"]) == []


def test_a_fact_that_differs_from_the_other_version_ranks_higher():
    a = "The council spent £4.2m on the wall, officials said."
    b = "The council spent £3.1m on the road, officials said."
    ranked = checkworthy.rank([a, b], differs=[False, True])
    assert [c.index for c in ranked] == [1, 0]
    assert "differs from the other version" in ranked[0].reasons


def test_differing_compares_linked_sentences_only():
    left = ["It cost £4.2m.", "It rained.", "Only here: 5 people."]
    right = ["It cost £42m.", "It rained."]
    assert checkworthy.differing(left, right, [([0], [0]), ([1], [1])]) == [True, False, False]


def test_the_scorer_is_pluggable():
    def numbers_only(s: checkworthy.Signals) -> float:
        return 10.0 if s.numeric else 0.0

    ranked = checkworthy.rank(
        ["He said so, the minister confirmed.", "It has 3 rooms."], scorer=numbers_only
    )
    assert [c.index for c in ranked] == [1]


def test_no_sentences_no_suggestions():
    assert checkworthy.rank([]) == []


@given(st.lists(st.text(max_size=120), max_size=8))
def test_ranking_is_ordered_in_bounds_and_unique(sentences):
    ranked = checkworthy.rank(sentences)
    assert [c.score for c in ranked] == sorted((c.score for c in ranked), reverse=True)
    assert len({c.index for c in ranked}) == len(ranked)
    assert all(0 <= c.index < len(sentences) for c in ranked)
    assert all(c.score >= checkworthy.THRESHOLD for c in ranked)
