"""Reviewers mark claims with the mouse, give verdicts, and see each other's work live."""

import pytest
from playwright.sync_api import expect

from articles import reviewing
from articles.models import Claim, Verdict
from articles.versions import import_version
from tests.browser.conftest import select_span, select_text

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LIVE_TIMEOUT = 10_000


def version_url(live_server, version):
    return f"{live_server.url}/versions/{version.pk}/"


def mark_claim(page, number=1):
    """Confirm the popover the current selection opened; wait until claim #number is marked."""
    expect(page.locator("#claim-form")).to_be_visible()
    page.click("#mark-claim")
    notice = page.locator("#claim-panel .claim-panel > .notice")
    refused = page.locator("#claim-panel > .form-error")
    expect(notice.or_(refused)).to_be_visible()
    assert not refused.count(), f"the app refused the selection: {refused.inner_text()}"
    expect(notice).to_have_text(f"Claim #{number} marked.")


def claim_on(version, user, words):
    """A claim made without the browser, as test data."""
    start = version.text.index(words)
    claim, _ = reviewing.claim_create(
        version=version, user=user, start=start, end=start + len(words), exact=words
    )
    return claim


def highlight_of(page, claim):
    return page.locator(f'#version-text mark[data-claim="{claim.pk}"]')


def test_it_creates_a_claim_from_a_mouse_selection(page, live_server, login, reviewer, original):
    phrase = "spend £4.2m on the wall"
    login(page, reviewer).goto(version_url(live_server, original))

    select_text(page, "#version-text", phrase)
    expect(page.locator("#claim-form")).to_be_visible()
    expect(page.locator("#mark-claim")).to_have_text("Mark as claim")
    mark_claim(page)

    expect(page.locator("#claim-panel")).to_contain_text("Claim #1")
    claim = Claim.objects.get(version=original)
    assert claim.exact == phrase
    assert original.text[claim.start : claim.end] == phrase
    mark = highlight_of(page, claim)
    expect(mark).to_have_count(1)
    expect(mark).to_have_text(phrase)
    expect(page.locator("#claim-list [data-claim]")).to_have_count(1)
    expect(page.locator("#claim-form")).to_be_hidden()


def test_it_creates_a_claim_spanning_two_paragraphs(page, live_server, login, reviewer, original):
    start_words, end_words = "It protects 3,400", "Work starts in April"
    login(page, reviewer).goto(version_url(live_server, original))

    select_span(page, "#version-text", start_words, end_words)
    mark_claim(page)

    claim = Claim.objects.get(version=original)
    assert claim.start == original.text.index(start_words)
    assert claim.end == original.text.index(end_words) + len(end_words)
    assert claim.exact.startswith(start_words) and claim.exact.endswith(end_words)
    marks = highlight_of(page, claim)
    expect(marks.first).to_be_visible()
    paragraphs = page.locator("#version-text p.block--paragraph")
    expect(paragraphs.nth(0).locator(f'mark[data-claim="{claim.pk}"]')).to_have_text(
        "It protects 3,400 homes."
    )
    expect(paragraphs.nth(1).locator(f'mark[data-claim="{claim.pk}"]')).to_have_text(end_words)


def test_it_saves_a_verdict_with_two_sources(page, live_server, login, reviewer, original):
    claim = claim_on(original, reviewer, "spend £4.2m on the wall")
    login(page, reviewer).goto(version_url(live_server, original))

    highlight_of(page, claim).click()
    panel = page.locator("#claim-panel .claim-panel")
    expect(panel).to_contain_text("Claim #1")
    verdict_form = page.locator("#my-verdict")
    verdict_form.locator("input[name=rating][value=mostly_accurate]").check()
    verdict_form.locator("textarea[name=rationale]").fill(
        "The minutes say <b>bold</b> £4.2m & nothing else."
    )
    verdict_form.locator("input[name=sources-0-url]").fill("HTTPS://Example.COM/a")
    verdict_form.locator("input[name=sources-0-title]").fill("Council minutes")
    verdict_form.locator("input[name=sources-0-publisher]").fill("Harbour council")
    verdict_form.locator("textarea[name=sources-0-quote]").fill("Spend of £4.2m approved.")

    verdict_form.locator("button[name=add_source]").click()
    second_url = page.locator("#my-verdict input[name=sources-1-url]")
    expect(second_url).to_be_visible()
    # What was typed survives the round trip that adds the row.
    expect(page.locator("#my-verdict input[name=sources-0-url]")).to_have_value(
        "HTTPS://Example.COM/a"
    )
    expect(page.locator("#my-verdict textarea[name=rationale]")).to_have_value(
        "The minutes say <b>bold</b> £4.2m & nothing else."
    )
    second_url.fill("http://news.example.org/wall?id=7")
    page.fill("#my-verdict input[name=sources-1-title]", "Wall budget story")
    page.select_option("#my-verdict select[name=sources-1-stance]", "refutes")
    page.click("#my-verdict button[name=save]")

    expect(page.locator("#my-verdict .notice")).to_have_text("Verdict saved.")
    mine = page.locator('#verdicts li.verdict[data-reviewer="rosa"]')
    expect(mine).to_be_visible()
    expect(mine.locator(".verdict__rationale")).to_have_text(
        "The minutes say <b>bold</b> £4.2m & nothing else."
    )
    expect(page.locator("#verdicts b")).to_have_count(0)
    expect(mine.locator(".source")).to_have_count(2)

    verdict = Verdict.objects.get(claim=claim)
    assert verdict.reviewer == reviewer
    assert verdict.rating == "mostly_accurate"
    assert verdict.rationale == "The minutes say <b>bold</b> £4.2m & nothing else."
    sources = list(verdict.sources.order_by("pk"))
    assert [s.url for s in sources] == [
        "https://example.com/a",
        "http://news.example.org/wall?id=7",
    ]
    assert [s.stance for s in sources] == ["supports", "refutes"]
    assert sources[0].publisher == "Harbour council"
    assert sources[0].quote == "Spend of £4.2m approved."


def test_it_shows_another_reviewers_claim_and_verdict_live(
    live_server, open_as, reviewer, reviewer2, original
):
    url = version_url(live_server, original)
    rosa = open_as(reviewer)
    rami = open_as(reviewer2)
    rosa.goto(url)
    rami.goto(url)
    expect(rami.locator("#version-text mark[data-claim]")).to_have_count(0)

    phrase = "Mr. Allen said the vote"
    select_text(rosa, "#version-text", phrase)
    mark_claim(rosa)
    claim = Claim.objects.get(version=original)

    # Rami's page picks the claim up from the poll, without a reload.
    rami_mark = highlight_of(rami, claim)
    expect(rami_mark).to_be_visible(timeout=LIVE_TIMEOUT)
    expect(rami_mark).to_have_text(phrase)
    expect(rami.locator(f'#claim-list [data-claim="{claim.pk}"]')).to_be_visible()
    rami_mark.click()
    expect(rami.locator("#claim-panel")).to_contain_text("Claim #1")
    expect(rami.locator("#verdicts")).to_contain_text("No verdicts yet.")

    rosa.locator("#my-verdict input[name=rating][value=accurate]").check()
    rosa.fill("#my-verdict textarea[name=rationale]", "He said it on the record.")
    rosa.click("#my-verdict button[name=save]")
    expect(rosa.locator("#my-verdict .notice")).to_have_text("Verdict saved.")

    rosas_verdict = rami.locator('#verdicts li.verdict[data-reviewer="rosa"]')
    expect(rosas_verdict).to_be_visible(timeout=LIVE_TIMEOUT)
    expect(rosas_verdict).to_contain_text("He said it on the record.")
    expect(rami.locator("#claim-panel")).to_contain_text("Claim #1")


ASTRAL = """Rocket firm reports costs

The 🚀 launch cost 😀 $2m and 𝒳 rose. Engineers 👩‍🚀 cheered 🎉 loudly.

Later 🙂 the company said its second launch would cost far less than planned.
"""


def test_it_anchors_a_claim_after_emoji_by_code_points(
    page, live_server, login, editor, reviewer, story
):
    version = import_version(story=story, text=ASTRAL, label="Emoji copy", created_by=editor)
    phrase = "its second launch would cost far less"
    assert len(version.text[: version.text.index(phrase)].encode("utf-16-le")) // 2 > (
        version.text.index(phrase)
    ), "the text before the phrase must hold astral characters"
    login(page, reviewer).goto(version_url(live_server, version))

    select_text(page, "#version-text", phrase)
    mark_claim(page)

    claim = Claim.objects.get(version=version)
    assert claim.exact == phrase
    assert version.text[claim.start : claim.end] == phrase
    expect(highlight_of(page, claim)).to_have_text(phrase)

    # A phrase holding an emoji ZWJ sequence, in the sentence after the others, too.
    second = "Engineers 👩‍🚀 cheered"
    select_text(page, "#version-text", second)
    mark_claim(page, number=2)
    claim2 = Claim.objects.get(version=version, number=2)
    assert claim2.exact == second
    assert version.text[claim2.start : claim2.end] == second
    expect(highlight_of(page, claim2)).to_have_text(second)


def test_escape_dismisses_the_popover_and_enter_confirms_it(
    page, live_server, login, reviewer, original
):
    phrase = "takes eighteen months"
    login(page, reviewer).goto(version_url(live_server, original))
    popover = page.locator("#claim-form")

    select_text(page, "#version-text", phrase)
    expect(popover).to_be_visible()
    page.keyboard.press("Escape")
    expect(popover).to_be_hidden()
    assert page.evaluate("window.getSelection().isCollapsed")
    assert not Claim.objects.filter(version=original).exists()

    select_text(page, "#version-text", phrase)
    expect(popover).to_be_visible()
    page.keyboard.press("Enter")
    expect(page.locator("#claim-panel .claim-panel > .notice")).to_have_text("Claim #1 marked.")
    expect(popover).to_be_hidden()
    claim = Claim.objects.get(version=original)
    assert claim.exact == phrase
    expect(highlight_of(page, claim)).to_have_text(phrase)
