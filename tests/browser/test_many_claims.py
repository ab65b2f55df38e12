"""A version with many claims: its list loads a page at a time, and everything still works."""

import re

import pytest
from playwright.sync_api import expect

from articles import reading, reviewing
from articles.ratings import Rating
from tests.browser.audit import axe_violations
from tests.browser.test_claims import LIVE_TIMEOUT, version_url
from tests.conftest import make_story
from tests.generated import long_text

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CLAIMS = 80
PAGE = 20


def build_busy_world() -> dict:
    """The story's users and story, and in it a version of 90 sentences in 30 blocks with
    a claim on each of the first 80: built once a session (tests/snapshots.py)."""
    from django.contrib.auth import get_user_model

    from articles.versions import import_version

    world = make_story(get_user_model())
    text = long_text(90, seed=5, per_paragraph=3)
    version = import_version(
        story=world["story"], text=text, label="Busy report", created_by=world["editor"]
    )
    for sentence in version.sentences.order_by("position")[:CLAIMS]:
        reviewing.claim_create(
            version=version,
            user=world["reviewer"],
            start=sentence.start,
            end=sentence.end,
            exact=text[sentence.start : sentence.end],
        )
    return world | {"busy_version": version}


@pytest.fixture
def busy_version(prebuilt, story, editor, reviewer, monkeypatch):
    """90 sentences in 30 blocks, a claim on each of the first 80: "many" claims here."""
    monkeypatch.setattr(reading, "LAZY_CLAIMS", 30)
    monkeypatch.setattr(reading, "CLAIM_PAGE", PAGE)
    monkeypatch.setattr(reading, "WINDOW_CLAIMS", 15)
    return prebuilt["busy_version"]


def claims_in_order(version) -> list[int]:
    return list(version.claims.order_by("start", "-end", "pk").values_list("pk", flat=True))


def listed(page) -> list[int]:
    return [
        int(pk)
        for pk in page.eval_on_selector_all(
            "#claim-items > li", "els => els.map(e => e.dataset.claim)"
        )
    ]


def scroll_list_to_end(page):
    for _ in range(30):
        if not page.locator("#claim-items-more").count():
            return
        page.locator("#claim-items-more").scroll_into_view_if_needed()
        page.wait_for_timeout(200)
    raise AssertionError("the list did not load to its end")


def test_the_list_loads_page_by_page_as_it_scrolls(
    page, live_server, login, reviewer, busy_version
):
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    login(page, reviewer).goto(version_url(live_server, busy_version))
    order = claims_in_order(busy_version)
    expect(page.locator("#claim-count")).to_have_text(str(CLAIMS))
    expect(page.locator("#claim-items-more a")).to_have_text("Show more claims")
    assert listed(page) == order[:PAGE]
    # The text is a window: not every claim's highlight is on the page.
    assert page.locator("#version-text mark[id^=hl-]").count() <= 15
    assert axe_violations(page, "many claims") == []

    scroll_list_to_end(page)
    assert listed(page) == order  # every claim once, in reading order
    # Items that came with a page are not new claims: none flashes.
    assert page.locator("#claim-items > li.is-new").count() == 0
    # A claim listed late opens, and its window of text loads.
    page.click(f"#claim-item-{order[70]} a")
    expect(page.locator("#claim-panel")).to_contain_text("Claim #71")
    expect(page.locator(f"#hl-{order[70]}")).to_be_in_viewport()
    assert errors == []


def test_show_more_from_the_keyboard_lands_on_the_first_new_claim(
    page, live_server, login, reviewer, busy_version
):
    login(page, reviewer).goto(version_url(live_server, busy_version))
    order = claims_in_order(busy_version)
    expect(page.locator("#claim-items > li")).to_have_count(PAGE)
    page.locator("#claim-items-more a").focus()
    page.keyboard.press("Enter")
    first_new = page.locator(f"#claim-item-{order[PAGE]} a")
    expect(first_new).to_be_focused()
    assert listed(page)[: 2 * PAGE] == order[: 2 * PAGE]
    assert len(set(listed(page))) == len(listed(page))


def test_j_and_k_step_past_the_loaded_list(page, live_server, login, reviewer, busy_version):
    page.set_viewport_size({"width": 1280, "height": 700})
    login(page, reviewer).goto(version_url(live_server, busy_version))
    order = claims_in_order(busy_version)
    expect(page.locator("#claim-items > li")).to_have_count(PAGE)
    page.click(f"#claim-item-{order[PAGE - 1]} a")
    expect(page.locator("#claim-panel")).to_contain_text(f"Claim #{PAGE}")
    page.locator("#claim-panel h2").click()  # focus out of the list link
    page.keyboard.press("j")
    expect(page.locator("#claim-panel")).to_contain_text(f"Claim #{PAGE + 1}")
    expect(page.locator("#announce")).to_contain_text(f"Claim {PAGE + 1} of {CLAIMS}")
    page.keyboard.press("k")
    expect(page.locator("#claim-panel")).to_contain_text(f"Claim #{PAGE}")


def test_j_from_a_claim_far_down_opens_the_next_one(
    page, live_server, login, reviewer, busy_version
):
    order = claims_in_order(busy_version)
    far = busy_version.claims.get(pk=order[65])
    login(page, reviewer).goto(f"{version_url(live_server, busy_version)}?claim={far.pk}")
    expect(page.locator("#claim-panel")).to_contain_text(f"Claim #{far.number}")
    expect(page.locator(f"#hl-{far.pk}")).to_be_attached()
    page.locator("#claim-panel h2").click()
    page.keyboard.press("j")
    expect(page.locator("#claim-panel")).to_contain_text(f"Claim #{far.number + 1}", timeout=10_000)
    page.keyboard.press("k")
    expect(page.locator("#claim-panel")).to_contain_text(f"Claim #{far.number}")
    page.keyboard.press("k")
    expect(page.locator("#claim-panel")).to_contain_text(f"Claim #{far.number - 1}")
    assert len(set(listed(page))) == len(listed(page))


def test_live_updates_of_claims_not_loaded_wait_for_their_page(
    page, live_server, login, reviewer, reviewer2, busy_version
):
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    login(page, reviewer).goto(version_url(live_server, busy_version))
    order = claims_in_order(busy_version)
    expect(page.locator("#claim-items > li")).to_have_count(PAGE)
    claims = {c.pk: c for c in busy_version.claims.all()}

    # Another reviewer judges a claim far down (neither its item nor its text is loaded),
    # the last claim loaded (the one after it is not), and one in the middle of the page.
    for pk in (order[60], order[PAGE - 1], order[5]):
        reviewing.verdict_save(
            claim=claims[pk], user=reviewer2, rating=Rating.MIXED, rationale="Checked.",
            sources=[], revision=None,
        )  # fmt: skip
    # and marks a claim after the last sentence claimed (its item goes at the list's end).
    last = busy_version.sentences.order_by("position")[CLAIMS + 2]
    new, _ = reviewing.claim_create(
        version=busy_version, user=reviewer2, start=last.start, end=last.end,
        exact=busy_version.text[last.start : last.end],
    )  # fmt: skip

    expect(page.locator("#claim-count")).to_have_text(str(CLAIMS + 1), timeout=LIVE_TIMEOUT)
    expect(page.locator(f"#claim-item-{order[5]} .badge")).to_have_text("1 verdict")
    expect(page.locator(f"#claim-item-{order[PAGE - 1]} .badge")).to_have_text("1 verdict")
    # The loaded part of the list is what it was, in order: nothing appended out of place.
    assert listed(page) == order[:PAGE]
    expect(page.locator(f"#hl-{order[5]}")).to_have_class(re.compile(r"\br-mixed\b"))

    scroll_list_to_end(page)
    assert listed(page) == order + [new.pk]
    expect(page.locator(f"#claim-item-{order[60]} .badge")).to_have_text("1 verdict")
    assert errors == []
    page.goto("about:blank")  # stop polling before the database is emptied
