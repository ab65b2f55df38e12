"""An editor settles a contested claim on the dashboard, in place, and reopens it."""

import re

import pytest
from playwright.sync_api import expect

from articles.models import Claim
from tests.browser.conftest import select_text

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

UI_TIMEOUT = 10_000  # ms: a page load or an htmx swap, on a busy machine
LIVE_TIMEOUT = 10_000  # ms: a change another browser picks up from the 1 s poll
PHRASE = "takes eighteen months"


def version_url(live_server, version):
    return f"{live_server.url}/versions/{version.pk}/"


def give_verdict(page, rating, rationale):
    form = page.locator("#my-verdict")
    form.locator(f"input[name=rating][value={rating}]").check()
    form.locator("textarea[name=rationale]").fill(rationale)
    form.locator("button[name=save]").click()
    expect(page.locator("#my-verdict .notice")).to_have_text("Verdict saved.", timeout=UI_TIMEOUT)


def counter(page, kind):
    return page.locator(f"#board .counter--{kind} .counter__n")


def test_editor_settles_a_contested_claim_in_place_and_reopens_it(
    live_server, open_as, editor, reviewer, reviewer2, original, rewritten
):
    url = version_url(live_server, original)
    # Everyone logs in before any reading view polls: on the in-memory SQLite test database a
    # session write that meets a poll's read fails with "database table is locked".
    rosa, rami, edith = open_as(reviewer), open_as(reviewer2), open_as(editor)

    # Rosa marks the claim with the mouse and rates it Accurate.
    rosa.goto(url)
    select_text(rosa, "#version-text", PHRASE)
    expect(rosa.locator("#claim-form")).to_be_visible(timeout=UI_TIMEOUT)
    rosa.click("#mark-claim")
    expect(rosa.locator("#claim-panel .claim-panel > .notice")).to_have_text(
        "Claim #1 marked.", timeout=UI_TIMEOUT
    )
    claim = Claim.objects.get(version=original)
    assert claim.exact == PHRASE
    fact = claim.counterparts.get(version=rewritten).fact_diffs[0]["text"]
    assert fact == "duration: eighteen months vs eighteen years"
    give_verdict(rosa, "accurate", "The plan says eighteen months.")

    # Rami, in a browser of his own, rates it Inaccurate.
    rami.goto(url)
    rami.locator(f'#version-text mark[data-claim="{claim.pk}"]').click()
    expect(rami.locator("#claim-panel")).to_contain_text("Claim #1", timeout=UI_TIMEOUT)
    give_verdict(rami, "inaccurate", "The contract runs far longer.")
    expect(rami.locator("#verdicts li.verdict")).to_have_count(2, timeout=LIVE_TIMEOUT)
    rami.close()  # one polling reading view (Rosa's) is enough from here on

    # The editor's dashboard lists it as contested, for both reasons, with the fact.
    edith.goto(f"{live_server.url}/stories/{original.story_id}/dashboard/")
    entry = edith.locator(f"#entry-{claim.pk}")
    expect(entry).to_have_class(re.compile(r"\bentry--contested\b"), timeout=UI_TIMEOUT)
    expect(entry.locator(".entry__status .badge")).to_have_text(
        re.compile(r"Contested"), timeout=UI_TIMEOUT
    )
    expect(entry.locator(".reason")).to_have_text(
        ["Versions state different facts", "Reviewers disagree"], timeout=UI_TIMEOUT
    )
    expect(entry.locator(".reason--facts")).to_have_text(
        "Versions state different facts", timeout=UI_TIMEOUT
    )
    expect(entry.locator(".reason--reviewers")).to_have_text(
        "Reviewers disagree", timeout=UI_TIMEOUT
    )
    expect(entry.locator("li.fact")).to_have_text([fact], timeout=UI_TIMEOUT)
    expect(counter(edith, "contested")).to_have_text("1", timeout=UI_TIMEOUT)
    expect(counter(edith, "settled")).to_have_text("0", timeout=UI_TIMEOUT)

    edith.evaluate("window.__marker = 1")
    rosa.evaluate("window.__marker = 1")
    entry.locator("details.settle summary").click()
    entry.locator(f"#settle-rating-{claim.pk}").select_option("mostly_inaccurate")
    entry.locator(f"#settle-note-{claim.pk}").fill("The tender documents say eighteen years.")
    entry.get_by_role("button", name="Settle claim").click()

    expect(entry).to_have_class(re.compile(r"\bentry--settled\b"), timeout=UI_TIMEOUT)
    expect(entry.locator(".entry__status .badge--settled")).to_contain_text(
        "Settled", timeout=UI_TIMEOUT
    )
    expect(counter(edith, "settled")).to_have_text("1", timeout=UI_TIMEOUT)
    expect(counter(edith, "contested")).to_have_text("0", timeout=UI_TIMEOUT)
    expect(edith.locator("#board .board__messages")).to_contain_text(
        "Claim #1 settled.", timeout=UI_TIMEOUT
    )
    assert edith.evaluate("window.__marker") == 1, "the dashboard reloaded instead of swapping"
    claim.refresh_from_db()
    assert claim.settled_rating == "mostly_inaccurate"
    assert claim.settled_note == "The tender documents say eighteen years."
    assert claim.settled_by == editor

    # Rosa's reading view, left open, picks the settlement up from the poll (no reload).
    rosa_mark = rosa.locator(f'#version-text mark[data-claim="{claim.pk}"]')
    expect(rosa_mark).to_have_class(re.compile(r"\bhl--settled\b"), timeout=LIVE_TIMEOUT)
    expect(rosa_mark).to_have_class(re.compile(r"\br-mostly_inaccurate\b"), timeout=UI_TIMEOUT)
    expect(rosa.locator(f'#claim-list [data-claim="{claim.pk}"] .badge--settled')).to_be_visible(
        timeout=UI_TIMEOUT
    )
    assert rosa.evaluate("window.__marker") == 1

    entry.get_by_role("button", name="Reopen").click()
    expect(entry).to_have_class(re.compile(r"\bentry--contested\b"), timeout=UI_TIMEOUT)
    expect(entry.locator(".entry__status .badge")).to_have_text(
        re.compile(r"Contested"), timeout=UI_TIMEOUT
    )
    expect(entry.locator(".reason")).to_have_text(
        ["Versions state different facts", "Reviewers disagree"], timeout=UI_TIMEOUT
    )
    expect(counter(edith, "settled")).to_have_text("0", timeout=UI_TIMEOUT)
    expect(counter(edith, "contested")).to_have_text("1", timeout=UI_TIMEOUT)
    expect(edith.locator("#board .board__messages")).to_contain_text(
        "Claim #1 reopened.", timeout=UI_TIMEOUT
    )
    assert edith.evaluate("window.__marker") == 1
    claim.refresh_from_db()
    assert not claim.is_settled

    expect(rosa_mark).to_have_class(re.compile(r"\bhl--contested\b"), timeout=LIVE_TIMEOUT)
