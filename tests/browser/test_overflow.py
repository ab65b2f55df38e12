"""Issue #16, item 11: a 50,000-character word or a 120-character label wraps; no page
scrolls sideways, at desktop or phone width."""

import pytest

from articles.models import Source, Story, Verdict, Version
from articles.ratings import Rating
from articles.reviewing import claim_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WORD = "W" * 50_000
LABEL = "L" * 120


@pytest.fixture
def hostile(editor, reviewer):
    story = Story.objects.create(title="T" * 200, description=WORD, created_by=editor)
    story.members.add(reviewer)
    text = f"A first sentence about the wall.\n\n{WORD} is a word.\n\nThe council met on Tuesday."
    first = Version.objects.create_from_text(
        story=story, text=text, label=LABEL, outlet="O" * 120, byline="B" * 200, created_by=editor
    )
    second = Version.objects.create_from_text(
        story=story,
        text=text.replace("Tuesday", "Monday"),
        label=LABEL[:-1] + "M",
        created_by=editor,
    )
    phrase = "The council met on Tuesday."
    start = first.text.index(phrase)
    claim, _ = claim_create(
        version=first, user=reviewer, start=start, end=start + len(phrase), exact=phrase
    )
    verdict = Verdict.objects.create(
        claim=claim, reviewer=reviewer, rating=Rating.MIXED, rationale=WORD
    )
    Source.objects.create(
        verdict=verdict,
        url="https://example.org/" + "p" * 1900,
        title="S" * 300,
        publisher="P" * 200,
        quote=WORD[:5000],
    )
    return story, first, second, claim


@pytest.mark.parametrize("width", [1280, 390])
def test_no_page_scrolls_sideways(live_server, page, login, reviewer, hostile, width):
    story, first, second, claim = hostile
    page.set_viewport_size({"width": width, "height": 900})
    login(page, reviewer)
    paths = [
        "/",
        f"/stories/{story.pk}/",
        f"/versions/{first.pk}/?claim={claim.pk}",
        f"/stories/{story.pk}/dashboard/",
        f"/versions/{first.pk}/compare/{second.pk}/",
        f"/claims/{claim.pk}/history/",
    ]
    too_wide = {}
    for path in paths:
        page.goto(live_server.url + path)
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        if scroll_width > width + 1:
            too_wide[path] = scroll_width
    assert not too_wide, too_wide
