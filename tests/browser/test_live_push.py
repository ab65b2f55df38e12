"""Push in the browser: another reviewer's work arrives through the event stream, and
through the poll when the stream cannot be had. The app is served by uvicorn (ASGI), as
the ``events`` service serves the stream in docker-compose."""

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
    rami.locator("#my-verdict input[name=rating][value=inaccurate]").check()
    rami.fill("#my-verdict textarea[name=rationale]", "The minutes say £42m.")
    rami.click("#my-verdict button[name=save]")
    expect(rami.locator("#my-verdict .notice")).to_have_text("Verdict saved.")
    # Rosa has that claim open: its verdicts reload at once.
    expect(rosa.locator('#verdicts li.verdict[data-reviewer="rami"]')).to_contain_text(
        "The minutes say £42m.", timeout=3000
    )
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
    for page in (rosa, rami):
        page.goto("about:blank")
