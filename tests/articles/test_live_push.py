"""The event stream (articles/live_push.py): another reviewer's change, pushed as it commits."""

from __future__ import annotations

import json
import re
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from django.db import connection, transaction
from django.test import Client

from articles import live, live_push, reviewing, suggestions
from articles.models import Story
from tests.asgi_server import AsgiServer

pytestmark = pytest.mark.django_db(transaction=True)
postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="push needs PostgreSQL's LISTEN/NOTIFY"
)


@pytest.fixture
def asgi(settings):
    settings.LIVE_PUSH = True
    server = AsgiServer().start()
    yield server
    server.stop()


def cookies_of(client, user) -> dict:
    client = Client() if client is None else client
    client.force_login(user)
    return {name: morsel.value for name, morsel in client.cookies.items()}


def events(response, count: int) -> list[dict]:
    """The next ``count`` events' data, as JSON."""
    if not hasattr(response, "lines"):
        response.lines = response.iter_lines()
    out = []
    for line in response.lines:
        if line.startswith("data: "):
            out.append(json.loads(line.removeprefix("data: ")))
            if len(out) == count:
                return out
    raise AssertionError(f"the stream ended after {out}")


def claim_on(version, user, words):
    start = version.text.index(words)
    claim, _ = reviewing.claim_create(
        version=version, user=user, start=start, end=start + len(words), exact=words
    )
    return claim


@postgres_only
def test_a_claim_marked_elsewhere_is_pushed_as_the_poll_would_answer(
    asgi, client, reviewer, reviewer2, original
):
    revision = Story.objects.get(pk=original.story_id).revision
    url = f"{asgi.url}/versions/{original.pk}/events/"
    with httpx.stream("GET", url, cookies=cookies_of(client, reviewer), timeout=10) as stream:
        assert stream.status_code == 200
        assert stream.headers["content-type"].startswith("text/event-stream")
        assert stream.headers["x-accel-buffering"] == "no"
        assert events(stream, 1) == [{"revision": revision}]
        claim = claim_on(original, reviewer2, "spend £4.2m on the wall")
        (update,) = events(stream, 1)
    assert update["since"] == revision
    assert update["revision"] == revision + 1
    assert update["changed"] == [claim.pk]
    assert update["refresh"] is True
    assert f'id="claim-item-{claim.pk}"' in update["html"]
    # What the suggestion list is now: the fingerprint the reloaded list would carry.
    listed = client.get(f"/versions/{original.pk}/suggestions/", HTTP_HX_REQUEST="true").text
    assert f'id="suggestions-fp" name="fp" value="{update["suggestions"]}"' in listed
    assert "spend £4.2m on the wall" not in listed.split('class="suggestion-items"')[-1]
    # And the list itself, as the refetch answers it but for the forms' CSRF tokens: a
    # page's htmx sends its own in a header.
    csrf = re.compile(r'<input type="hidden" name="csrfmiddlewaretoken" value="[^"]*">')
    assert "csrfmiddlewaretoken" not in update["suggestion_list"]
    assert csrf.sub("", listed) == update["suggestion_list"]
    # The same fragments a poll from that revision gets: one renderer for both.
    poll = client.get(f"/versions/{original.pk}/live/?rev={revision}", HTTP_HX_REQUEST="true")
    live_element = re.compile(r'<div id="live" [^>]*></div>')
    assert live_element.sub("", poll.content.decode()) == live_element.sub("", update["html"])


@postgres_only
def test_a_verdict_is_pushed_to_every_open_page_of_the_version(
    asgi, client, reviewer, reviewer2, editor, original
):
    claim = claim_on(original, reviewer2, "spend £4.2m on the wall")
    revision = Story.objects.get(pk=original.story_id).revision
    url = f"{asgi.url}/versions/{original.pk}/events/"
    jar = {user: cookies_of(None, user) for user in (reviewer, editor)}
    with (
        httpx.stream("GET", url, cookies=jar[reviewer], timeout=10) as rosa,
        httpx.stream("GET", url, cookies=jar[editor], timeout=10) as edith,
    ):
        assert events(rosa, 1) == events(edith, 1) == [{"revision": revision}]
        reviewing.verdict_save(
            claim=claim, user=reviewer2, rating="inaccurate", rationale="No.", sources=[],
            revision=None,
        )  # fmt: skip
        pushed = events(rosa, 1) + events(edith, 1)
    assert pushed[0] == pushed[1]
    assert pushed[0]["since"] == revision and pushed[0]["changed"] == [claim.pk]
    assert pushed[0]["refresh"] is False  # a verdict: only the open panel reloads
    assert pushed[0]["suggestions"] is None  # and the suggestion list is not in question
    # The open panels' verdicts and notes ride along: those pages ask for nothing.
    regions = pushed[0]["panels"][str(claim.pk)]
    assert 'id="verdicts"' in regions["verdicts"] and "No." in regions["verdicts"]
    assert 'id="note-list"' in regions["notes"]


@postgres_only
def test_a_dismissed_suggestion_is_pushed_with_the_list_without_it(
    asgi, client, reviewer, reviewer2, original, rewritten
):
    """A dismissal changes no claim; the list it changes is pushed all the same, and a page
    that took a later write's update first still gets it (before, a dismissal sent no
    notice, and the update of the next write carried no list: the page kept the
    dismissed suggestion)."""
    revision = Story.objects.get(pk=original.story_id).revision
    first = suggestions.shown(original)[0][0]
    url = f"{asgi.url}/versions/{original.pk}/events/"
    with httpx.stream("GET", url, cookies=cookies_of(client, reviewer), timeout=10) as stream:
        assert events(stream, 1) == [{"revision": revision}]
        suggestions.dismiss(
            version=original, start=first.start, end=first.end, reason="not_worth", user=reviewer2
        )
        claim_on(rewritten, reviewer2, "shields 3,400 homes")  # the other version's
        pushed = events(stream, 1)
        if pushed[0]["revision"] == revision + 1:  # not coalesced with the claim's
            pushed += events(stream, 1)
    assert pushed[0]["since"] == revision and pushed[-1]["revision"] == revision + 2
    assert pushed[0]["refresh"] is True and pushed[0]["changed"] == []
    listed = client.get(f"/versions/{original.pk}/suggestions/", HTTP_HX_REQUEST="true").text
    assert f'value="{pushed[0]["suggestions"]}"' in listed
    assert f'data-start="{first.start}"' not in pushed[0]["suggestion_list"]
    if len(pushed) == 2:  # the other version's claim: nothing for this list
        assert pushed[1]["refresh"] is False and pushed[1]["suggestions"] is None


@postgres_only
def test_a_version_the_user_cannot_see_has_no_stream(asgi, client, django_user_model, original):
    outsider = django_user_model.objects.create_user("olga", password="x")
    url = f"{asgi.url}/versions/{original.pk}/events/"
    response = httpx.get(url, cookies=cookies_of(client, outsider), timeout=10)
    assert response.status_code == 404


def test_gunicorn_never_holds_a_stream(client, reviewer, original, settings):
    """Under WSGI (a sync worker) the stream answers 204: the browser stops asking.

    The request runs in a thread of its own, as a WSGI worker's would: the WSGI handler
    runs the async view under async_to_sync, which refuses a thread that has an event
    loop, and Playwright's sync API leaves one in this process's main thread once a
    browser test has run.
    """
    settings.LIVE_PUSH = True
    client.force_login(reviewer)

    def get():
        try:
            return client.get(f"/versions/{original.pk}/events/")
        finally:
            connection.close()

    with ThreadPoolExecutor(1) as pool:
        response = pool.submit(get).result(timeout=30)
    assert response.status_code == 204


def test_the_page_opens_the_stream_only_where_push_is_on(client, reviewer, original, settings):
    client.force_login(reviewer)
    settings.LIVE_PUSH = False
    page = client.get(f"/versions/{original.pk}/").content.decode()
    assert 'id="live-events"' not in page and "js/live.js" not in page
    settings.LIVE_PUSH = True
    page = client.get(f"/versions/{original.pk}/").content.decode()
    pushes = connection.vendor == "postgresql"  # SQLite cannot notify: polling only
    assert (f'data-url="/versions/{original.pk}/events/"' in page) is pushes
    assert ("js/live.js" in page) is pushes


@postgres_only
def test_a_rolled_back_write_is_never_pushed(asgi, client, reviewer, reviewer2, original):
    revision = Story.objects.get(pk=original.story_id).revision
    url = f"{asgi.url}/versions/{original.pk}/events/"
    with httpx.stream("GET", url, cookies=cookies_of(client, reviewer), timeout=10) as stream:
        assert events(stream, 1) == [{"revision": revision}]
        with pytest.raises(RuntimeError), transaction.atomic():
            live.bump(original.story_id)
            raise RuntimeError("the write fails after taking a revision")
        claim = claim_on(original, reviewer2, "spend £4.2m on the wall")
        (update,) = events(stream, 1)
    # The first event is the claim's, from the revision the page had: nothing in between.
    assert update["since"] == revision and update["changed"] == [claim.pk]


@postgres_only
def test_after_a_lost_listen_connection_the_pages_catch_up(
    asgi, client, reviewer, reviewer2, original
):
    revision = Story.objects.get(pk=original.story_id).revision
    url = f"{asgi.url}/versions/{original.pk}/events/"
    with httpx.stream("GET", url, cookies=cookies_of(client, reviewer), timeout=15) as stream:
        assert events(stream, 1) == [{"revision": revision}]
        with connection.cursor() as cursor:  # the test database's LISTEN backend only
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND query LIKE 'LISTEN%%'"
            )
            assert cursor.fetchall() == [(True,)]
        # Written while nobody listens: its notice is lost, the reconnect sends it.
        claim = claim_on(original, reviewer2, "spend £4.2m on the wall")
        (update,) = events(stream, 1)
    assert update["since"] == revision and claim.pk in update["changed"]


def test_a_page_too_far_behind_is_told_only_the_revision():
    """Past QUEUE_MAX queued events a page's queue is dropped for a bare revision (it then
    polls from its own); until then each event is queued as given: one encoding, shared
    by every page it goes to."""

    # An asyncio.Queue's *_nowait methods need no running loop (and the test run may
    # have one of its own in this thread already).
    stream = live_push.Stream(story_id=1, version_id=1)
    shared = live_push._event({"revision": 1, "html": "<p>x</p>"})
    stream.send(1, shared)
    assert stream.queue.get_nowait() is shared
    for revision in range(1, live_push.QUEUE_MAX + 2):
        stream.send(revision, live_push._event({"revision": revision, "html": "x"}))
    queued = [stream.queue.get_nowait() for _ in range(stream.queue.qsize())]
    # QUEUE_MAX events queue as they are; the next finds the page too far behind.
    assert queued == [live_push._event({"revision": live_push.QUEUE_MAX + 1})]
