"""Another reviewer's work arrives in place: only the changed paragraphs and list items."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_claims import LIVE_TIMEOUT, claim_on, highlight_of, version_url

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_verdict_and_a_claim_arrive_without_redrawing_the_page(
    open_as, live_server, reviewer, reviewer2, original
):
    wall = claim_on(original, reviewer, "spend £4.2m on the wall")
    url = version_url(live_server, original)
    rosa = open_as(reviewer)
    errors = []
    rosa.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    rosa.goto(url)
    # Rosa has the wall claim open, is typing a quote, and has scrolled a little.
    highlight_of(rosa, wall).click()
    expect(rosa.locator("#verdicts")).to_contain_text("No verdicts yet.")
    rosa.locator(".quote-claim summary").click()
    rosa.fill("#quote-claim", "half-typed words")
    rosa.evaluate(
        """() => {
          window.scrollTo(0, 40);
          window.keptText = document.getElementById("version-text");
          window.keptHeading = document.querySelector("#version-text .block--heading");
          window.keptWallBlock = document.querySelector('#version-text mark[data-claim]').closest(".block");
        }"""
    )
    scrolled = rosa.evaluate("window.scrollY")

    rami = open_as(reviewer2)
    rami.goto(f"{url}?claim={wall.pk}")
    rami.locator("#my-verdict input[name=rating][value=inaccurate]").check()
    rami.fill("#my-verdict textarea[name=rationale]", "The minutes say £42m.")
    rami.click("#my-verdict button[name=save]")
    expect(rami.locator("#my-verdict .notice")).to_have_text("Verdict saved.")
    rami.locator(".quote-claim summary").click()
    rami.fill("#quote-claim", "takes eighteen months")
    rami.locator("#quote-form button[type=submit]").click()
    expect(rami.locator("#claim-panel")).to_contain_text("Claim #2")

    # Rosa's page: Rami's verdict in her open panel, his claim in the text and the list.
    expect(rosa.locator('#verdicts li.verdict[data-reviewer="rami"]')).to_contain_text(
        "The minutes say £42m.", timeout=LIVE_TIMEOUT
    )
    new = rosa.locator("#version-text mark", has_text="takes eighteen months")
    expect(new).to_be_visible(timeout=LIVE_TIMEOUT)
    expect(rosa.locator("#claim-items > li")).to_have_count(2)
    expect(rosa.locator("#claim-items > li").nth(1)).to_contain_text("takes eighteen months")
    expect(rosa.locator("#claim-count")).to_have_text("2")
    expect(highlight_of(rosa, wall).first).to_have_class(re.compile(r"\br-inaccurate\b"))
    # Nothing else was redrawn: her typing, her scroll, the text element and the
    # heading are the very same; only the two paragraphs with changes were swapped.
    assert rosa.input_value("#quote-claim") == "half-typed words"
    assert rosa.evaluate("window.scrollY") == scrolled
    assert rosa.evaluate("window.keptText === document.getElementById('version-text')")
    assert rosa.evaluate("window.keptHeading.isConnected")
    assert not rosa.evaluate("window.keptWallBlock.isConnected")
    expect(rosa.locator("#claim-panel")).to_contain_text("Claim #1")
    assert errors == []
    # Stop both pages polling before the database is emptied for the next test.
    for page in (rosa, rami):
        page.goto("about:blank")
