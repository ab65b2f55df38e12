"""The HTML summary's repeated parts written without the template engine (export_html) write
what the templates they replace wrote; counterpart_claim's shortcut finds the same claim."""

import datetime as dt
import random
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.utils import timezone
from django.utils.safestring import mark_safe

from articles import claim_status, export_html
from articles.text.anchoring import MAX_CLAIM_CHARS

TIME = Template(
    '<time datetime="{{ m|date:\'Y-m-d\\TH:i:sO\' }}">{{ m|date:"j M Y" }}</time>'
    '|<time datetime="{{ m|date:\'Y-m-d\\TH:i:sO\' }}">{{ m|date:"j M Y, H:i" }}</time>'
)
MOMENTS = [
    dt.datetime(2025, 3, 4, 9, 5, 7, 123456, tzinfo=dt.UTC),
    dt.datetime(2026, 1, 31, 23, 59, 59, tzinfo=dt.UTC),  # another day in New York
    dt.datetime(2025, 7, 1, 12, 0, tzinfo=dt.UTC),  # summer time in London
    dt.datetime(2025, 10, 26, 0, 30, tzinfo=dt.UTC),  # 01:30 in London, which happens twice
    dt.datetime(2025, 10, 26, 1, 30, tzinfo=dt.UTC),  # the second 01:30
    dt.datetime(2024, 12, 31, 18, 45, tzinfo=ZoneInfo("Asia/Kolkata")),  # +0530
    dt.datetime(987, 6, 5, 4, 3, 2, tzinfo=dt.UTC),  # a year of three digits
]


@pytest.mark.parametrize("zone", ["UTC", "Europe/London", "America/New_York", "Asia/Kathmandu"])
@pytest.mark.parametrize("moment", MOMENTS, ids=lambda m: m.isoformat())
def test_time_element_writes_what_the_date_filter_writes(zone, moment):
    with timezone.override(ZoneInfo(zone)):
        expected = TIME.render(Context({"m": moment}))
        written = export_html.time_element(moment) + "|" + export_html.time_element(moment, True)
    assert written == expected
    assert "T" in written.split('"')[1]


def test_time_element_follows_the_active_language(settings):
    from django.utils import translation

    moment = MOMENTS[0]
    with translation.override("de"):
        expected = TIME.render(Context({"m": moment})).split("|")[0]
        assert export_html.time_element(moment) == expected
    assert "Mär" in expected


def test_time_element_of_a_naive_datetime_uses_the_default_time_zone(settings):
    settings.USE_TZ = False
    moment = dt.datetime(2025, 3, 4, 9, 5, 7)
    assert export_html.time_element(moment) == TIME.render(Context({"m": moment})).split("|")[0]


@pytest.mark.parametrize(
    "value",
    ['<b a="1">&amp;</b>', "it's", "plain", "", 42, "£4.2m ⚑", mark_safe("<i>safe</i>")],
)
def test_h_escapes_as_a_template_variable_does(value):
    assert export_html.h(value) == Template("{{ v }}").render(Context({"v": value}))


def test_number_link_and_highlight_escape_and_mark_state():
    view = {
        "pk": 7,
        "anchor": "claim-7",
        "number": 3,
        "status": "contested",
        "rating": "mixed",
        "code": "<C>",
    }
    link = export_html.number_link(view)
    assert link == (
        '<a class="hl-n hl-n--contested" id="text-claim-7" href="#claim-7" '
        'aria-label="Claim #3 &lt;C&gt;, contested" data-n="#3 &lt;C&gt;"></a>'
    )
    assert export_html.highlight(view, 2, "a < b") == (
        '<mark class="hl hl--contested has-rating r-mixed" data-depth="2">a &lt; b</mark>'
    )
    plain = {**view, "status": "open", "rating": "", "code": ""}
    assert export_html.highlight(plain, 1, "x") == '<mark class="hl hl--open">x</mark>'
    assert 'aria-label="Claim #3"' in export_html.number_link(plain)


def _span(start, end, pk=None):
    return SimpleNamespace(pk=pk, start=start, end=end, version_id=1)


def _slow_counterpart_claim(counterpart, claims):
    """The claim overlapping the counterpart most, the last in (start, end) order on a tie."""
    best, best_overlap = None, 0
    for other in sorted(claims, key=lambda c: (c.start, c.end)):
        overlap = min(other.end, counterpart.end) - max(other.start, counterpart.start)
        if overlap >= best_overlap and overlap > 0:
            best, best_overlap = other, overlap
    return best


def test_counterpart_claim_finds_the_claim_that_overlaps_most():
    rng = random.Random(4)
    for _ in range(300):
        claims = []
        for pk in range(rng.randint(0, 40)):
            start = rng.randint(0, 3000)
            length = rng.choice([1, 5, 40, 300, MAX_CLAIM_CHARS])
            claims.append(_span(start, start + length, pk))
        start = rng.randint(0, 3200)
        counterpart = _span(start, start + rng.randint(1, 400))
        found = claim_status.counterpart_claim(counterpart, {1: claim_status.Sorted(claims)})
        assert found is _slow_counterpart_claim(counterpart, claims)


def test_a_long_claim_far_back_still_covers_the_counterpart():
    long_claim = _span(0, 900, pk=1)
    short = [_span(800 + i, 801 + i, pk=10 + i) for i in range(5)]
    counterpart = _span(850, 880)
    found = claim_status.counterpart_claim(
        counterpart, {1: claim_status.Sorted([long_claim, *short])}
    )
    assert found is long_claim
    assert claim_status.Sorted([long_claim, *short]).longest == 900
