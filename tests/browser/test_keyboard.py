"""Keyboard only: mark a claim, give a verdict, settle it; step from claim to claim."""

import re

import pytest
from playwright.sync_api import expect

from articles import reviewing
from articles.models import Claim
from tests.browser.test_claims import claim_on, version_url
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

UI_TIMEOUT = 10_000

# Any pointer or mouse event on any page of the context is recorded.
NO_MOUSE = """
for (const type of ["mousedown", "mouseup", "pointerdown", "pointerup", "mousemove", "wheel"]) {
  window.addEventListener(type, (e) => { if (e.isTrusted) window.__mouseEvent(type); }, true);
}
window.addEventListener("click", (e) => { if (e.isTrusted && e.detail > 0) window.__mouseEvent("click"); }, true);
"""


def keyboard_page(browser, live_server, user, mouse_events):
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    context.expose_function("__mouseEvent", lambda kind: mouse_events.append(kind))
    context.add_init_script(NO_MOUSE)
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.locator("#id_username").focus()
    page.keyboard.type(user.username)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/")
    return context, page


def tab_to(page, selector, limit=120):
    """Press Tab until the focused element matches selector; fail after `limit` presses."""
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return presses
    raise AssertionError(f"{selector} not reached in {limit} Tabs")


def selected(page):
    return page.evaluate("window.getSelection().toString()")


def test_a_claim_is_marked_judged_and_settled_without_a_mouse(
    browser, live_server, reviewer, reviewer2, editor, original
):
    mouse = []
    context, page = keyboard_page(browser, live_server, reviewer, mouse)
    page.goto(version_url(live_server, original))

    # Into the text, then sentence by sentence, then word by word.
    tab_to(page, "#version-text")
    for _ in range(3):
        page.keyboard.press("ArrowDown")
    assert selected(page).startswith("The council voted on Tuesday")
    for _ in range(7):
        page.keyboard.press("ArrowRight")
    assert selected(page).strip() == "spend"
    for _ in range(10):
        if selected(page).strip().endswith("wall"):
            break
        page.keyboard.press("Shift+ArrowRight")
    expect(page.locator("#claim-form")).to_be_visible()
    expect(page.locator("#announce")).to_contain_text("Press Enter to mark it")
    page.keyboard.press("Enter")
    expect(page.locator("#claim-panel .notice")).to_have_text("Claim #1 marked.")
    claim = Claim.objects.get(version=original)
    assert claim.exact == "spend £4.2m on the wall"
    expect(page.locator(f"#hl-{claim.pk}")).to_be_focused()

    # A verdict: 1 picks the first rating, Tab reaches the rationale and Save.
    page.keyboard.press("1")
    expect(page.locator("#my-verdict input[value=accurate]")).to_be_checked()
    tab_to(page, "#my-verdict textarea[name=rationale]")
    page.keyboard.type("The council minutes record £4.2m.")
    tab_to(page, "#my-verdict button[name=save]")
    page.keyboard.press("Enter")
    expect(page.locator("#my-verdict .notice")).to_have_text("Verdict saved.")
    expect(page.locator(f'#verdicts .verdict[data-reviewer="{reviewer.username}"]')).to_be_focused()
    context.close()

    # Another reviewer disagrees (test data): the claim is contested.
    reviewing.verdict_save(
        claim=claim, user=reviewer2, rating="inaccurate", rationale="", sources=[], revision=None
    )

    context, page = keyboard_page(browser, live_server, editor, mouse)
    page.goto(f"{live_server.url}/stories/{original.story.pk}/dashboard/")
    row = f"#entry-{claim.pk}"
    tab_to(page, f"{row} details.settle summary")
    page.keyboard.press("Enter")
    tab_to(page, f"{row} select[name=rating]")
    page.keyboard.type("ACC")
    expect(page.locator(f"{row} select[name=rating]")).to_have_value("accurate")
    tab_to(page, f"{row} textarea[name=note]")
    page.keyboard.type("The minutes settle it.")
    tab_to(page, f"{row} button[type=submit]")
    page.keyboard.press("Enter")
    expect(page.locator(f"{row} .badge--settled")).to_be_visible(timeout=UI_TIMEOUT)
    context.close()

    claim.refresh_from_db()
    assert claim.settled_rating == "accurate"
    assert mouse == []


def test_j_and_k_reach_every_claim_and_announce_it(page, live_server, login, reviewer, original):
    words = ["spend £4.2m on the wall", "It protects 3,400 homes", "takes eighteen months"]
    claims = [claim_on(original, reviewer, w) for w in words]
    login(page, reviewer).goto(version_url(live_server, original))
    page.locator("#version-text").focus()
    for n, claim in enumerate(claims, start=1):
        page.keyboard.press("j")
        expect(page.locator("#claim-panel h2")).to_have_text(f"Claim #{claim.number}")
        expect(page.locator("#announce")).to_contain_text(f"Claim {n} of 3: {words[n - 1]}")
        expect(page.locator(f"#hl-{claim.pk}")).to_be_focused()
    page.keyboard.press("j")
    expect(page.locator("#announce")).to_have_text("Last claim reached.")
    page.keyboard.press("k")
    expect(page.locator("#claim-panel h2")).to_have_text(f"Claim #{claims[1].number}")


def test_highlights_are_tab_stops_and_enter_opens_the_claim(
    page, live_server, login, reviewer, original
):
    claim = claim_on(original, reviewer, "takes eighteen months")
    login(page, reviewer).goto(version_url(live_server, original))
    tab_to(page, f"#hl-{claim.pk}")
    page.keyboard.press("Enter")
    expect(page.locator("#claim-panel h2")).to_be_focused(timeout=UI_TIMEOUT)
    expect(page.locator("#claim-panel h2")).to_have_text(re.compile(f"#{claim.number}"))


def test_the_quote_form_is_a_few_tabs_from_the_top(page, live_server, login, reviewer, original):
    login(page, reviewer).goto(version_url(live_server, original))
    presses = tab_to(page, "a[href='#quote-claim']")
    page.keyboard.press("Enter")
    expect(page.locator("#quote-claim")).to_be_focused()
    assert presses <= 10


def test_a_live_update_keeps_the_keyboard_focus_on_its_highlight(  # htmx keeps focus by id
    page, live_server, login, reviewer, reviewer2, original
):
    claim = claim_on(original, reviewer, "takes eighteen months")
    login(page, reviewer).goto(version_url(live_server, original))
    tab_to(page, f"#hl-{claim.pk}")
    claim_on(original, reviewer2, "It protects 3,400 homes")  # someone else, meanwhile
    expect(page.locator("#claim-list [data-claim]")).to_have_count(2, timeout=UI_TIMEOUT)
    expect(page.locator(f"#hl-{claim.pk}")).to_be_focused()
