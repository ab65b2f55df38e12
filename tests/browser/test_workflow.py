"""Newsroom workflow in Chromium: a suggestion becomes a claim with one key, an assignment
reaches the reviewer's open queue, search highlights, and who's here comes and goes."""

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from articles import reviewing
from articles.models import Assignment, Claim
from articles.ratings import Rating
from tests.browser.test_claims import claim_on, version_url

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LIVE_TIMEOUT = 10_000
COUNCIL = "The council voted on Tuesday to spend £4.2m on the wall."


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()


def test_a_suggestion_becomes_a_claim_with_one_key(
    page, live_server, login, reviewer, original, rewritten
):
    login(page, reviewer).goto(version_url(live_server, original))
    first = page.locator("#suggestion-list .suggestion").first
    expect(first).to_contain_text(COUNCIL)
    # The suggested sentence is faintly marked in the text.
    expect(page.locator("#version-text .s.is-suggested").first).to_have_text(COUNCIL)

    page.locator("#version-text").click(position={"x": 2, "y": 2})
    page.keyboard.press("s")  # jump to the first suggestion
    expect(first).to_be_focused()
    page.keyboard.press("a")  # one key: mark it as a claim

    expect(page.locator("#claim-panel .notice")).to_have_text("Claim #1 marked from a suggestion.")
    claim = Claim.objects.get(version=original)
    assert claim.exact == COUNCIL and claim.created_by == reviewer
    expect(page.locator(f'#version-text mark[data-claim="{claim.pk}"]')).to_have_text(COUNCIL)
    expect(page.locator("#suggestion-list")).not_to_contain_text(COUNCIL)
    # The keyboard stays in the list, on the next suggestion.
    expect(page.locator("#suggestion-list .suggestion").first).to_be_focused()


def test_an_assignment_appears_live_in_the_reviewers_queue(
    open_as, live_server, editor, reviewer, original
):
    claim = claim_on(original, editor, "It protects 3,400 homes.")
    queue = open_as(reviewer)
    queue.goto(f"{live_server.url}/queue/")
    expect(queue.locator("#queue")).to_contain_text("Nothing assigned to you is waiting.")

    desk = open_as(editor)
    desk.goto(f"{live_server.url}/stories/{original.story_id}/assignments/")
    desk.check(f'input[name=claims][value="{claim.pk}"]')
    desk.check(f'input[name=assignees][value="{reviewer.pk}"]')
    desk.click(".assign-form button[type=submit]")
    expect(desk.locator("#messages")).to_contain_text("1 assignment made.")
    assert Assignment.objects.get().assignee == reviewer

    item = queue.locator(f'#queue .queue-item[data-claim="{claim.pk}"]')
    expect(item).to_contain_text("It protects 3,400 homes.", timeout=LIVE_TIMEOUT)
    item.locator("a").click()
    expect(queue.locator("#claim-panel")).to_contain_text("Claim #1")


def test_search_results_are_highlighted(page, live_server, login, editor, reviewer, original):
    claim = claim_on(original, reviewer, "It protects 3,400 homes.")
    reviewing.verdict_save(
        claim=claim,
        user=reviewer,
        rating=Rating.MOSTLY_ACCURATE,
        rationale="The flood map counts 3,350 dwellings behind the wall.",
        sources=[],
        revision=None,
    )
    login(page, editor)
    page.fill("#site-search", "dwellings")
    page.press("#site-search", "Enter")
    hit = page.locator(".hit--verdict")
    expect(hit).to_have_count(1)
    expect(hit.locator("mark")).to_have_text("dwellings")
    hit.locator(".hit__head a").click()
    expect(page.locator("#claim-panel")).to_contain_text("Claim #1")


def test_presence_comes_with_a_second_browser_and_goes_when_it_closes(
    open_as, live_server, reviewer, reviewer2, original
):
    claim = claim_on(original, reviewer, "It protects 3,400 homes.")
    rosa = open_as(reviewer)
    rosa.goto(version_url(live_server, original))
    expect(rosa.locator("#presence")).not_to_contain_text("Rami")

    rami = open_as(reviewer2)
    rami.goto(f"{version_url(live_server, original)}?claim={claim.pk}")
    here = rosa.locator("#presence .presence__person")
    expect(here).to_contain_text("Rami", timeout=LIVE_TIMEOUT)
    expect(here).to_contain_text("claim #1", timeout=LIVE_TIMEOUT)
    expect(rami.locator("#presence")).to_contain_text("Rosa", timeout=LIVE_TIMEOUT)

    rami.close(run_before_unload=True)  # pagehide: the page says goodbye
    expect(rosa.locator("#presence")).not_to_contain_text("Rami", timeout=LIVE_TIMEOUT)
