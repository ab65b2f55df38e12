"""The newsroom's workflow: assignments and queues, who is reading what, recent activity.

Writes are one transaction each, take the story's row lock first (the order every write in
reviewing.py uses) and bump the story's revision, which open pages poll.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, Subquery
from django.urls import reverse
from django.utils import timezone

from articles.models import (
    Assignment,
    Claim,
    Presence,
    Story,
    Verdict,
    Version,
    is_editor,
)
from articles.reviewing import Conflict, NotAllowed, _lock_story


def _name(user) -> str:
    return user.get_full_name() or user.get_username()


# ---------------------------------------------------------------------------- assignments


def _check_assignees(story: Story, assignees) -> None:
    members = set(story.members.filter(is_active=True).values_list("pk", flat=True))
    for person in assignees:
        if person.pk not in members:
            raise NotAllowed(
                f"{_name(person)} is not a reviewer of this story; add them to the story first."
            )


def _check_due(due_on: datetime.date | None) -> None:
    if due_on is not None and due_on < timezone.localdate():
        raise NotAllowed("The due date is in the past; choose today or a later day.")


def assignments_create(
    *,
    version: Version,
    claims: list[Claim],
    assignees: list,
    due_on: datetime.date | None,
    user,
) -> int:
    """Assign claims of one version (or, with no claims, the whole version) to reviewers.

    An existing assignment of the same claim to the same reviewer gets the new due date.
    Returns how many assignments were created or changed. Raises NotAllowed for a
    non-editor, a reviewer who is not a member of the story, or a due date in the past.
    """
    if not is_editor(user):
        raise NotAllowed("Only editors can assign claims.")
    if not assignees:
        raise NotAllowed("Choose at least one reviewer.")
    _check_due(due_on)
    if any(c.version_id != version.pk for c in claims):
        raise NotAllowed("Those claims are not in this version.")
    targets = claims or [None]
    changed = 0
    with transaction.atomic():
        _lock_story(version.story_id)
        # Checked under the lock: a reviewer removed from the story a moment ago is refused.
        _check_assignees(version.story, assignees)
        if claims and Claim.objects.filter(pk__in=[c.pk for c in claims]).count() != len(
            {c.pk for c in claims}
        ):
            raise Conflict("One of those claims was deleted a moment ago; nothing was assigned.")
        for claim in targets:
            for person in assignees:
                existing = Assignment.objects.filter(
                    version=version, claim=claim, assignee=person
                ).first()
                if existing is None:
                    Assignment.objects.create(
                        version=version,
                        claim=claim,
                        assignee=person,
                        assigned_by=user,
                        due_on=due_on,
                    )
                    changed += 1
                elif existing.due_on != due_on:
                    existing.due_on = due_on
                    existing.assigned_by = user
                    existing.revision += 1
                    existing.save()
                    changed += 1
        version.story.touch()
    return changed


def assignment_change(
    *, assignment: Assignment, assignee, due_on: datetime.date | None, revision: int, user
) -> Assignment:
    """Hand an assignment to another reviewer or move its due date.

    Raises Conflict if someone changed or removed it since ``revision`` (two editors
    reassigning at once: the second is told, nothing is overwritten), NotAllowed as above.
    """
    if not is_editor(user):
        raise NotAllowed("Only editors can reassign claims.")
    _check_due(due_on)
    story = assignment.version.story
    with transaction.atomic():
        _lock_story(story.pk)
        locked = (
            Assignment.objects.select_for_update(of=("self",))
            .filter(pk=assignment.pk)
            .order_by()
            .first()
        )
        if locked is None:
            raise Conflict("Someone removed this assignment a moment ago.")
        if locked.revision != revision:
            raise Conflict(
                f"Someone changed this assignment a moment ago: it is now "
                f"{_name(locked.assignee)}'s. Nothing was changed; choose again.",
                locked,
            )
        _check_assignees(story, [assignee])
        clash = Assignment.objects.filter(
            version_id=locked.version_id, claim_id=locked.claim_id, assignee=assignee
        ).exclude(pk=locked.pk)
        if clash.exists():
            raise NotAllowed(f"{_name(assignee)} already has this assignment.")
        locked.assignee, locked.due_on, locked.assigned_by = assignee, due_on, user
        locked.revision += 1
        try:
            with transaction.atomic():
                locked.save()
        except IntegrityError:
            raise Conflict(f"{_name(assignee)} got this assignment a moment ago.") from None
        story.touch()
    return locked


def assignment_delete(*, assignment: Assignment, revision: int, user) -> None:
    """Withdraw an assignment. Raises Conflict if it changed since ``revision``."""
    if not is_editor(user):
        raise NotAllowed("Only editors can withdraw assignments.")
    with transaction.atomic():
        _lock_story(assignment.version.story_id)
        locked = (
            Assignment.objects.select_for_update(of=("self",))
            .filter(pk=assignment.pk)
            .order_by()
            .first()
        )
        if locked is None:
            return
        if locked.revision != revision:
            raise Conflict("Someone changed this assignment a moment ago; check it again.", locked)
        locked.delete()
        assignment.version.story.touch()


@dataclass
class QueueItem:
    claim: Claim
    due_on: datetime.date | None
    overdue: bool


def queue_for(user, *, today: datetime.date | None = None) -> list[QueueItem]:
    """Claims assigned to the user (directly or with their version) that they have not yet
    judged and nobody settled: overdue first, then by due date, then undated."""
    today = today or timezone.localdate()
    rows = Assignment.objects.filter(assignee=user).values_list("claim_id", "version_id", "due_on")
    by_claim: dict[int, list] = {}
    by_version: dict[int, list] = {}
    for claim_id, version_id, due in rows:
        if claim_id:
            by_claim.setdefault(claim_id, []).append(due)
        else:
            by_version.setdefault(version_id, []).append(due)
    if not by_claim and not by_version:
        return []
    claims = (
        Claim.objects.visible_to(user)
        .filter(Q(pk__in=by_claim) | Q(version_id__in=by_version))
        .filter(settled_at__isnull=True)
        .exclude(verdicts__reviewer=user)
        .select_related("version__story")
    )
    items = []
    for claim in claims:
        dues = [d for d in by_claim.get(claim.pk, []) + by_version.get(claim.version_id, [])]
        dated = [d for d in dues if d is not None]
        due = min(dated) if dated else None
        items.append(QueueItem(claim, due, due is not None and due < today))
    items.sort(
        key=lambda i: (
            not i.overdue,
            i.due_on is None,
            i.due_on or datetime.date.max,
            i.claim.version.story_id,
            i.claim.version_id,
            i.claim.start,
        )
    )
    return items


@dataclass
class BoardRow:
    claim: Claim
    assigned: list = field(default_factory=list)  # (user, due_on)
    judged: list = field(default_factory=list)  # users
    late: list = field(default_factory=list)  # users


def assignment_board(
    story: Story,
    *,
    claim_ids=None,
    claims=None,
    judged: dict | None = None,
    today: datetime.date | None = None,
) -> list[BoardRow]:
    """For each claim of the story (or only those of ``claim_ids``, a page of a big story):
    who is assigned, who has judged it, who is late.

    Three queries whatever the number of claims; one when the caller passes ``claims``,
    already loaded with their version, and ``judged``, their reviewers by claim pk (the
    dashboard's page).
    """
    today = today or timezone.localdate()
    # Unordered: Assignment.Meta's order joins every version, story and claim twice over.
    # What it decided here is the order of each claim's people: those assigned the whole
    # version first (NULLs first, as PostgreSQL sorts them), then by id.
    assignments = (
        Assignment.objects.filter(version__story=story).select_related("assignee").order_by()
    )
    if claims is not None:
        claim_ids = [c.pk for c in claims]
    if claim_ids is not None:
        # A page of claims: their own assignments and the versions' (not every claim's).
        assignments = assignments.filter(Q(claim__isnull=True) | Q(claim_id__in=claim_ids))
    assignments = sorted(assignments, key=lambda a: (a.claim_id is not None, a.assignee_id))
    if claims is not None:
        judged = judged or {}
        claims = sorted(claims, key=lambda c: (c.version_id, c.start, c.pk))
    else:
        judged = {}
        verdicts = Verdict.objects.filter(claim__version__story=story).select_related("reviewer")
        claims = (
            Claim.objects.filter(version__story=story)
            .select_related("version")
            .defer("version__text")
        )
        if claim_ids is not None:
            verdicts = verdicts.filter(claim_id__in=claim_ids)
            claims = claims.filter(pk__in=claim_ids)
        for verdict in verdicts:
            judged.setdefault(verdict.claim_id, []).append(verdict.reviewer)
        claims = claims.order_by("version_id", "start", "pk")
    rows = []
    for claim in claims:
        mine = [
            a
            for a in assignments
            if a.claim_id == claim.pk or (a.claim_id is None and a.version_id == claim.version_id)
        ]
        done = {u.pk for u in judged.get(claim.pk, [])}
        assigned: dict[int, tuple] = {}
        for a in mine:
            prev = assigned.get(a.assignee_id)
            if prev is None or (a.due_on and (prev[1] is None or a.due_on < prev[1])):
                assigned[a.assignee_id] = (a.assignee, a.due_on)
        late = [
            user
            for user, due in assigned.values()
            if due and due < today and user.pk not in done and not claim.is_settled
        ]
        rows.append(BoardRow(claim, list(assigned.values()), judged.get(claim.pk, []), late))
    return rows


# ---------------------------------------------------------------------------- presence


def presence_ttl() -> datetime.timedelta:
    """How long a page counts as open after its row was last written: its row is written
    at most every ``presence_refresh()`` (1.5 polls), and then three more polls may go
    missing. Polls are ``LIVE_STREAM_POLL_MS`` apart while a page's event stream is open
    (where push is on); a page closed properly leaves at once (``presence_leave``)."""
    from articles import live  # it builds on the models, as this module does

    beat = max(settings.LIVE_POLL_MS, settings.LIVE_STREAM_POLL_MS * live.push_enabled())
    return datetime.timedelta(milliseconds=4 * beat + 2000)


def presence_refresh() -> datetime.timedelta:
    """While a page shows the same claim, its row is rewritten at most this often: every
    other poll, not every one (a poll is the request the server answers most)."""
    return datetime.timedelta(milliseconds=1.5 * settings.LIVE_POLL_MS)


def presence_touch(*, version: Version, user, tab: str, claim_id: int | None) -> None:
    """Record that the user's page (``tab``) has the version open, looking at ``claim_id``
    (ignored unless it is a claim of this version)."""
    now = timezone.now()
    # Unordered: Claim's default ordering would join the version and the story.
    mine = Claim.objects.filter(pk=claim_id, version_id=version.pk).order_by()
    claim = Subquery(mine.values("pk")[:1]) if claim_id else None
    updated = Presence.objects.filter(version=version, user=user, tab=tab).update(
        seen_at=now, claim_id=claim
    )
    if updated:
        return
    claim = mine.values_list("pk", flat=True).first() if claim_id else None
    try:
        with transaction.atomic():
            Presence.objects.create(
                version=version, user=user, tab=tab, claim_id=claim, seen_at=now
            )
    except IntegrityError:
        return  # the same page's previous poll created it a moment ago
    # No trace once people leave: when a page opens, the rows of pages that stopped
    # polling go, for every version (those of pages closed properly went at once).
    Presence.objects.filter(seen_at__lt=now - presence_ttl()).delete()


def presence_leave(*, version: Version, user, tab: str) -> None:
    Presence.objects.filter(version=version, user=user, tab=tab).delete()


def _shown(rows):
    """Presence rows with what the region shows of them (``presence_html``): a claim's
    row is its words and more, a user's its password hash and more."""
    return rows.select_related("user", "claim").only(
        "user_id", "claim_id", "seen_at", "user__username", "user__first_name",
        "user__last_name", "claim__number",
    )  # fmt: skip


def _rows(version: Version) -> list[Presence]:
    cutoff = timezone.now() - presence_ttl()
    return list(
        _shown(Presence.objects.filter(version=version, seen_at__gte=cutoff)).order_by(
            "user__username", "-seen_at"
        )
    )


def _people(rows: list[Presence], user) -> list[Presence]:
    """Everyone but ``user``, one entry per person (their latest page)."""
    seen, people = {user.pk}, []
    for row in rows:
        if row.user_id not in seen:
            seen.add(row.user_id)
            people.append(row)
    return people


def present(version: Version, user) -> list[Presence]:
    """Everyone else with the version open now, one entry per person (their latest page)."""
    return _people(_rows(version), user)


def presence_poll(
    *, version: Version, user, tab: str, claim_id: int | None, shown: str | None = None
) -> tuple[str, list[Presence] | None]:
    """A poll's presence: record the page (``presence_touch``); return the fingerprint of
    everyone else with the version open (``present``) and them, or None for them if the
    page shows them already (its fingerprint is ``shown``).

    One query while the page shows the same claim and its row is fresh: who is here, as
    plain values; the row is written only when it is not, and the people (with their
    names and claims) are read only when the page shows others.
    """
    now = timezone.now()
    rows = list(
        Presence.objects.filter(version=version, seen_at__gte=now - presence_ttl())
        .order_by("user__username", "-seen_at")
        .values_list("pk", "user_id", "tab", "claim_id", "seen_at")
    )
    mine = next((r for r in rows if r[1] == user.pk and r[2] == tab), None)
    recorded = mine is not None and mine[3] == claim_id
    if recorded and mine[4] < now - presence_refresh():
        # The same claim, already checked to be this version's: only the time changes
        # (unless the row went meanwhile: the page left, or it expired).
        recorded = Presence.objects.filter(pk=mine[0]).update(seen_at=now) == 1
    if not recorded:
        presence_touch(version=version, user=user, tab=tab, claim_id=claim_id)
    # Everyone but this user, one entry per person (their latest page); not this user's
    # own pages, so the row just written is not needed.
    seen, people = {user.pk}, []
    for pk, user_id, _, claim, _ in rows:
        if user_id not in seen:
            seen.add(user_id)
            people.append((pk, user_id, claim))
    # What the page shows, in a short string: the poll answers 204 while it is unchanged.
    fingerprint = ".".join(f"{u}-{c or 0}" for _, u, c in people) or "none"
    if fingerprint == shown:
        return fingerprint, None
    if not people:
        return fingerprint, []
    by_pk = _shown(Presence.objects).in_bulk([pk for pk, *_ in people])
    return fingerprint, [by_pk[pk] for pk, *_ in people if pk in by_pk]


# ---------------------------------------------------------------------------- activity


@dataclass
class Activity:
    when: datetime.datetime
    who: object
    verb: str
    what: str
    url: str | None


def story_activity(story: Story, *, limit: int = 30) -> list[Activity]:
    """Recent activity on the story, newest first, from the history already kept.

    Claims marked, verdicts given or changed, claims settled or reopened, versions
    imported, assignments made. A fixed number of queries.
    """
    versions = {v.pk: v for v in story.versions.all()}
    live_claims = set(Claim.objects.filter(version__story=story).values_list("pk", flat=True))

    def claim_url(claim_id, version_id):
        if claim_id not in live_claims:
            return None
        return f"{reverse('articles:version_detail', args=[version_id])}?claim={claim_id}"

    events: list[Activity] = []
    for version in versions.values():
        events.append(
            Activity(
                version.created_at,
                version.created_by,
                "imported",
                version.label,
                version.get_absolute_url(),
            )
        )
    claim_records = (
        Claim.history.filter(version_id__in=list(versions))
        .select_related("history_user")
        .order_by("id", "history_date", "history_id")
    )
    before: dict[int, object] = {}
    numbers: dict[int, tuple[int, int]] = {}
    for record in claim_records:
        prev = before.get(record.id)
        before[record.id] = record
        numbers[record.id] = (record.number, record.version_id)
        label = f"claim #{record.number} in {versions[record.version_id].label}"
        url = claim_url(record.id, record.version_id)
        if record.history_type == "+":
            events.append(Activity(record.history_date, record.history_user, "marked", label, url))
        elif record.history_type == "-":
            events.append(
                Activity(record.history_date, record.history_user, "deleted", label, None)
            )
        elif prev is not None:
            if record.settled_at and not prev.settled_at:
                events.append(
                    Activity(record.history_date, record.history_user, "settled", label, url)
                )
            elif prev.settled_at and not record.settled_at:
                events.append(
                    Activity(record.history_date, record.history_user, "reopened", label, url)
                )
    verdict_records = (
        Verdict.history.filter(claim_id__in=list(numbers))
        .select_related("history_user")
        .order_by("id", "history_date", "history_id")
    )
    last_rating: dict[int, str] = {}
    for record in verdict_records:
        number, version_id = numbers[record.claim_id]
        label = f"claim #{number} in {versions[version_id].label}"
        url = claim_url(record.claim_id, version_id)
        if record.history_type == "+":
            verb = "gave a verdict on"
        elif record.history_type == "~" and last_rating.get(record.id) != record.rating:
            verb = "changed their verdict on"
        else:
            last_rating[record.id] = record.rating
            continue
        last_rating[record.id] = record.rating
        events.append(Activity(record.history_date, record.history_user, verb, label, url))
    assignment_records = (
        Assignment.history.filter(version_id__in=list(versions), history_type="+")
        .select_related("history_user", "assignee")
        .order_by("-history_date")[:limit]
    )
    for record in assignment_records:
        if record.claim_id and record.claim_id in numbers:
            number, _ = numbers[record.claim_id]
            what = f"claim #{number} in {versions[record.version_id].label}"
            url = claim_url(record.claim_id, record.version_id)
        else:
            what = f"all of {versions[record.version_id].label}"
            url = versions[record.version_id].get_absolute_url()
        events.append(
            Activity(
                record.history_date,
                record.history_user,
                f"assigned {_name(record.assignee)}",
                what,
                url,
            )
        )
    events.sort(key=lambda e: e.when, reverse=True)
    return events[:limit]
