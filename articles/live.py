"""Live updates: the story's revision counter, and what changed since a page's revision.

Every write of a story's claims ends with ``bump``: it takes the story's next revision and
stamps the claims it changed (``Claim.changed_revision``), and records the words a claim
moved away from or was deleted from (``VacatedSpan``). A page polls with the revision it
shows; ``changes_since`` answers with the blocks of text and the claims that changed.

Locks (PostgreSQL). Structural writes (imports, re-alignments, re-segmentations) first
take the story's advisory lock (``lock_structure``), which serialises them and which
reviewers never take; an import stores its rows under it alone and locks the story row
FOR UPDATE only at the end, to propose counterparts and publish (articles/versions.py).
A reviewer's write takes, in this order: the story row FOR KEY SHARE
(``share_story``: it waits for a structural write while that holds the row FOR UPDATE,
and never for other reviewers), the rows it changes (claims in pk order),
and last the story row again, for the revision (``bump``), held only until its commit.
Revisions are therefore committed in the order they are taken: a page that has seen
revision N has seen every change stamped N or lower, so no change is missed. Nothing is
locked after ``bump`` except rows the transaction already holds or inserted, so two
writers never wait on each other in a cycle. SQLite serialises writers anyway.

Push (PostgreSQL). ``bump`` also sends ``NOTIFY factcheck_live, '<story>:<revision>'``,
which PostgreSQL delivers when the transaction commits (never for a rollback), to every
listener in commit order, hence in revision order. ``articles/live_push.py`` listens and
sends each open page the update ``render_update`` makes, the same a poll gets.
"""

from __future__ import annotations

import datetime
import functools
import operator
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection
from django.db.models import Case, F, OuterRef, Q, Subquery, Value, When
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe

from articles.models import Claim, Sentence, Story, VacatedSpan, Version

# More changed claims, or blocks, than this since a page's revision: the page is told to
# refresh rather than sent every piece.
MAX_CLAIMS = 40
MAX_BLOCKS = 24
# A pushed update also carries the claim panel's shared regions (its verdicts, its notes)
# of up to this many changed claims, within this many bytes: a page with one of them open
# swaps them in rather than asking for them (articles/live_push.py, static/js/live.js).
MAX_PANELS = 8
MAX_PANEL_BYTES = 256 * 1024

# The PostgreSQL channel of revision notices (``bump``), read by articles/live_push.py.
CHANNEL = "factcheck_live"


def share_story(story_id: int) -> None:
    """Wait for a structural write of the story (an import, a re-alignment) to finish.

    A FOR KEY SHARE row lock: many reviewers' writes hold it at once.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT 1 FROM {Story._meta.db_table} WHERE id = %s FOR KEY SHARE",  # noqa: S608
                [story_id],
            )


# The first key of the advisory locks that serialise a story's structural writes
# (``lock_structure``); the second is the story's id.
STRUCTURE_LOCK = 0x46430001


def lock_structure(story_id: int) -> None:
    """Serialise a structural write of the story (an import, a re-alignment, a
    re-segmentation) with the others, until the commit; reviewers never take it.

    A PostgreSQL transaction-level advisory lock, taken before any row lock of the story:
    an import holds it for its whole store, and the story row FOR UPDATE only to publish.
    A no-op on SQLite, which runs one write transaction at a time anyway.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [STRUCTURE_LOCK, story_id])


def bump(
    story_id: int,
    *,
    changed=(),
    created=(),
    vacated: list[VacatedSpan] = (),
) -> int:
    """Take the story's next revision; stamp claims ``changed`` and ``created`` (ids) with it.

    ``vacated`` are unsaved VacatedSpan rows (the span a claim had before a move or a
    delete); they are stored with the revision. Call it last in the transaction, after
    locking the claims it stamps. Returns the revision.
    """
    table = Story._meta.db_table
    # One statement takes the revision and reads it (and, on PostgreSQL, queues the notice
    # for the commit): the row is locked from here to the commit.
    postgresql = connection.vendor == "postgresql"
    notify = ", pg_notify(%s, id::text || ':' || revision::text)" if postgresql else ""
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET revision = revision + 1, updated_at = %s "  # noqa: S608
            f"WHERE id = %s RETURNING revision{notify}",
            [now, story_id, *([CHANNEL] if postgresql else [])],
        )
        revision = cursor.fetchone()[0]
    stamped = set(changed) | set(created)
    if created:
        # One statement stamps them all; created claims are changed ones too.
        created_now = Case(
            When(pk__in=set(created), then=Value(revision)),
            default=F("created_revision"),
            output_field=Claim._meta.get_field("created_revision"),
        )
        Claim.objects.filter(pk__in=stamped).update(
            changed_revision=revision, created_revision=created_now
        )
    elif stamped:
        Claim.objects.filter(pk__in=stamped).update(changed_revision=revision)
    if vacated:
        for row in vacated:
            row.revision = revision
        VacatedSpan.objects.bulk_create(vacated)
    return revision


def push_enabled() -> bool:
    """True if pages open the event stream: ``LIVE_PUSH`` is on and the database can notify."""
    return settings.LIVE_PUSH and connection.vendor == "postgresql"


# A poll from a page whose event stream is open need not render changes committed less
# than this ago: the stream brings them in a moment (p99 well under a second when the
# machine keeps up), and a poll racing it would render the same changes again (a fifth of
# the polls at 50 reviewers did, and under load the redraws fed on themselves). Past this
# the poll answers what the stream failed to bring.
PUSH_GRACE = datetime.timedelta(seconds=2)
# The page's stream is flowing if its last event came less than this many ms ago.
FLOWING_MS = 2000


def left_to_push(story: Story, since: int | None, *, stream: str | None) -> bool:
    """True if a page at revision ``since`` will get the story's newer revisions by push,
    so that its poll need not send them.

    ``stream``: what the page says of its stream, the milliseconds since its last event
    (None: no stream open). When the latest change is younger than ``PUSH_GRACE``: a page
    one revision behind leaves it to the stream; so does a page further behind whose
    stream is flowing (every revision is pushed, in order; a gap makes the page poll
    without saying so).
    """
    if stream is None or since is None or since >= story.revision or not push_enabled():
        return False
    if story.updated_at <= timezone.now() - PUSH_GRACE:
        return False
    age = int(stream) if stream.isascii() and stream.isdecimal() and len(stream) < 10 else None
    return age is not None and (since == story.revision - 1 or age < FLOWING_MS)


def events_url(version: Version) -> str:
    """The reading view's event stream, or "" where pages only poll."""
    return reverse("articles:version_events", args=[version.pk]) if push_enabled() else ""


# A VacatedSpan with this claim id: the version's text was split again (re-segmented), so
# its blocks changed and a page showing it must refresh.
RESEGMENTED = 0


def resegmented(version: Version) -> VacatedSpan:
    """The marker ``bump`` records when ``version``'s blocks and sentences were rebuilt."""
    return VacatedSpan(
        version_id=version.pk, claim_id=RESEGMENTED, start=0, end=len(version.text), revision=0
    )


# A VacatedSpan with this claim id (no claim has it): something the version's suggestion
# list is built on besides its claims changed (``Story.touch``); nothing to redraw.
LISTS_CHANGED = 2**63 - 1


def lists_changed(version_id: int) -> VacatedSpan:
    """The marker ``bump`` records for ``Story.touch``, for each version of the story."""
    return VacatedSpan(version_id=version_id, claim_id=LISTS_CHANGED, start=0, end=0, revision=0)


def vacate(claim: Claim) -> VacatedSpan:
    """The span ``claim`` has now, to be recorded by ``bump`` once it moves or goes."""
    return VacatedSpan(
        version_id=claim.version_id,
        claim_id=claim.pk,
        start=claim.start,
        end=claim.end,
        revision=0,
    )


@dataclass
class Item:
    """A claim's list item to insert before the item of ``anchor`` (None: at the end)."""

    claim: Claim
    anchor: int | None


@dataclass
class Delta:
    """What a page at some revision must redraw; ``changes`` is how many claims changed."""

    revision: int
    changes: int = 0
    too_many: bool = False
    blocks: list[str] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    # Claims whose list item goes first (removed, or re-inserted where it now belongs).
    removed: list[int] = field(default_factory=list)
    changed_ids: set[int] = field(default_factory=set)
    spans_changed: bool = False  # a claim was created, moved or deleted
    count: int = 0


def changes_since(version: Version, since: int, revision: int) -> Delta:
    """What changed in ``version`` after revision ``since``, up to at least ``revision``.

    ``revision`` is the story's revision read before this call: changes committed
    meanwhile may be included too, and are sent again next time (redrawing is idempotent).
    """
    # One query for both: a claim's row (kind 0) or the words a claim left (kind 1).
    claims = (
        Claim.objects.filter(version_id=version.pk, changed_revision__gt=since)
        .order_by()
        .values_list(Value(0), "pk", "start", "end", "created_revision")
    )
    left = (
        VacatedSpan.objects.filter(version_id=version.pk, revision__gt=since)
        .order_by()
        .values_list(Value(1), "claim_id", "start", "end", Value(0))
    )
    rows = list(claims.union(left, all=True))
    changed = [row[1:] for row in rows if row[0] == 0]
    vacated = [row[1:4] for row in rows if row[0] == 1 and row[1] != LISTS_CHANGED]
    delta = Delta(revision=revision)
    # Suggestions dismissed, links corrected, versions added (``Story.touch``): nothing to
    # redraw in the text, but the lists built on them are stale.
    delta.spans_changed = any(row[0] == 1 and row[1] == LISTS_CHANGED for row in rows)
    current = {pk for pk, *_ in changed}
    delta.changed_ids = current | {pk for pk, *_ in vacated}
    delta.changes = len(delta.changed_ids)
    if not delta.changes:
        return delta
    if delta.changes > MAX_CLAIMS or RESEGMENTED in delta.changed_ids:
        delta.changed_ids.discard(RESEGMENTED)
        delta.changes, delta.too_many = len(delta.changed_ids), True
        return delta
    delta.spans_changed |= bool(vacated) or any(created > since for *_, created in changed)
    ranges = [(s, e) for _, s, e, _ in changed] + [(s, e) for _, s, e in vacated]
    return _redraw(version, delta, current, ranges)


@dataclass
class Update:
    """What a page at revision ``since`` swaps in to show ``revision``, as a poll sends it.

    ``html``: the live element (with the new revision) and the out-of-band fragments.
    ``removed``: list items to take out first. ``refresh``: claims were marked, moved or
    deleted, or what the suggestion list is built on changed (``Story.touch``), or the
    page must refresh: its suggestion list is stale. Not for claims of other versions.
    ``changed``: the claims that changed (a page with one of them open reloads its panel).
    ``too_many``: more changed than the update carries (every open panel reloads).
    """

    since: int | None
    revision: int
    html: str
    removed: list[int]
    changed: list[int]
    refresh: bool
    too_many: bool = False
    # Claim id -> {"verdicts": html, "notes": html}: the panel regions of changed claims
    # (``render_update(panels=True)``), as their own refetches would answer.
    panels: dict[int, dict[str, str]] = field(default_factory=dict)


def render_update(
    version: Version, since: int | None, revision: int, *, panels: bool = False
) -> Update:
    """The update from ``since`` (None: unknown) to ``revision`` for ``version``'s page.

    The same for every reader (nothing in it depends on who asks): a poll sends it to one
    page, the event stream to all the pages at ``since``, with ``panels`` the changed
    claims' verdicts and notes (``render_panels``).
    """
    if since is None or since > revision:
        delta = Delta(revision=revision, too_many=True)
    else:
        delta = changes_since(version, since, revision)
    html = render_to_string(
        "articles/version_detail.html#live-delta",
        {
            "version": version,
            "story": version.story,
            "revision": revision,
            "delta": delta,
            "live_poll_ms": settings.LIVE_POLL_MS,
        },
    )
    return Update(
        since=since,
        revision=revision,
        html=html,
        removed=delta.removed,
        changed=sorted(delta.changed_ids),
        refresh=delta.spans_changed or delta.too_many,
        too_many=delta.too_many,
        panels=render_panels([item.claim for item in delta.items]) if panels else {},
    )


def render_panels(claims: list[Claim]) -> dict[int, dict[str, str]]:
    """The verdicts and notes regions of the claim panel for each of ``claims`` (loaded
    ``with_verdicts``), the same for every reader; {} past ``MAX_PANELS`` claims or
    ``MAX_PANEL_BYTES``, where the pages fetch what they show instead."""
    from articles import notes, validation  # notes builds on this module

    if not claims or len(claims) > MAX_PANELS:
        return {}
    threads = notes.notes_by_claim([c.pk for c in claims])
    panels, size = {}, 0
    for claim in claims:
        regions = {
            "verdicts": render_to_string("articles/claim_panel.html#verdicts", {"claim": claim}),
            "notes": render_to_string(
                "articles/_claim_notes.html#note-list",
                {
                    "claim": claim,
                    "notes": threads[claim.pk],
                    "note_max": validation.MAX_CLAIM_NOTE,
                },
            ),
        }
        size += sum(len(html) for html in regions.values())
        if size > MAX_PANEL_BYTES:
            return {}
        panels[claim.pk] = regions
    return panels


def claim_delta(version: Version, claim: Claim, *, left: tuple[int, int] | None = None) -> Delta:
    """What the marking page redraws after ``claim`` was marked or moved (from ``left``)."""
    delta = Delta(revision=0, changes=1, spans_changed=True, changed_ids={claim.pk})
    ranges = [(claim.start, claim.end)] + ([left] if left else [])
    # Only marks and list items: the marking page's panel is rendered apart.
    return _redraw(version, delta, {claim.pk}, ranges, marks_only=True)


def _redraw(
    version: Version, delta: Delta, current: set[int], ranges, *, marks_only: bool = False
) -> Delta:
    """Fill ``delta`` with the blocks over ``ranges`` and the list items of claims ``current``.

    The claims come ``with_verdicts`` (an update may carry their panels too), or with only
    what their marks and list items show if ``marks_only``.
    """
    from articles import reading  # it builds on the models too

    claim_rows = version.claims.with_marks() if marks_only else version.claims.with_verdicts()

    blocks = list(
        version.blocks.filter(
            functools.reduce(operator.or_, (Q(start__lt=e, end__gt=s) for s, e in ranges))
        ).order_by("position")
    )
    if len(blocks) > MAX_BLOCKS:
        delta.too_many = True
        return delta
    if blocks:
        sentences = list(Sentence.objects.filter(block__in=blocks).order_by("position"))
        covers = functools.reduce(
            operator.or_, (Q(start__lt=b.end, end__gt=b.start) for b in _merged(blocks))
        )
        claims = list(
            claim_rows.filter(covers | Q(pk__in=current))
            .annotate(next_pk=_next_claim()).order_by("start", "-end", "pk")
        )  # fmt: skip
        delta.blocks = [
            mark_safe(html)  # noqa: S308 -- reading.render_blocks escapes every text piece
            for html in reading.render_blocks(version.text, blocks, sentences, claims, oob=True)
        ]
    else:
        claims = list(claim_rows.filter(pk__in=current).annotate(next_pk=_next_claim()))
    # Every changed claim's item is taken out and put back where it belongs now; in
    # reverse order, so that the item each one goes before is already in place.
    by_pk = {c.pk: c for c in claims}
    order = sorted((by_pk[pk] for pk in current), key=lambda c: (c.start, -c.end, c.pk))
    for claim in reversed(order):
        delta.items.append(Item(claim, claim.next_pk))
    delta.removed = sorted(delta.changed_ids)
    delta.count = version.claims.count()
    return delta


def _merged(blocks) -> list:
    """Consecutive blocks as one range: fewer terms in the claims query."""
    out = []
    for b in blocks:
        if out and out[-1].position + 1 == b.position:
            out[-1] = _Range(out[-1].start, b.end, b.position)
        else:
            out.append(_Range(b.start, b.end, b.position))
    return out


@dataclass
class _Range:
    start: int
    end: int
    position: int


def _next_claim() -> Subquery:
    """The pk of the claim listed after each claim (by start, longer first, then pk), or
    None for the last: a subquery of the claims query, not a query for each claim."""
    after = (
        Q(start__gt=OuterRef("start"))
        | Q(start=OuterRef("start"), end__lt=OuterRef("end"))
        | Q(start=OuterRef("start"), end=OuterRef("end"), pk__gt=OuterRef("pk"))
    )
    return Subquery(
        Claim.objects.filter(after, version_id=OuterRef("version_id"))
        .order_by("start", "-end", "pk")
        .values("pk")[:1]
    )
