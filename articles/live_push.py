"""Push: the reading view's event stream (server-sent events), fed by PostgreSQL NOTIFY.

Served by an ASGI server (``uvicorn factcheck.asgi:application``) beside gunicorn, for the
one path ``/versions/<id>/events/`` (deploy/nginx.conf routes it there). Each process keeps
one connection that LISTENs on ``live.CHANNEL``; ``live.bump`` notifies it at every commit
that changes a story, in revision order. For each notice the process renders, once per
version that has pages open here, the update from the last revision it sent to the new
one (``live.render_update``, the same a poll answers) and sends it to all those pages. A
page applies it if it shows that earlier revision or a later one (redrawing is
idempotent); if it is further behind (it has just opened, its stream dropped, or the
reader was selecting words) it asks the poll, which answers from the page's own revision. So the cost of a change is one render per version
and process, however many people read, and nothing here is state: a lost process, notice
or stream costs a poll.

The stream holds no database connection: the user and the version are checked when it
opens (and again when the browser reconnects, every ``LIVE_STREAM_SECONDS``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import psycopg
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections, connection
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET

from articles import live, suggestions
from articles.models import Story, Version

log = logging.getLogger(__name__)

KEEPALIVE_SECONDS = 20  # a comment line, so proxies keep the connection and dead ones show
# Updates a slow page may lag behind before it is told to poll instead (a poll from far
# behind redraws every change since). Each is the bytes every page of its version shares,
# so a long queue holds references, not copies.
QUEUE_MAX = 200


@dataclass(eq=False)
class Stream:
    story_id: int
    version_id: int
    queue: asyncio.Queue = field(default_factory=asyncio.Queue)

    def send(self, revision: int, event: bytes) -> None:
        """Queue ``event`` (``_event``'s bytes, shared by every page it goes to)."""
        if self.queue.qsize() >= QUEUE_MAX:
            # Too far behind: drop what is queued; the page polls from its own revision.
            while not self.queue.empty():
                self.queue.get_nowait()
            event = _event({"revision": revision})
        self.queue.put_nowait(event)


class Hub:
    """One process's LISTEN connection and the streams open in it, by story."""

    def __init__(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.streams: dict[int, set[Stream]] = {}
        self.sent: dict[int, int] = {}  # story -> the revision its pages were last sent
        self.pending: dict[int, int] = {}  # story -> the newest revision notified
        self.noticed: dict[int, float] = {}  # story -> when its oldest unsent notice came
        self.busy: set[int] = set()  # stories being rendered
        self.listening = asyncio.Event()
        self.tasks: set[asyncio.Task] = set()
        # One thread renders, with one database connection (closed by ``shutdown``).
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="live-push")
        self.listener = asyncio.create_task(self._listen())

    async def _listen(self) -> None:
        params = {
            k: v
            for k, v in connection.get_connection_params().items()
            if k not in ("cursor_factory", "context", "prepare_threshold")
        }
        while True:
            try:
                conn = await psycopg.AsyncConnection.connect(**params, autocommit=True)
                async with conn:
                    await conn.execute(f"LISTEN {live.CHANNEL}")
                    self.listening.set()
                    # Notices sent while nobody listened are lost: every page catches up.
                    for story_id in list(self.streams):
                        self._notify(story_id, None)
                    async for notice in conn.notifies():
                        story, _, revision = notice.payload.partition(":")
                        self._notify(int(story), int(revision))
            except (psycopg.Error, OSError) as exc:
                log.warning("live push: LISTEN connection lost (%s); again in 1 s", exc)
            self.listening.clear()
            await asyncio.sleep(1)

    def _notify(self, story_id: int, revision: int | None) -> None:
        if story_id not in self.streams:
            return
        if revision is None:
            revision = -1  # read the story's revision when rendering
        self.pending[story_id] = max(self.pending.get(story_id, -1), revision)
        self.noticed.setdefault(story_id, time.time())
        if story_id not in self.busy:
            self.busy.add(story_id)
            task = asyncio.create_task(self._send(story_id))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

    async def _send(self, story_id: int) -> None:
        """Render and send until the story's pages have its newest notified revision.

        Notices that arrive while rendering are coalesced into the next update.
        """
        try:
            while story_id in self.pending and story_id in self.streams:
                target = self.pending.pop(story_id)
                noticed = self.noticed.pop(story_id, None)
                since = self.sent.get(story_id)
                if since is not None and 0 <= target <= since:
                    continue
                versions = {s.version_id for s in self.streams[story_id]}
                try:
                    revision, updates = await self.loop.run_in_executor(
                        self.executor, _render, story_id, versions, since, target
                    )
                except Exception:  # noqa: BLE001 -- a page polls anyway; keep the stream
                    log.exception("live push: rendering story %s failed", story_id)
                    continue
                if since is not None and revision <= since:
                    continue  # a catch-up that found nothing new
                self.sent[story_id] = revision
                # Each version's update is encoded once, however many pages it goes to
                # (with the suggestion list and the changed claims' panels it is tens of
                # kilobytes). "noticed": when PostgreSQL delivered the oldest change in it
                # (at its commit); bench/load.py measures the push from there.
                events = {pk: _event(u | {"noticed": noticed}) for pk, u in updates.items()}
                nothing = _event({"revision": revision})
                for stream in list(self.streams.get(story_id, ())):
                    stream.send(revision, events.get(stream.version_id, nothing))
        finally:
            self.busy.discard(story_id)

    async def open(self, stream: Stream, revision: int) -> None:
        """Add a stream whose page was told ``revision`` (read after LISTEN began)."""
        self.streams.setdefault(stream.story_id, set()).add(stream)
        self.sent.setdefault(stream.story_id, revision)

    def close(self, stream: Stream) -> None:
        streams = self.streams.get(stream.story_id)
        if streams is not None:
            streams.discard(stream)
            if not streams:
                del self.streams[stream.story_id]
                self.sent.pop(stream.story_id, None)
                self.pending.pop(stream.story_id, None)


def _render(story_id: int, version_ids: set[int], since: int | None, target: int):
    """Each version's update from ``since`` to the story's revision (at least ``target``)."""
    close_old_connections()
    try:
        revision = Story.objects.values_list("revision", flat=True).get(pk=story_id)
        revision = max(revision, target)
        updates = {}
        if since is not None and since >= revision:
            return revision, updates
        for version in Version.objects.select_related("story").filter(pk__in=version_ids):
            if since is None:
                continue  # nothing to send from: the pages poll
            update = live.render_update(version, since, revision, panels=True)
            # Claims of this version were marked, moved or deleted, or what its suggestions
            # are built on changed (``Story.touch``): the suggestion list may have changed.
            # The update carries the list as it is now and its fingerprint: each page
            # compares that with the list it shows and swaps the new one in only if it
            # differs (most claims leave the best few alone).
            fingerprint = suggestion_list = None
            if update.refresh:
                fingerprint, suggestion_list = _suggestion_list(version)
            updates[version.pk] = {
                "since": update.since,
                "revision": update.revision,
                "html": update.html,
                "removed": update.removed,
                "changed": update.changed,
                "refresh": update.refresh,
                "too_many": update.too_many,
                "suggestions": fingerprint,
                "suggestion_list": suggestion_list,
                # The changed claims' verdicts and notes: a page with one open swaps them
                # in (JSON keys are strings).
                "panels": {str(pk): regions for pk, regions in update.panels.items()},
            }
        return revision, updates
    finally:
        close_old_connections()


def _suggestion_list(version: Version) -> tuple[str, str]:
    """The reading view's suggestion list as every reader gets it, and its fingerprint.

    Rendered once for all the pages, so without a CSRF token in its forms: htmx sends the
    page's own (the body's ``hx-headers``), and only pages running htmx get pushed updates.
    """
    context = suggestions.list_context(version) | {"csrf_token": "NOTPROVIDED"}
    html = render_to_string("articles/_suggestions.html#suggestion-list", context)
    return context["fingerprint"], html


_hub: Hub | None = None


def hub() -> Hub:
    """This process's hub (one per event loop: tests may run more than one server)."""
    global _hub
    if _hub is None or _hub.loop is not asyncio.get_running_loop():
        _hub = Hub()
    return _hub


def _close_connection() -> None:
    connection.close()  # this thread's


def shutdown() -> None:
    """Forget this process's hub and close its render connection (a server stopped)."""
    global _hub
    if _hub is not None:
        with contextlib.suppress(RuntimeError):  # its loop may have closed already
            _hub.loop.call_soon_threadsafe(_hub.listener.cancel)
        _hub.executor.submit(_close_connection).result(timeout=10)
        _hub.executor.shutdown()
        _hub = None


def _visible(user, pk: int) -> tuple[int, int]:
    """The story and its current revision for a version ``user`` may read; 404 otherwise."""
    row = (
        Version.objects.filter(story__in=Story.objects.visible_to(user), pk=pk)
        .values_list("story_id", "story__revision")
        .first()
    )
    if row is None:
        raise Http404
    return row


def _event(message: dict) -> bytes:
    return f"id: {message['revision']}\ndata: {json.dumps(message)}\n\n".encode()


@require_GET
async def version_events(request, pk):
    """Server-sent events: each update of the version's page, as ``live.Update`` JSON.

    The first event is ``{"revision": R}``, the story's revision when the stream opened.
    204 where push is off (SQLite, ``LIVE_PUSH`` unset, or a request that reached gunicorn):
    the browser stops asking.
    """
    story_id, revision = await sync_to_async(_visible)(request.user, pk)
    if "wsgi.version" in request.META or not await sync_to_async(live.push_enabled)():
        # A sync worker must never hold a stream: 204 tells the browser to stop asking.
        return HttpResponse(status=204)
    the_hub = hub()
    if not the_hub.listening.is_set():
        try:
            await asyncio.wait_for(the_hub.listening.wait(), timeout=5)
        except TimeoutError:
            return HttpResponse("Live updates are unavailable; the page polls.", status=503)
        # The revision the page is told must be read once notifications are heard.
        story_id, revision = await sync_to_async(_visible)(request.user, pk)
    # The request's thread (the middleware's and _visible's) must not keep a connection
    # for as long as the stream is open.
    await sync_to_async(_close_connection)()
    stream = Stream(story_id=story_id, version_id=pk)
    await the_hub.open(stream, revision)

    async def events():
        loop = asyncio.get_running_loop()
        closes_at = loop.time() + settings.LIVE_STREAM_SECONDS
        try:
            # Reconnect after 1 s if the stream drops (the page polls meanwhile).
            yield b"retry: 1000\n\n" + _event({"revision": revision})
            while (left := closes_at - loop.time()) > 0:
                try:
                    event = await asyncio.wait_for(
                        stream.queue.get(), timeout=min(KEEPALIVE_SECONDS, left)
                    )
                except TimeoutError:
                    yield b": keepalive\n\n"
                    continue
                yield event
        finally:
            the_hub.close(stream)

    response = StreamingHttpResponse(events(), content_type="text/event-stream")
    response["Cache-Control"] = "no-store"
    response["X-Accel-Buffering"] = "no"  # nginx: send each event as it comes
    with contextlib.suppress(KeyError):
        del response["Content-Length"]
    return response
