"""Push in the browser: another reviewer's work arrives through the event stream, and
through the poll when the stream cannot be had. The app is served by uvicorn (ASGI), as
the ``events`` service serves the stream in docker-compose."""

import re
import time

import pytest
from django.db import connection
from playwright.sync_api import expect

from tests.asgi_server import AsgiServer
from tests.browser.test_claims import claim_on, highlight_of

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="push needs PostgreSQL's LISTEN/NOTIFY"
    ),
]

# The claim panel's regions that fetch themselves when their claim changes.
PANEL_REGIONS = re.compile(r"/claims/\d+/(verdicts|notes)/")


@pytest.fixture
def asgi(settings, live_server):
    settings.LIVE_PUSH = True
    server = AsgiServer().start()
    # The host live_server's pages logged in on: cookies go to each of its ports.
    server.url = f"{live_server.url.rsplit(':', 1)[0]}:{server.port}"
    yield server
    server.stop()


def mark_by_quote(page, words):
    page.locator(".quote-claim summary").click()
    page.fill("#quote-claim", words)
    page.locator("#quote-form button[type=submit]").click()


def test_a_claim_and_a_verdict_arrive_through_the_event_stream(
    asgi, settings, open_as, reviewer, reviewer2, original
):
    # The poll would next ask in ten minutes: only the stream can bring the changes.
    settings.LIVE_POLL_MS = 600_000
    wall = claim_on(original, reviewer, "spend £4.2m on the wall")
    url = f"{asgi.url}/versions/{original.pk}/"
    rosa = open_as(reviewer)
    errors = []
    rosa.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    with rosa.expect_response(lambda r: r.url.endswith(f"/versions/{original.pk}/events/")) as r:
        rosa.goto(url)
    assert r.value.status == 200
    highlight_of(rosa, wall).click()
    expect(rosa.locator("#verdicts")).to_contain_text("No verdicts yet.")
    rosa.evaluate("window.keptText = document.getElementById('version-text')")

    rami = open_as(reviewer2)
    rami.goto(url)
    mark_by_quote(rami, "takes eighteen months")
    expect(rami.locator("#claim-panel")).to_contain_text("Claim #2")
    new = rosa.locator("#version-text mark", has_text="takes eighteen months")
    expect(new).to_be_visible(timeout=3000)
    expect(rosa.locator("#claim-count")).to_have_text("2")
    expect(rosa.locator("#claim-items > li").nth(1)).to_contain_text("takes eighteen months")

    rami.goto(f"{url}?claim={wall.pk}")
    # The update brings the open claim's verdicts and notes with it: Rosa's page asks for
    # neither.
    fetched = []
    rosa.on("request", lambda r: fetched.append(r.url) if PANEL_REGIONS.search(r.url) else None)
    rami.locator("#my-verdict input[name=rating][value=inaccurate]").check()
    rami.fill("#my-verdict textarea[name=rationale]", "The minutes say £42m.")
    rami.click("#my-verdict button[name=save]")
    expect(rami.locator("#my-verdict .notice")).to_have_text("Verdict saved.")
    # Rosa has that claim open: its verdicts reload at once.
    expect(rosa.locator('#verdicts li.verdict[data-reviewer="rami"]')).to_contain_text(
        "The minutes say £42m.", timeout=3000
    )
    rami.fill(f"#note-text-{wall.pk}", "Rang the council: <b>no</b> answer yet.")
    rami.locator("#notes button[type=submit]").click()
    expect(rami.locator("#notes .notice")).to_have_text("Note added.")
    expect(rosa.locator("#note-list")).to_contain_text(
        "Rang the council: <b>no</b> answer yet.", timeout=3000
    )
    expect(rosa.locator("#note-list .count")).to_have_text("1")
    expect(rosa.locator("#verdicts .count")).to_have_text("1")
    assert fetched == []
    assert rosa.evaluate("window.keptText === document.getElementById('version-text')")
    assert errors == []
    for page in (rosa, rami):
        page.goto("about:blank")


def test_without_the_stream_the_poll_still_brings_changes(
    asgi, settings, open_as, reviewer, reviewer2, original
):
    settings.LIVE_POLL_MS = 1000
    url = f"{asgi.url}/versions/{original.pk}/"
    rosa = open_as(reviewer)
    refused = []

    def refuse(route):
        refused.append(route.request.url)
        route.abort()

    rosa.route("**/events/", refuse)
    polls = []
    rosa.on("request", lambda r: polls.append(r.url) if "/live/" in r.url else None)
    rosa.goto(url)
    rami = open_as(reviewer2)
    rami.goto(url)
    mark_by_quote(rami, "takes eighteen months")
    expect(rami.locator("#claim-panel")).to_contain_text("Claim #1")
    expect(rosa.locator("#version-text mark", has_text="takes eighteen months")).to_be_visible(
        timeout=10_000
    )
    expect(rosa.locator("#claim-count")).to_have_text("1")
    assert refused  # the page did try the stream
    # Its polls never say the stream is open: the server leaves nothing to it.
    assert polls and not any("stream=" in u for u in polls)
    for page in (rosa, rami):
        page.goto("about:blank")


def test_with_the_stream_open_the_page_polls_only_now_and_then(
    asgi, settings, open_as, reviewer, reviewer2, original
):
    """The stream brings every change: the poll is then only the page saying it is here
    (and asking who else is), every LIVE_STREAM_POLL_MS rather than every LIVE_POLL_MS."""
    settings.LIVE_POLL_MS = 300
    settings.LIVE_STREAM_POLL_MS = 2000
    rosa = open_as(reviewer)
    polls = []
    rosa.on("request", lambda r: polls.append(time.monotonic()) if "/live/" in r.url else None)
    with rosa.expect_response(lambda r: r.url.endswith(f"/versions/{original.pk}/events/")):
        rosa.goto(f"{asgi.url}/versions/{original.pk}/")
    rosa.wait_for_timeout(4500)
    # At most one poll every 2 s (three in 4.5 s, the first maybe before the stream
    # opened), not one every 0.3 s (fifteen).
    assert 1 <= len(polls) <= 4, polls
    gaps = [b - a for a, b in zip(polls[1:], polls[2:], strict=False)]
    assert all(gap > 1.8 for gap in gaps), gaps
    # Changes still arrive at once, by the stream.
    claim_on(original, reviewer2, "takes eighteen months")
    expect(rosa.locator("#version-text mark", has_text="takes eighteen months")).to_be_visible(
        timeout=3000
    )
    rosa.goto("about:blank")


def test_with_the_stream_open_the_poll_says_so(asgi, settings, open_as, reviewer, original):
    """And how long ago its last event came: so that the server may leave changes
    committed a moment ago to the stream."""
    settings.LIVE_POLL_MS = 700
    settings.LIVE_STREAM_POLL_MS = 1000
    rosa = open_as(reviewer)
    polls = []
    rosa.on("request", lambda r: polls.append(r.url) if "/live/" in r.url else None)
    with rosa.expect_response(lambda r: r.url.endswith(f"/versions/{original.pk}/events/")):
        rosa.goto(f"{asgi.url}/versions/{original.pk}/")
    said = re.compile(r"[?&]stream=(\d+)")
    with rosa.expect_request(lambda r: "/live/" in r.url and said.search(r.url), timeout=5000) as r:
        pass
    # How long ago its last event came: the first, as the stream opened (polls every 0.7 s).
    assert int(said.search(r.value.url).group(1)) < 60_000
    rosa.goto("about:blank")


def test_a_pushed_claim_changes_the_suggestions_only_if_the_list_shown_changed(
    asgi, settings, open_as, reviewer, reviewer2, original, monkeypatch
):
    """Each pushed update carries the suggestion list as it is now: a claim on a sentence
    below the few a page shows leaves its list alone; one on a shown sentence brings the
    next one in. Neither makes the page ask for the list."""
    from articles import reviewing, suggestions

    settings.LIVE_POLL_MS = 600_000  # only the stream brings changes
    monkeypatch.setattr(suggestions, "SHOWN", 1)
    every, _ = suggestions.shown(original, every=True)
    assert len(every) >= 3
    url = f"{asgi.url}/versions/{original.pk}/"
    rosa = open_as(reviewer)
    fetched = []
    rosa.on("request", lambda r: fetched.append(r.url) if "/suggestions/" in r.url else None)
    # The stream opens before anything changes (opened after, it would make the page poll).
    with rosa.expect_response(lambda r: r.url.endswith(f"/versions/{original.pk}/events/")):
        rosa.goto(url)
    items = rosa.locator("#suggestion-list .suggestion")
    expect(items).to_have_count(1)
    expect(items.first).to_have_attribute("data-start", str(every[0].start))
    expect(rosa.locator("#suggestion-list")).to_contain_text("All suggested claims")
    loaded = len(fetched)

    def mark(suggestion):
        reviewing.claim_create(
            version=original, user=reviewer2, start=suggestion.start, end=suggestion.end,
            exact=suggestion.text,
        )  # fmt: skip

    rosa.evaluate("window.keptList = document.getElementById('suggestion-list')")
    mark(every[-1])  # not the one shown
    expect(rosa.locator("#claim-count")).to_have_text("1", timeout=3000)
    # The same update would have swapped the list: it is still the element it was.
    assert rosa.evaluate("window.keptList === document.getElementById('suggestion-list')")
    assert len(fetched) == loaded
    expect(items.first).to_have_attribute("data-start", str(every[0].start))

    items.first.focus()  # a reader working through the list with the keyboard
    mark(every[0])  # the one shown: the update brings the list, which shows the next
    expect(items.first).to_have_attribute("data-start", str(every[1].start), timeout=5000)
    focused = "document.activeElement.closest('.suggestion')?.dataset.start"
    assert rosa.evaluate(focused) == str(every[1].start)  # keeps their place in it
    assert len(fetched) == loaded
    # Its forms carry no token of their own: htmx sends the page's, and they work.
    items.first.locator("[data-accept]").click()
    expect(rosa.locator("#claim-panel")).to_contain_text("marked from a suggestion")
    left = every[2:-1]  # every[-1] is a claim too
    if left:
        expect(items.first).to_have_attribute("data-start", str(left[0].start))
    else:
        expect(rosa.locator("#suggestion-list")).to_contain_text("No suggestions left")
    rosa.goto("about:blank")


def test_a_suggestion_dismissed_elsewhere_leaves_the_list_even_after_later_writes(
    asgi, settings, open_as, reviewer, reviewer2, original, rewritten, monkeypatch
):
    """Another reviewer dismisses the suggestion a page shows, then judges a claim in the
    other version: the page's list moves on to the next suggestion by push, asking for
    nothing (before, a dismissal sent no notice and the verdict's update carried no list:
    the dismissed suggestion stayed)."""
    from articles import reviewing, suggestions

    settings.LIVE_POLL_MS = 600_000  # only the stream brings changes
    monkeypatch.setattr(suggestions, "SHOWN", 1)
    every, _ = suggestions.shown(original, every=True)
    elsewhere = claim_on(rewritten, reviewer2, "shields 3,400 homes")
    rosa = open_as(reviewer)
    fetched = []
    rosa.on("request", lambda r: fetched.append(r.url) if "/suggestions/" in r.url else None)
    # The stream opens before anything changes (opened after, it would make the page poll).
    with rosa.expect_response(lambda r: r.url.endswith(f"/versions/{original.pk}/events/")):
        rosa.goto(f"{asgi.url}/versions/{original.pk}/")
    items = rosa.locator("#suggestion-list .suggestion")
    expect(items.first).to_have_attribute("data-start", str(every[0].start))
    loaded = len(fetched)

    suggestions.dismiss(
        version=original, start=every[0].start, end=every[0].end, reason="not_worth",
        user=reviewer2,
    )  # fmt: skip
    reviewing.verdict_save(
        claim=elsewhere, user=reviewer2, rating="accurate", rationale="", sources=[],
        revision=None,
    )  # fmt: skip
    expect(items.first).to_have_attribute("data-start", str(every[1].start), timeout=5000)
    assert len(fetched) == loaded
    rosa.goto("about:blank")


def test_a_suggestion_marked_here_while_its_push_comes_first_swaps_cleanly(
    asgi, settings, open_as, reviewer, original
):
    """Marking a suggestion: the push of that very claim may reach the page before the
    mark's own answer. The list is then left for the answer to replace (before, the push
    replaced the list under the form on its way, and the answer's fragments found no
    place: a console error for each)."""
    settings.LIVE_POLL_MS = 600_000  # only the stream brings changes
    rosa = open_as(reviewer)
    errors = []
    rosa.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    with rosa.expect_response(lambda r: r.url.endswith(f"/versions/{original.pk}/events/")):
        rosa.goto(f"{asgi.url}/versions/{original.pk}/")
    first = rosa.locator("#suggestion-list .suggestion").first
    words = first.locator(".suggestion__text").text_content()

    def held(route):
        answer = route.fetch()  # the claim is marked and its push sent now
        rosa.wait_for_timeout(1500)  # the push arrives first
        route.fulfill(response=answer)

    rosa.route("**/suggestions/accept/", held)
    first.locator("[data-accept]").click()
    expect(rosa.locator("#claim-panel")).to_contain_text("marked from a suggestion")
    expect(rosa.locator("#claim-count")).to_have_text("1")
    expect(rosa.locator("#suggestion-list .suggestion").first).not_to_contain_text(words[:40])
    rosa.wait_for_timeout(300)
    assert errors == []
    rosa.goto("about:blank")


def test_a_push_while_a_poll_is_on_its_way_leaves_no_stray_answer(
    asgi, settings, open_as, reviewer, reviewer2, original
):
    """The stream and the poll both redraw the live element: a poll answered after a push
    replaced it would land on an element no longer in the page."""
    settings.LIVE_POLL_MS = 600_000  # polls only when told to
    url = f"{asgi.url}/versions/{original.pk}/"
    rosa = open_as(reviewer)
    errors = []
    rosa.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    held = []
    rosa.route("**/live/**", lambda route: held.append(route))
    # The stream is open (its first event tells the revision the page shows) before
    # anything changes: otherwise that event would make the page poll, and be held too.
    with rosa.expect_response(lambda r: r.url.endswith(f"/versions/{original.pk}/events/")):
        rosa.goto(url)
    rosa.evaluate("htmx.trigger('#live', 'live-nudge')")  # a poll, held on its way
    rosa.wait_for_function("() => document.querySelector('#live.htmx-request') !== null")
    assert held
    claim_on(original, reviewer2, "takes eighteen months")  # pushed meanwhile
    expect(rosa.locator("#claim-count")).to_have_text("1", timeout=10_000)
    for route in held:  # the poll's answer comes now, for the element the push replaced
        route.continue_()
    rosa.unroute("**/live/**")
    rosa.wait_for_timeout(500)
    expect(rosa.locator("#claim-count")).to_have_text("1")
    assert errors == [], errors
    rosa.goto("about:blank")
