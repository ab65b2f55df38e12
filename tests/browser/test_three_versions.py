"""A story in three versions, end to end: import the third, compare any pair, counterparts in every
other version, a reviewer's choice among the suggestions, the dashboard grouping them."""

import pytest
from playwright.sync_api import expect

from articles.models import Claim, Counterpart
from tests.browser.conftest import select_text
from tests.browser.test_claims import mark_claim, version_url

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

UI_TIMEOUT = 10_000

WIRE = """Sea wall gets the go-ahead

The council approved £4.2m for the sea wall on Tuesday. The wall protects 3,400 homes.

Work starts in May and takes eighteen months.
"""


def test_a_third_version_is_compared_and_linked_end_to_end(
    browser, live_server, login, editor, reviewer, original, rewritten, worker
):
    story = original.story
    desk = login(browser.new_page(), editor)
    desk.goto(f"{live_server.url}/stories/{story.pk}/versions/new/")
    desk.fill("#id_label", "Wire copy")
    desk.fill("#id_text", WIRE)
    desk.get_by_role("button", name="Import version").click()
    desk.get_by_role("link", name="Read “Wire copy”").click(timeout=60_000)  # by the worker
    expect(desk.locator("h1")).to_contain_text("Wire copy", timeout=UI_TIMEOUT)
    wire = story.versions.get(label="Wire copy")

    # The story page picks any pair of the three.
    desk.goto(f"{live_server.url}{story.get_absolute_url()}")
    desk.select_option("#cmp-left", str(rewritten.pk))
    desk.select_option("#cmp-right", str(wire.pk))
    desk.get_by_role("button", name="Compare", exact=True).click()
    desk.wait_for_url(
        f"{live_server.url}/versions/{rewritten.pk}/compare/{wire.pk}/", timeout=UI_TIMEOUT
    )
    expect(desk.locator("h1")).to_have_text("Compare versions")

    # A reviewer marks a claim: counterparts are suggested in both other versions.
    page = login(browser.new_page(), reviewer)
    page.goto(version_url(live_server, original))
    select_text(page, "#version-text", "Work starts in April and takes eighteen months")
    mark_claim(page)
    panel = page.locator("#claim-panel")
    for label in ("Rewritten copy", "Wire copy"):
        section = panel.locator("section.counterpart", has_text=f"In {label}")
        expect(section.locator(".candidate").first).to_be_visible(timeout=UI_TIMEOUT)
        expect(section.locator(".confidence").first).to_have_text("Strong")
    wire_section = panel.locator("section.counterpart", has_text="In Wire copy")
    expect(wire_section).to_contain_text("date: April vs May")
    wire_section.get_by_role("button", name="This is the counterpart").first.click()
    expect(panel.locator(".notice")).to_have_text(
        "Counterpart in Wire copy confirmed.", timeout=UI_TIMEOUT
    )
    claim = Claim.objects.get(version=original)
    confirmed = claim.counterparts.get(version=wire)
    assert confirmed.status == Counterpart.Status.CONFIRMED
    assert confirmed.exact.startswith("Work starts in May")

    # The claim is flagged in the text with its reason, and grouped on the dashboard.
    expect(page.locator("#claim-list")).to_contain_text(
        "Versions state different facts", timeout=UI_TIMEOUT
    )
    page.goto(f"{live_server.url}/stories/{story.pk}/dashboard/?reason=facts")
    row = page.locator(f"#entry-{claim.pk}")
    expect(row).to_contain_text("Rewritten copy · ")
    expect(row).to_contain_text("Wire copy · confirmed")
    expect(row).to_contain_text("date: April vs May")
