"""The compare page of the demo story: fact badges, word differences, gaps, an editor's link."""

import io
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from articles import comparison
from articles.management.commands.load_demo import OWN_TITLE
from articles.models import SentenceLink, Story

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

UI_TIMEOUT = 10_000  # ms: a page load or an htmx swap, on a busy machine

GAP = "Not in this version"


@pytest.fixture
def demo(monkeypatch, reviewer):
    """The project's own two-version demo story (no shared seeds), with rosa as a member."""
    monkeypatch.setenv("FACTCHECK_SEEDS", "/nonexistent/factcheck-seeds")
    call_command("load_demo", stdout=io.StringIO())
    story = Story.objects.get(title=OWN_TITLE)
    story.members.add(reviewer)
    original, rewritten = story.versions.order_by("pk")
    return story, original, rewritten


def row_with(version, other, words):
    """The compare row (as the app computes it) whose left sentence holds words."""
    rows = [r for r in comparison.compare_rows(version, other) if words in r.left_text]
    assert len(rows) == 1, f"expected one row holding {words!r}"
    return rows[0]


def open_compare_from_story(page, live_server, story, original, rewritten):
    page.goto(f"{live_server.url}{story.get_absolute_url()}")
    page.get_by_role(
        "link", name=f"Compare {original.label} and {rewritten.label}", exact=True
    ).click()
    page.wait_for_url(
        f"{live_server.url}/versions/{original.pk}/compare/{rewritten.pk}/", timeout=UI_TIMEOUT
    )
    expect(page.locator("h1")).to_have_text("Compare versions", timeout=UI_TIMEOUT)


def test_compare_page_shows_fact_badges_word_differences_and_gaps(
    page, live_server, login, reviewer, demo
):
    story, original, rewritten = demo
    money_row = row_with(original, rewritten, "£4.2m")
    facts = [f.describe() for f in money_row.facts]
    assert "money: £4.2m vs £42m" in facts
    only_left = row_with(original, rewritten, "Reporting from Porthallow")
    assert only_left.kind == "left-only"

    login(page, reviewer)
    open_compare_from_story(page, live_server, story, original, rewritten)

    row = page.locator(f"#row-{money_row.left[0].position}")
    expect(row).to_have_class(re.compile(r"\bcompare-row--facts\b"), timeout=UI_TIMEOUT)
    badges = row.locator(".compare__facts li.fact")
    expect(badges).to_have_text(facts, timeout=UI_TIMEOUT)
    expect(row.locator("li.fact--money")).to_have_text("money: £4.2m vs £42m", timeout=UI_TIMEOUT)

    left_cell, right_cell = (
        row.locator("td.compare__cell").nth(0),
        row.locator("td.compare__cell").nth(1),
    )
    deleted = [text for op, text in money_row.ops if op == "delete"]
    inserted = [text for op, text in money_row.ops if op == "insert"]
    expect(left_cell.locator("del")).to_have_text(deleted, timeout=UI_TIMEOUT)
    expect(right_cell.locator("ins")).to_have_text(inserted, timeout=UI_TIMEOUT)
    expect(left_cell.locator("del", has_text="£4.2m")).to_have_count(1, timeout=UI_TIMEOUT)
    expect(right_cell.locator("ins", has_text="£42m")).to_have_count(1, timeout=UI_TIMEOUT)
    expect(left_cell.locator("ins")).to_have_count(0, timeout=UI_TIMEOUT)
    expect(right_cell.locator("del")).to_have_count(0, timeout=UI_TIMEOUT)

    gap_row = page.locator(f"#row-{only_left.left[0].position}")
    expect(gap_row).to_have_class(re.compile(r"\bcompare-row--left-only\b"), timeout=UI_TIMEOUT)
    expect(gap_row.locator("td.compare__cell").nth(0)).to_contain_text(
        "Reporting from Porthallow", timeout=UI_TIMEOUT
    )
    expect(gap_row.locator("td.compare__cell").nth(1).locator(".gap")).to_have_text(
        GAP, timeout=UI_TIMEOUT
    )

    # A reviewer sees the alignment but cannot correct it.
    expect(page.locator("details.correct")).to_have_count(0, timeout=UI_TIMEOUT)


def test_an_editors_no_counterpart_link_survives_realignment(
    page, live_server, login, editor, demo
):
    story, original, rewritten = demo
    words = "Fishing boats will use the north quay"
    before = row_with(original, rewritten, words)
    assert before.right, "the alignment links the sentence to one in the rewritten copy"
    position = before.left[0].position
    freed = before.right[0]

    login(page, editor)
    open_compare_from_story(page, live_server, story, original, rewritten)
    row = page.locator(f"#row-{position}")
    expect(row.locator("td.compare__cell").nth(1)).not_to_contain_text(GAP, timeout=UI_TIMEOUT)

    row.locator("details.correct summary").click()
    field = row.locator(f"#link-{position}")
    expect(field).to_have_value(str(freed.position + 1), timeout=UI_TIMEOUT)
    field.fill("")
    row.get_by_role("button", name="Save link").click()

    page.wait_for_url(
        re.compile(rf"/compare/{rewritten.pk}/\?at={position}#row-{position}$"), timeout=UI_TIMEOUT
    )
    expect(page.get_by_text("Link corrected. It will survive re-alignment.")).to_be_visible(
        timeout=UI_TIMEOUT
    )
    row = page.locator(f"#row-{position}")
    expect(row).to_be_in_viewport(timeout=UI_TIMEOUT)

    def assert_gap():
        expect(row).to_have_class(re.compile(r"\bcompare-row--left-only\b"), timeout=UI_TIMEOUT)
        expect(row.locator("td.compare__cell").nth(0)).to_contain_text(words, timeout=UI_TIMEOUT)
        expect(row.locator("td.compare__cell").nth(1).locator(".gap")).to_have_text(
            GAP, timeout=UI_TIMEOUT
        )
        expect(row.locator(".compare__facts")).to_contain_text(
            "Linked by an editor", timeout=UI_TIMEOUT
        )
        # The sentence it was linked to now stands alone, facing a gap on the left.
        freed_row = page.locator(
            "tr.compare-row--right-only", has_text="Fishing boats are expected"
        )
        expect(freed_row).to_have_count(1, timeout=UI_TIMEOUT)
        expect(freed_row.locator("td.compare__cell").nth(0).locator(".gap")).to_have_text(
            GAP, timeout=UI_TIMEOUT
        )

    assert_gap()
    link = SentenceLink.objects.get(manual=True)
    assert (link.left_start, link.left_count, link.right_start, link.right_count) == (
        position,
        1,
        None,
        0,
    )

    comparison.align_versions(original, rewritten)
    page.reload()
    assert_gap()
    assert SentenceLink.objects.filter(manual=True).count() == 1
    assert row_with(original, rewritten, words).right == []
