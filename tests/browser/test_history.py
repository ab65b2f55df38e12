"""A claim's history opens inside the claim panel, with the change of a verdict's rating."""

import re

import pytest
from playwright.sync_api import expect

from articles.models import Claim, Verdict
from tests.browser.conftest import select_text

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

UI_TIMEOUT = 10_000  # ms: a page load or an htmx swap, on a busy machine

PHRASE = "spend £4.2m on the wall"


def save_verdict(page, rating, rationale, revision):
    """Save the verdict form; wait until the panel shows the verdict at that revision."""
    form = page.locator("#my-verdict")
    form.locator(f"input[name=rating][value={rating}]").check()
    form.locator("textarea[name=rationale]").fill(rationale)
    form.locator("button[name=save]").click()
    expect(page.locator("#my-verdict input[name=revision]")).to_have_value(
        str(revision), timeout=UI_TIMEOUT
    )
    expect(page.locator("#my-verdict .notice")).to_have_text("Verdict saved.", timeout=UI_TIMEOUT)


def test_show_history_lists_the_claim_and_both_states_of_a_verdict_in_place(
    page, live_server, login, reviewer, original, rewritten
):
    login(page, reviewer).goto(f"{live_server.url}/versions/{original.pk}/")
    select_text(page, "#version-text", PHRASE)
    expect(page.locator("#claim-form")).to_be_visible(timeout=UI_TIMEOUT)
    page.click("#mark-claim")
    expect(page.locator("#claim-panel .claim-panel > .notice")).to_have_text(
        "Claim #1 marked.", timeout=UI_TIMEOUT
    )
    claim = Claim.objects.get(version=original)

    save_verdict(page, "accurate", "The minutes say £4.2m.", revision=1)
    expect(page.locator("#my-verdict h3")).to_have_text("Your verdict", timeout=UI_TIMEOUT)
    save_verdict(page, "mostly_inaccurate", "The minutes say £4.2m.", revision=2)
    verdict = Verdict.objects.get(claim=claim, reviewer=reviewer)
    assert (verdict.rating, verdict.revision) == ("mostly_inaccurate", 2)
    mine = page.locator('#verdicts li.verdict[data-reviewer="rosa"]')
    expect(mine.locator(".verdict__rating")).to_contain_text(
        "Mostly inaccurate", timeout=UI_TIMEOUT
    )

    page.evaluate("window.__marker = 1")
    page.locator("#claim-history-slot").get_by_role("link", name="Show history").click()
    history = page.locator("#claim-history-slot #history")
    expect(history).to_be_visible(timeout=UI_TIMEOUT)
    assert page.evaluate("window.__marker") == 1, "the page reloaded instead of swapping"
    assert page.url == f"{live_server.url}/versions/{original.pk}/"

    # Newest first: the rating change, the first verdict, then the claim itself.
    events = history.locator("li.event")
    expect(events).to_have_count(3, timeout=UI_TIMEOUT)
    changed, added, marked = events.nth(0), events.nth(1), events.nth(2)
    expect(changed).to_have_class(re.compile(r"\bevent--verdict\b"), timeout=UI_TIMEOUT)
    expect(changed).to_contain_text(
        "Rosa changed verdict of Rosa: MIN Mostly inaccurate", timeout=UI_TIMEOUT
    )
    expect(changed.locator("ul.changes li")).to_have_text(
        ["rating: ACC Accurate → MIN Mostly inaccurate"], timeout=UI_TIMEOUT
    )
    expect(changed.locator("ul.changes del")).to_have_text("ACC Accurate", timeout=UI_TIMEOUT)
    expect(changed.locator("ul.changes ins")).to_have_text(
        "MIN Mostly inaccurate", timeout=UI_TIMEOUT
    )
    expect(added).to_have_class(re.compile(r"\bevent--verdict\b"), timeout=UI_TIMEOUT)
    expect(added).to_contain_text("Rosa added verdict of Rosa: ACC Accurate", timeout=UI_TIMEOUT)
    expect(marked).to_have_class(re.compile(r"\bevent--claim\b"), timeout=UI_TIMEOUT)
    expect(marked).to_contain_text(f"Rosa added claim “{PHRASE}”", timeout=UI_TIMEOUT)
    # The panel around the history is still the claim's, with the verdict form in place.
    expect(page.locator("#claim-panel")).to_contain_text("Claim #1", timeout=UI_TIMEOUT)
    expect(page.locator("#my-verdict input[name=rating][value=mostly_inaccurate]")).to_be_checked(
        timeout=UI_TIMEOUT
    )
