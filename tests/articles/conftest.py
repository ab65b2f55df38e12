"""Fixtures shared by the export and annotation tests."""

import pytest

from articles import publishing

ORGANISATION = {
    "FACTCHECK_ORGANISATION": "Porthallow Fact Desk",
    "FACTCHECK_ORGANISATION_URL": "https://factdesk.example/",
    "FACTCHECK_ORGANISATION_LOGO": "/static/favicon.svg",
}


@pytest.fixture
def organisation(settings):
    for name, value in ORGANISATION.items():
        setattr(settings, name, value)


@pytest.fixture
def unpublished(prebuilt, editor, reviewer, reviewer2, original, rewritten):
    """Three claims on the two versions: one settled, one contested, one agreed; one unjudged.

    Built by build_judged_story once a session, its rows copied in for each test
    (``prebuilt``, tests/conftest.py)."""
    return prebuilt["unpublished"]


@pytest.fixture
def judged(unpublished, editor, organisation):
    """The judged story, its fact-check published."""
    publishing.publication_publish(story=unpublished, user=editor)
    return unpublished
