"""Suggested claims against the hand-labelled check-worthy sentences of the seed texts."""

import pytest

from tests.articles import seed_checkworthy

pytestmark = pytest.mark.skipif(
    not seed_checkworthy.available(),
    reason="the seed texts (../shared/seeds/ beside the repository) are not here",
)


@pytest.fixture(scope="module")
def scores():
    return {s.file: s for s in seed_checkworthy.score()}


def test_the_labels_still_match_the_seed_texts(scores):
    assert len(scores) == 2  # score() raises LabelMismatch if a hash does not match


def test_precision_at_10_is_at_least_0_8_on_each_seed(scores):
    for s in scores.values():
        assert s.precision_at_10 >= 0.8, s


def test_most_labelled_sentences_are_suggested(scores):
    for s in scores.values():
        assert s.recall >= 0.7, s
        assert s.precision >= 0.7, s
