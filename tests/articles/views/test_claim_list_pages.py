"""A version with many claims: its reading view is bounded, and every claim can be reached.

Past ``reading.LAZY_CLAIMS`` claims the text shows in windows bounded by claims too
(``WINDOW_CLAIMS``), and the claim list shows ``CLAIM_PAGE`` items, the next page loading
at its end. The limits are made small here so that a few dozen claims count as many.
"""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from articles import reading
from articles.models import Story, Verdict
from articles.ratings import Rating
from articles.reviewing import claim_create
from articles.versions import import_version
from tests.articles.views.test_version_blocks import blocks_url, later_link, parse, text_region
from tests.generated import long_text

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def small_limits(monkeypatch):
    monkeypatch.setattr(reading, "LAZY_CLAIMS", 10)
    monkeypatch.setattr(reading, "CLAIM_PAGE", 4)
    monkeypatch.setattr(reading, "WINDOW_CLAIMS", 6)


@pytest.fixture
def report(story, editor):
    # 60 sentences in paragraphs of 3: 20 blocks, about 9,000 characters (not long).
    text = long_text(60, seed=3, per_paragraph=3)
    return import_version(story=story, text=text, label="Report", created_by=editor)


def mark_sentences(version, user, count: int, *, verdict_by=None) -> list:
    """A claim on each of the first ``count`` sentences (its whole words)."""
    claims = []
    for sentence in version.sentences.order_by("position")[:count]:
        claim, _ = claim_create(
            version=version,
            user=user,
            start=sentence.start,
            end=sentence.end,
            exact=version.text[sentence.start : sentence.end],
        )
        if verdict_by is not None:
            Verdict.objects.create(claim=claim, reviewer=verdict_by, rating=Rating.MIXED)
        claims.append(claim)
    return claims


def list_items(html: str) -> list[int]:
    return [
        int(pk) for pk in re.findall(r'<li class="claim-item[^"]*" id="claim-item-(\d+)"', html)
    ]


def more_after(html: str) -> str | None:
    found = re.search(r'id="claim-items-more" data-after="([\d-]+)"', html)
    return found[1] if found else None


def claims_url(version, after: str) -> str:
    return reverse("articles:version_claims", args=[version.pk]) + f"?after={after}"


def test_a_few_claims_show_whole(client, reviewer, report, small_limits):
    claims = mark_sentences(report, reviewer, 10)
    client.force_login(reviewer)
    html = client.get(report.get_absolute_url()).content.decode()
    assert list_items(html) == [c.pk for c in claims]
    assert more_after(html) is None
    assert "".join(parse(text_region(html)).text) == report.text
    assert "data-blocks-url" not in html


def test_many_claims_show_a_page_of_the_list_and_a_window_of_the_text(
    client, reviewer, report, small_limits
):
    claims = mark_sentences(report, reviewer, 30)
    client.force_login(reviewer)
    html = client.get(report.get_absolute_url()).content.decode()
    assert list_items(html) == [c.pk for c in claims[:4]]
    assert more_after(html) == f"{claims[3].start}-{claims[3].end}-{claims[3].pk}"
    assert "Show more claims</a>" in html
    assert '<span class="count" id="claim-count">30</span>' in html
    # The text: a window holding at most WINDOW_CLAIMS claims' starts (one per sentence here).
    region = text_region(html)
    shown = "".join(parse(region).text)
    assert report.text.startswith(shown) and len(shown) < len(report.text)
    assert 0 < len(set(re.findall(r'id="hl-(\d+)"', region))) <= 6
    assert later_link(region) is not None
    assert "data-blocks-url" in html


def test_the_page_stays_the_same_size_with_three_times_the_claims(
    client, reviewer, reviewer2, story, editor, small_limits
):
    text = long_text(60, seed=3, per_paragraph=3)
    other = Story.objects.create(title="Sea wall, again", created_by=editor)
    other.members.add(reviewer, reviewer2)
    few = import_version(story=story, text=text, label="Report", created_by=editor)
    many = import_version(story=other, text=text, label="Report", created_by=editor)
    mark_sentences(few, reviewer, 15, verdict_by=reviewer2)
    mark_sentences(many, reviewer, 45, verdict_by=reviewer2)
    client.force_login(reviewer)
    sizes, queries = [], []
    for version in (few, many):
        client.get(version.get_absolute_url())
        with CaptureQueriesContext(connection) as ctx:
            html = client.get(version.get_absolute_url()).content.decode()
        sizes.append(len(html))
        queries.append(len(ctx.captured_queries))
        assert len(list_items(html)) == 4
    assert queries[0] == queries[1]
    assert abs(sizes[1] - sizes[0]) < 0.1 * sizes[0]


def test_show_more_reaches_every_claim_once_in_order(client, reviewer, report, small_limits):
    claims = mark_sentences(report, reviewer, 30)
    client.force_login(reviewer)
    html = client.get(report.get_absolute_url()).content.decode()
    seen = list_items(html)
    after = more_after(html)
    pages = 0
    while after is not None:
        response = client.get(claims_url(report, after), **HTMX)
        assert response.status_code == 200
        page = response.content.decode()
        assert len(list_items(page)) <= 4
        seen += list_items(page)
        after = more_after(page)
        if after is not None:
            assert 'id="claim-items-more" data-after' in page and 'data-hx-swap-oob="true"' in page
        pages += 1
    assert seen == [c.pk for c in claims]
    assert pages == 7  # 30 claims, 4 a page: the first on the page, 7 more
    assert '<p id="claim-items-more" data-hx-swap-oob="delete"></p>' in page


def test_a_page_of_claims_takes_a_fixed_number_of_queries(
    client, reviewer, reviewer2, report, small_limits, django_assert_num_queries
):
    claims = mark_sentences(report, reviewer, 30, verdict_by=reviewer2)
    client.force_login(reviewer)
    key = reading.claim_key(claims[3])
    # session, user (and whether an editor), version, claims, verdicts, counterparts
    with django_assert_num_queries(6):
        client.get(claims_url(report, key), **HTMX)


def test_show_more_without_javascript_is_the_reading_view_from_there(
    client, reviewer, report, small_limits
):
    claims = mark_sentences(report, reviewer, 30)
    client.force_login(reviewer)
    key = reading.claim_key(claims[3])
    response = client.get(claims_url(report, key))
    assert response.status_code == 302
    assert response["Location"] == f"{report.get_absolute_url()}?after={key}#claim-list"
    html = client.get(response["Location"]).content.decode()
    assert list_items(html) == [c.pk for c in claims[4:8]]
    assert more_after(html) == reading.claim_key(claims[7])
    assert "Back to the first claims" in html
    assert (
        f'href="{report.get_absolute_url()}?after={reading.claim_key(claims[7])}#claim-list"'
        in html
    )


@pytest.mark.parametrize("after", ["", "1-2", "a-b-c", "1-2-3-4", "-1-2-3", "1.5-2-3"])
def test_a_page_of_claims_needs_a_claim_key(client, reviewer, report, after):
    client.force_login(reviewer)
    url = reverse("articles:version_claims", args=[report.pk]) + f"?after={after}"
    assert client.get(url, **HTMX).status_code == 400


def test_a_page_of_claims_of_another_story_is_hidden(client, report, django_user_model):
    outsider = django_user_model.objects.create_user("olga", password="x")
    client.force_login(outsider)
    assert client.get(claims_url(report, "0-1-1"), **HTMX).status_code == 404


def test_windows_bounded_by_claims_still_tile_the_text_and_show_every_claim(
    client, reviewer, report, small_limits
):
    claims = mark_sentences(report, reviewer, 45)
    client.force_login(reviewer)
    region = text_region(client.get(report.get_absolute_url()).content.decode())
    text, blocks = "".join(parse(region).text), parse(region).blocks
    marked = set(re.findall(r'id="hl-(\d+)"', region))
    windows = 1
    while (following := later_link(region)) is not None:
        region = client.get(blocks_url(report, **{"from": following}), **HTMX).content.decode()
        starts = set(re.findall(r'id="hl-(\d+)"', region))
        assert len(starts) <= 6 or len(parse(region).blocks) == 1
        marked |= starts
        text += "".join(parse(region).text)
        blocks += parse(region).blocks
        windows += 1
    assert text == report.text
    assert blocks == list(range(report.blocks.count()))
    assert marked == {str(c.pk) for c in claims}
    assert windows >= 45 // 6


def test_the_window_before_is_bounded_by_claims_too(client, reviewer, report, small_limits):
    mark_sentences(report, reviewer, 45)
    client.force_login(reviewer)
    html = client.get(blocks_url(report, before=14), **HTMX).content.decode()
    shown = parse(html)
    assert shown.blocks[-1] == 13
    assert 0 < len(set(re.findall(r'id="hl-(\d+)"', html))) <= 6
    first = report.blocks.get(position=shown.blocks[0])
    block = report.blocks.get(position=14)
    assert "".join(shown.text) == report.text[first.start : block.start]


def test_a_claim_far_down_opens_with_its_window(client, reviewer, report, small_limits):
    claims = mark_sentences(report, reviewer, 45)
    client.force_login(reviewer)
    far = claims[40]
    html = client.get(f"{report.get_absolute_url()}?claim={far.pk}").content.decode()
    assert f'id="hl-{far.pk}"' in text_region(html)
    assert f'data-key="{reading.claim_key(far)}"' in html  # the panel: where j/k step from


def test_a_window_is_rendered_once_per_state(client, reviewer, reviewer2, report, small_limits):
    claims = mark_sentences(report, reviewer, 30)
    client.force_login(reviewer)
    url = blocks_url(report, **{"from": 0})
    with CaptureQueriesContext(connection) as cold:
        first = client.get(url, **HTMX).content.decode()
    with CaptureQueriesContext(connection) as warm:
        again = client.get(url, **HTMX).content.decode()
    assert again == first
    # Neither the text nor the sentences are read again: the HTML comes from the cache.
    assert len(warm.captured_queries) == len(cold.captured_queries) - 2
    assert "r-mixed" not in first
    # A verdict changes what the window shows: it is drawn anew, not served stale.
    Verdict.objects.create(claim=claims[0], reviewer=reviewer2, rating=Rating.MIXED)
    changed = client.get(url, **HTMX).content.decode()
    assert re.search(rf'class="hl [^"]*r-mixed" data-claim="{claims[0].pk}"', changed)
