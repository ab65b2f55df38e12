"""A long version's reading view shows a window of its text; the rest loads in windows."""

import re
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from articles import reading
from articles.models import Verdict
from articles.ratings import Rating
from articles.reviewing import claim_create
from articles.versions import import_version
from tests.conftest import span_of
from tests.generated import long_text

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def small_windows(monkeypatch):
    """Windows of about 1,500 characters, for texts over 2,000: a short text reads as long."""
    monkeypatch.setattr(reading, "LAZY_CHARS", 2_000)
    monkeypatch.setattr(reading, "WINDOW_CHARS", 1_500)
    monkeypatch.setattr(reading, "WINDOW_BLOCKS", 4)


@pytest.fixture
def long_version(story, editor):
    # 60 sentences in paragraphs of 3: 20 blocks, about 9,000 characters.
    text = long_text(60, seed=3, per_paragraph=3)
    return import_version(story=story, text=text, label="Long report", created_by=editor)


class _Text(HTMLParser):
    """The text nodes of an HTML fragment, and the ids of its blocks."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.text, self.blocks = [], []

    def handle_data(self, data):
        self.text.append(data)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "block" in (attrs.get("class") or "").split():
            self.blocks.append(int(attrs["id"][1:]))


def parse(html: str) -> _Text:
    parser = _Text()
    parser.feed(html)
    return parser


def blocks_url(version, **query):
    url = reverse("articles:version_blocks", args=[version.pk])
    return url + "?" + "&".join(f"{k}={v}" for k, v in query.items())


def later_link(html: str) -> int | None:
    found = re.search(r'class="more more--later" href="\?from=(\d+)"', html)
    return int(found[1]) if found else None


def earlier_link(html: str) -> int | None:
    found = re.search(r'class="more more--earlier" href="\?before=(\d+)"', html)
    return int(found[1]) if found else None


def text_region(html: str) -> str:
    return re.search(r'<div id="version-text"[^>]*>(.*?)</div>', html, re.S)[1]


def test_a_short_version_shows_its_whole_text(client, reviewer, original):
    client.force_login(reviewer)
    html = client.get(original.get_absolute_url()).content.decode()
    assert "data-blocks-url" not in html
    assert 'class="more' not in html
    assert "".join(parse(text_region(html)).text) == original.text


def test_a_long_version_opens_with_its_first_window(client, reviewer, long_version, small_windows):
    client.force_login(reviewer)
    html = client.get(long_version.get_absolute_url()).content.decode()
    region = text_region(html)
    shown = parse(region)
    assert shown.blocks[0] == 0
    assert 1 < len(shown.blocks) <= 4
    assert later_link(region) == shown.blocks[-1] + 1
    assert earlier_link(region) is None
    assert long_version.text.startswith("".join(shown.text))
    assert len("".join(shown.text)) < len(long_version.text)
    assert "data-blocks-url" in html


def test_the_windows_tile_the_whole_text(client, reviewer, long_version, small_windows):
    """Following each window's link to the next gives every block once and the text exactly."""
    client.force_login(reviewer)
    region = text_region(client.get(long_version.get_absolute_url()).content.decode())
    text, blocks = "".join(parse(region).text), parse(region).blocks
    while (following := later_link(region)) is not None:
        region = client.get(blocks_url(long_version, **{"from": following}), **HTMX)
        assert region.status_code == 200
        region = region.content.decode()
        assert earlier_link(region) is None  # it goes after what the page has
        shown = parse(region)
        assert shown.blocks[0] == following
        text += "".join(shown.text)
        blocks += shown.blocks
    assert text == long_version.text
    assert blocks == list(range(long_version.blocks.count()))
    assert len(blocks) == 20


def test_the_window_before_a_block_ends_where_it_starts(
    client, reviewer, long_version, small_windows
):
    client.force_login(reviewer)
    block = long_version.blocks.get(position=10)
    response = client.get(blocks_url(long_version, before=10), **HTMX)
    html = response.content.decode()
    shown = parse(html)
    assert shown.blocks[-1] == 9
    assert later_link(html) is None  # it goes before what the page has
    assert earlier_link(html) == shown.blocks[0]
    assert long_version.text[: block.start].endswith("".join(shown.text))
    first = long_version.blocks.get(position=shown.blocks[0])
    assert "".join(shown.text) == long_version.text[first.start : block.start]


def test_the_first_window_before_reaches_the_top(client, reviewer, long_version, small_windows):
    client.force_login(reviewer)
    block = long_version.blocks.get(position=2)
    html = client.get(blocks_url(long_version, before=2), **HTMX).content.decode()
    assert parse(html).blocks == [0, 1]
    assert "".join(parse(html).text) == long_version.text[: block.start]
    assert earlier_link(html) is None


def test_a_window_holds_at_least_one_block_however_long(
    client, reviewer, long_version, monkeypatch
):
    monkeypatch.setattr(reading, "LAZY_CHARS", 10)
    monkeypatch.setattr(reading, "WINDOW_CHARS", 10)
    client.force_login(reviewer)
    html = client.get(blocks_url(long_version, **{"from": 5}), **HTMX).content.decode()
    assert parse(html).blocks == [5]
    assert later_link(html) == 6


def test_the_last_window_ends_with_the_text(client, reviewer, long_version, small_windows):
    client.force_login(reviewer)
    html = client.get(blocks_url(long_version, **{"from": 19}), **HTMX).content.decode()
    assert parse(html).blocks == [19]
    assert later_link(html) is None
    assert long_version.text.endswith("".join(parse(html).text))
    assert "".join(parse(html).text).endswith("\n")  # the text after the last block


def test_a_window_marks_its_claims(client, reviewer, long_version, small_windows):
    block = long_version.blocks.get(position=12)
    words = long_version.text[block.start : block.start + 40].rsplit(" ", 1)[0]
    start, end = block.start, block.start + len(words)
    claim, _ = claim_create(version=long_version, user=reviewer, start=start, end=end, exact=words)
    client.force_login(reviewer)
    html = client.get(blocks_url(long_version, **{"from": 12}), **HTMX).content.decode()
    assert f'id="hl-{claim.pk}"' in html
    assert f'data-n="{claim.number}"' in html
    top = client.get(blocks_url(long_version, **{"from": 0}), **HTMX).content.decode()
    assert f'data-claim="{claim.pk}"' not in top


def test_jumping_to_a_claim_shows_the_window_that_holds_it(
    client, reviewer, long_version, small_windows
):
    block = long_version.blocks.get(position=15)
    words = long_version.text[block.start : block.start + 30].rsplit(" ", 1)[0]
    claim, _ = claim_create(
        version=long_version, user=reviewer, start=block.start, end=block.start + len(words),
        exact=words,
    )  # fmt: skip
    client.force_login(reviewer)
    html = client.get(blocks_url(long_version, claim=claim.pk), **HTMX).content.decode()
    assert parse(html).blocks[0] == 15
    assert earlier_link(html) == 15
    assert f'id="hl-{claim.pk}"' in html
    # The page opened at the claim (links from the dashboard, search, the queue) does too.
    page = client.get(f"{long_version.get_absolute_url()}?claim={claim.pk}").content.decode()
    assert parse(text_region(page)).blocks[0] == 15
    assert f'id="hl-{claim.pk}"' in page
    assert 'id="claim-panel"' in page and f'data-claim="{claim.pk}"' in page


def test_jumping_to_a_sentence_shows_the_window_that_holds_it(
    client, reviewer, long_version, small_windows
):
    sentence = long_version.sentences.get(position=40)
    client.force_login(reviewer)
    html = client.get(blocks_url(long_version, sentence=40), **HTMX).content.decode()
    assert 'id="s40"' in html
    assert parse(html).blocks[0] == sentence.block.position


def test_without_javascript_the_windows_are_pages(client, reviewer, long_version, small_windows):
    client.force_login(reviewer)
    response = client.get(blocks_url(long_version, **{"from": 8}))
    assert response.status_code == 302
    assert response["Location"] == f"{long_version.get_absolute_url()}?from=8"
    page = client.get(response["Location"]).content.decode()
    region = text_region(page)
    assert parse(region).blocks[0] == 8
    assert earlier_link(region) == 8
    assert later_link(region) is not None
    # A link to a place that is not there opens the top.
    page = client.get(f"{long_version.get_absolute_url()}?from=999").content.decode()
    assert parse(text_region(page)).blocks[0] == 0


@pytest.mark.parametrize(
    "query",
    ["", "from=", "from=x", "from=-1", "from=1.5", "from=%C2%B2", "from=1&before=3", "other=2"],
)
def test_it_refuses_a_window_it_cannot_read(client, reviewer, long_version, query):
    client.force_login(reviewer)
    url = reverse("articles:version_blocks", args=[long_version.pk]) + "?" + query
    assert client.get(url, **HTMX).status_code == 400


def test_it_answers_404_for_a_place_that_is_not_there(
    client, reviewer, long_version, original, small_windows
):
    start, end = span_of(original, "takes eighteen months")
    elsewhere, _ = claim_create(
        version=original, user=reviewer, start=start, end=end, exact="takes eighteen months"
    )
    client.force_login(reviewer)
    for query in [
        {"from": 20},
        {"from": 999999999},
        {"before": 0},
        {"before": 20},
        {"sentence": 60},
        {"claim": elsewhere.pk},  # a claim of another version
    ]:
        assert client.get(blocks_url(long_version, **query), **HTMX).status_code == 404, query


def test_an_outsider_gets_404(client, outsider, long_version):
    client.force_login(outsider)
    assert client.get(blocks_url(long_version, **{"from": 0}), **HTMX).status_code == 404


def test_a_window_takes_a_fixed_number_of_queries(
    client, reviewer, reviewer2, long_version, small_windows, django_assert_num_queries
):
    client.force_login(reviewer)
    # session, user (and whether an editor: articles/auth.py), version, blocks, where its
    # claims cut it, text, sentences, claims, verdicts, counterparts
    with django_assert_num_queries(10):
        client.get(blocks_url(long_version, **{"from": 0}), **HTMX)
    for block in long_version.blocks.filter(position__in=[0, 1, 2, 3]):
        words = long_version.text[block.start : block.start + 30].rsplit(" ", 1)[0]
        claim, _ = claim_create(
            version=long_version, user=reviewer, start=block.start,
            end=block.start + len(words), exact=words,
        )  # fmt: skip
        Verdict.objects.create(claim=claim, reviewer=reviewer2, rating=Rating.MIXED)
    with django_assert_num_queries(10):
        html = client.get(blocks_url(long_version, **{"from": 0}), **HTMX).content.decode()
    assert html.count('tabindex="0"') == 4
    with django_assert_num_queries(10):
        client.get(blocks_url(long_version, before=12), **HTMX)
    with django_assert_num_queries(12):  # and the claim's start, and its block
        client.get(blocks_url(long_version, claim=claim.pk), **HTMX)


def test_the_long_reading_view_takes_as_many_queries_as_a_short_one(
    client, reviewer, original, long_version, small_windows
):
    client.force_login(reviewer)
    client.get(original.get_absolute_url())
    with CaptureQueriesContext(connection) as short:
        client.get(original.get_absolute_url())
    with CaptureQueriesContext(connection) as long:
        client.get(long_version.get_absolute_url())
    # The long one reads its window's blocks, where its claims cut it, text, sentences and
    # claims (7 queries) where the short one reads its first block's id (its segments and
    # HTML are cached).
    assert len(long.captured_queries) == len(short.captured_queries) + 6
    # Neither reads a whole text but its own short one.
    long_sql = " ".join(q["sql"] for q in long.captured_queries)
    assert "SUBSTRING" in long_sql.upper() or "SUBSTR" in long_sql.upper()
