"""A story with two versions, a claim, a verdict with a source and counterparts, for fuzzing."""

import pytest

from articles.models import Claim, Source, Verdict
from articles.ratings import Rating
from articles.reviewing import claim_create
from tests.conftest import span_of


@pytest.fixture
def world(editor, reviewer, original, rewritten):
    """The editor's claim (with counterparts) and a reviewer's verdict on it."""
    start, end = span_of(original, "protects 3,400 homes")
    claim, _ = claim_create(
        version=original, user=editor, start=start, end=end, exact="protects 3,400 homes"
    )
    verdict = Verdict.objects.create(claim=claim, reviewer=reviewer, rating=Rating.MIXED)
    Source.objects.create(verdict=verdict, url="https://example.org/census")
    return claim


@pytest.fixture
def claim(world):
    return Claim.objects.get(pk=world.pk)
