"""The reading view as an editor meets it: no console or CSP errors, a phone layout with
the claim in view, visible overlaps, and confirmations where the eyes are."""

import re

import pytest
from playwright.sync_api import expect

from articles.models import Claim
from tests.browser.audit import ConsoleWatch, sideways_overflow
from tests.browser.conftest import select_text
from tests.browser.test_claims import claim_on, mark_claim, version_url

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

UI_TIMEOUT = 10_000
LIVE_TIMEOUT = 10_000


def give_verdict(page, rating, rationale):
    form = page.locator("#my-verdict")
    form.locator(f"input[name=rating][value={rating}]").check()
    form.locator("textarea[name=rationale]").fill(rationale)
    form.locator("button[name=save]").click()
    expect(page.locator("#my-verdict .notice")).to_have_text("Verdict saved.", timeout=UI_TIMEOUT)


def in_viewport(locator) -> bool:
    return locator.evaluate(
        """e => { const r = e.getBoundingClientRect();
                  return r.bottom > 0 && r.top < innerHeight && r.height > 0; }"""
    )


def test_no_console_or_csp_error_while_reading_marking_saving_and_updating_live(
    live_server, open_as, reviewer, reviewer2, original
):
    url = version_url(live_server, original)
    rosa, rami = open_as(reviewer), open_as(reviewer2)
    watches = [ConsoleWatch(rosa), ConsoleWatch(rami)]
    rosa.goto(url)
    rami.goto(url)

    select_text(rosa, "#version-text", "spend £4.2m on the wall")
    mark_claim(rosa)
    give_verdict(rosa, "accurate", "The council minutes say £4.2m.")

    # Rami's page picks up Rosa's claim from the poll, and Rosa's panel his verdict.
    expect(rami.locator("#claim-list [data-claim]")).to_have_count(1, timeout=LIVE_TIMEOUT)
    rami.locator("#claim-list a").first.click()
    give_verdict(rami, "inaccurate", "The budget says otherwise.")
    expect(rosa.locator("#verdicts .verdict")).to_have_count(2, timeout=LIVE_TIMEOUT)
    rosa.locator("#claim-history-slot a").click()
    expect(rosa.locator("#history")).to_be_visible()

    problems = [p for w in watches for p in w.problems()]
    assert not problems, "\n".join(problems)


def test_on_a_phone_tapping_a_claim_shows_its_panel_in_view(
    browser, live_server, login, reviewer, original
):
    claims = [
        claim_on(original, reviewer, w) for w in ("spend £4.2m on the wall", "Work starts in April")
    ]
    context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True)
    page = login(context.new_page(), reviewer)
    page.goto(version_url(live_server, original))
    assert sideways_overflow(page) <= 0

    mark = page.locator(f"#hl-{claims[1].pk}")
    mark.scroll_into_view_if_needed()
    mark.tap()
    panel = page.locator("#claim-panel .claim-panel")
    expect(panel).to_contain_text(f"Claim #{claims[1].number}", timeout=UI_TIMEOUT)
    heading = page.locator("#claim-panel h2")
    assert in_viewport(heading), "the open claim's panel is off-screen"
    # The highlight stays visible above the sheet.
    sheet_top = page.locator("#claim-panel").evaluate("e => e.getBoundingClientRect().top")
    mark_box = mark.evaluate("e => e.getBoundingClientRect().toJSON()")
    assert mark_box["bottom"] <= sheet_top and mark_box["top"] >= 0
    assert sideways_overflow(page) <= 0

    page.locator("[data-close-panel]").tap()
    expect(panel).to_have_count(0)
    context.close()


@pytest.mark.parametrize(
    "path",
    ["/", "story", "version", "compare", "dashboard", "history", "import"],
)
def test_no_page_scrolls_sideways_on_a_phone(
    browser, live_server, login, editor, reviewer, original, rewritten, path
):
    claim = claim_on(original, reviewer, "spend £4.2m on the wall")
    story = original.story
    url = {
        "/": "/",
        "story": story.get_absolute_url(),
        "version": f"{original.get_absolute_url()}?claim={claim.pk}",
        "compare": f"/versions/{original.pk}/compare/{rewritten.pk}/",
        "dashboard": f"/stories/{story.pk}/dashboard/",
        "history": f"/claims/{claim.pk}/history/",
        "import": f"/stories/{story.pk}/versions/new/",
    }[path]
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = login(context.new_page(), editor)
    page.goto(live_server.url + url)
    overflow = sideways_overflow(page)
    context.close()
    assert overflow <= 0


def test_overlapping_claims_show_where_each_begins_and_ends(
    page, live_server, login, reviewer, original
):
    outer = claim_on(original, reviewer, "spend £4.2m on the wall")
    inner = claim_on(original, reviewer, "on the wall. Mr. Allen said")
    login(page, reviewer).goto(version_url(live_server, original))

    only_outer = page.locator(f'#version-text mark[data-claims="{outer.pk}"]')
    shared = page.locator(f'#version-text mark[data-claims="{outer.pk} {inner.pk}"]')
    only_inner = page.locator(f'#version-text mark[data-claims="{inner.pk}"]').last
    expect(shared).to_have_text("on the wall")
    style = "e => { const s = getComputedStyle(e); return [s.boxShadow, s.backgroundImage]; }"
    assert shared.evaluate(style) != only_outer.evaluate(style)
    assert shared.evaluate(style) != only_inner.evaluate(style)

    # Each claim's start carries its number, its end a bracket with the same number.
    def generated(locator, which):
        return locator.evaluate(f"e => getComputedStyle(e, '{which}').content")

    assert str(outer.number) in generated(only_outer, "::before")
    assert str(inner.number) in generated(shared, "::before")
    assert str(outer.number) in generated(shared, "::after")
    assert str(inner.number) in generated(only_inner, "::after")
    # The numbers are drawn, not text: the page's text is the stored text.
    text = page.locator("#version-text").evaluate("e => e.textContent")
    assert "spend £4.2m on the wall. Mr. Allen said" in text


def test_after_saving_a_verdict_the_saved_verdict_is_focused_and_in_view(
    page, live_server, login, reviewer, original
):
    claim = claim_on(original, reviewer, "spend £4.2m on the wall")
    login(page, reviewer).goto(f"{version_url(live_server, original)}?claim={claim.pk}")
    give_verdict(page, "accurate", "The minutes say £4.2m.")
    saved = page.locator(f'#verdicts .verdict[data-reviewer="{reviewer.username}"]')
    expect(saved).to_be_focused(timeout=UI_TIMEOUT)
    assert in_viewport(saved)


def test_the_quote_box_empties_after_a_claim_is_marked_from_it(
    page, live_server, login, reviewer, original
):
    login(page, reviewer).goto(version_url(live_server, original))
    page.locator(".quote-claim summary").click()
    page.fill("#quote-claim", "spend £4.2m on the wall")
    page.locator("#quote-form button[type=submit]").click()
    expect(page.locator("#claim-panel .notice")).to_have_text("Claim #1 marked.")
    expect(page.locator("#quote-claim")).to_have_value("")


def test_a_link_to_a_claim_scrolls_the_text_to_it(page, live_server, login, reviewer, original):
    claim = claim_on(original, reviewer, "Work starts in April")
    page.set_viewport_size({"width": 1366, "height": 500})
    login(page, reviewer).goto(f"{version_url(live_server, original)}?claim={claim.pk}")
    mark = page.locator(f"#hl-{claim.pk}")
    expect(mark).to_have_class(re.compile(r"\bis-active\b"))
    page.wait_for_function(
        "id => { const r = document.getElementById(id).getBoundingClientRect();"
        " return r.top >= 0 && r.bottom <= innerHeight; }",
        arg=f"hl-{claim.pk}",
    )
    assert Claim.objects.count() == 1


def test_on_a_phone_the_dashboard_counters_are_compact_and_the_filters_fit(
    browser, live_server, login, editor, reviewer, original, rewritten
):
    claim_on(original, reviewer, "spend £4.2m on the wall")
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = login(context.new_page(), editor)
    page.goto(f"{live_server.url}/stories/{original.story.pk}/dashboard/")
    counters = page.locator("#board .counters").evaluate("e => e.getBoundingClientRect().height")
    reviewer_filter = page.locator("#f-reviewer").evaluate("e => e.getBoundingClientRect().right")
    width = page.evaluate("innerWidth")
    context.close()
    assert counters < 844 / 3  # the totals leave room for the chart and the claims
    assert reviewer_filter <= width
