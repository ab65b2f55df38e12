"""Writes of the review workflow: claims, verdicts with their sources.

Each function is one transaction and ends by taking the story's next revision
(``live.bump``), which open pages poll; the story row is held only from then to the
commit, so reviewers' writes of one story run in parallel (see articles/live.py for the
lock order). Concurrent edits are detected with revision numbers (optimistic locking): a
save names the revision it started from, and a newer one raises Conflict instead of
overwriting.
"""

from __future__ import annotations

import functools
import logging

from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from articles import claim_status, live, validation
from articles.models import Claim, Counterpart, Source, Story, Verdict, Version, is_editor
from articles.ratings import SCALE
from articles.text import anchoring

logger = logging.getLogger(__name__)


class Conflict(Exception):
    """Someone saved a newer state first; ``current`` is that state (None if deleted)."""

    def __init__(self, message: str, current=None):
        super().__init__(message)
        self.current = current


class NotAllowed(Exception):
    """The user may not make this change; the message says why."""


# PostgreSQL's SQLSTATE for a transaction it aborted to break a deadlock.
DEADLOCK_DETECTED = "40P01"
DEADLOCK_ATTEMPTS = 3


def retry_on_deadlock(write):
    """Run the write again (at most DEADLOCK_ATTEMPTS times) when PostgreSQL aborted its
    transaction to break a deadlock.

    Writes take the claims they recompute in id order (``claim_status.lock``), so two
    writes on one story no longer take the same rows in opposite orders; a claim that came
    to cover another meanwhile, or locks outside the claims, can still close a cycle.
    PostgreSQL then rolls one of them back whole, so running it again is safe (logged).
    Only the outermost transaction is retried.
    """

    @functools.wraps(write)
    def wrapper(*args, **kwargs):
        for attempt in range(1, DEADLOCK_ATTEMPTS + 1):
            try:
                return write(*args, **kwargs)
            except OperationalError as exc:
                deadlock = getattr(exc.__cause__, "sqlstate", None) == DEADLOCK_DETECTED
                if not deadlock or attempt == DEADLOCK_ATTEMPTS or connection.in_atomic_block:
                    raise
                logger.warning("%s: deadlock (attempt %d), run again", write.__name__, attempt)

    return wrapper


def _lock_story(story_id: int) -> None:
    """Hold the story for a structural write (assignments): reviewers' writes wait for it.

    Taken first; reviewers' writes take the row FOR KEY SHARE first (``live.share_story``),
    so the two never hold each other's rows in a cycle.
    """
    Story.objects.select_for_update().filter(pk=story_id).first()


def _lock_row(model, pk: int) -> int | None:
    """Lock the row FOR NO KEY UPDATE (rows referring to it can still be added); return its
    pk, or None if there is none.

    Only this row: ``of`` and no ordering, since a model's default ordering by a relation
    would join (and lock) the related rows too, the story's among them. None of its
    columns are read (a version's text is megabytes).
    """
    rows = model.objects.select_for_update(of=("self",), no_key=True).filter(pk=pk).order_by()
    return rows.values_list("pk", flat=True).first()


def _lock_claim(pk: int, *, spans=(), known=None) -> Claim | None:
    """The claim, locked, or None: taken with the claims its status refresh recomputes,
    in id order (``claim_status.lock``; ``spans``: others the write will pass it;
    ``known``: its span as read before, see ``claim_status.lock``)."""
    return claim_status.lock([pk], spans=spans, known=known).get(pk)


def _span(claim: Claim) -> dict[int, tuple[int, int, int]]:
    """The claim's current span, as ``claim_status.refresh`` takes it (``known``)."""
    return {claim.pk: (claim.version_id, claim.start, claim.end)}


@retry_on_deadlock
def claim_create(*, version: Version, user, start, end, exact: str) -> tuple[Claim, bool]:
    """Create a claim from a browser selection; return (claim, created).

    Selecting the span of an existing claim returns that claim. Raises
    anchoring.SelectionError for a selection that does not match the stored text.

    The claim is stored with its counterparts in the other versions, ranked in the same
    transaction before the version's row is taken for numbering, and its status reflects
    them: one transaction and one revision, so open pages redraw it once.
    """
    from articles.comparison import rank_counterparts  # comparison imports these models

    span = anchoring.check_selection(version.text, start, end, exact)
    quote = anchoring.describe(version.text, span)
    # At most one (a unique span per version); no ordering, which would join the version.
    existing = Claim.objects.filter(version=version, start=span.start, end=span.end).order_by()
    if claim := existing.first():
        return claim, False
    draft = Claim(
        version=version,
        start=span.start,
        end=span.end,
        exact=quote.exact,
        prefix=quote.prefix,
        suffix=quote.suffix,
        created_by=user,
    )
    try:
        with transaction.atomic():
            live.share_story(version.story_id)
            # Ranking is the CPU-heavy part: done before numbering holds the version's row.
            counterparts = rank_counterparts([draft])
            # The claims whose status this one changes, in id order (see _lock_claim).
            claim_status.lock([], spans=[(version.pk, draft.start, draft.end)])
            # The version's row serialises numbering (and same-span creates) until commit,
            # a few statements later; other versions and other writes go on meanwhile.
            _lock_row(Version, version.pk)
            # One query: the next number, and whether these words were marked meanwhile.
            found = version.claims.order_by().aggregate(
                n=Max("number"), same=Count("pk", filter=Q(start=span.start, end=span.end))
            )
            if found["same"] and (claim := existing.first()):
                return claim, False
            draft.number = (found["n"] or 0) + 1
            draft.save(force_insert=True)
            claim = draft
            for row in counterparts:
                row.claim = claim
            Counterpart.objects.bulk_create(counterparts)
            values = claim_status.refresh([claim.pk], known=_span(claim))
            claim_status.apply(claim, values)
            claim.created_revision = claim.changed_revision = live.bump(
                version.story_id, created=[claim.pk], changed=sorted(values)
            )
    except IntegrityError:
        # Lost a race for the same span on a database without row locks (SQLite).
        return Claim.objects.get(version=version, start=span.start, end=span.end), False
    return claim, True


@retry_on_deadlock
def claim_update_span(*, claim: Claim, user, start, end, exact: str, revision: int) -> Claim:
    """Move a claim to a new span; only its author may. Raises Conflict if stale."""
    from articles.comparison import propose_counterparts  # comparison imports these models

    if claim.created_by_id != user.pk:
        raise NotAllowed("Only the reviewer who marked this claim can change its span.")
    span = anchoring.check_selection(claim.version.text, start, end, exact)
    quote = anchoring.describe(claim.version.text, span)
    with transaction.atomic():
        live.share_story(claim.version.story_id)
        locked = _lock_claim(claim.pk, spans=[(claim.version_id, span.start, span.end)])
        if locked is None:
            raise Conflict("This claim was deleted by someone else.")
        if (locked.start, locked.end) == (span.start, span.end):
            return locked  # already there: a retry of a move whose answer was lost
        if locked.revision != revision:
            raise Conflict("Someone changed this claim while you were editing it.", locked)
        if (
            Claim.objects.filter(version_id=locked.version_id, start=span.start, end=span.end)
            .exclude(pk=locked.pk)
            .exists()
        ):
            raise anchoring.SelectionError("Another claim already covers exactly these words.")
        old = (locked.version_id, locked.start, locked.end)
        vacated = live.vacate(locked)
        locked.start, locked.end = span.start, span.end
        locked.exact, locked.prefix, locked.suffix = quote.exact, quote.prefix, quote.suffix
        locked.revision += 1
        locked.save()
        # Its counterparts follow its new words, in this transaction: one revision.
        propose_counterparts(Claim.objects.filter(pk=locked.pk), stamp=False)
        values = claim_status.refresh([locked.pk], spans=[old], known=_span(locked))
        claim_status.apply(locked, values)
        locked.changed_revision = live.bump(
            claim.version.story_id, changed=sorted({locked.pk, *values}), vacated=[vacated]
        )
    return locked


@retry_on_deadlock
def claim_delete(*, claim: Claim, user) -> None:
    """Delete a claim with its verdicts. Reviewers may delete only their own, unjudged by others."""
    with transaction.atomic():
        live.share_story(claim.version.story_id)
        claim_status.lock([claim.pk])  # the claims its deletion recomputes, in id order
        locked = Claim.objects.select_for_update(of=("self",)).filter(pk=claim.pk).first()
        if locked is None:
            return
        if not locked.deletable_by(user):
            raise NotAllowed(
                "Only an editor can delete a claim that other reviewers have judged."
                if locked.created_by_id == user.pk
                else "Only the claim's author or an editor can delete it."
            )
        story_id = locked.version.story_id
        old = (locked.version_id, locked.start, locked.end)
        vacated = live.vacate(locked)
        locked.delete()
        values = claim_status.refresh([], spans=[old])
        live.bump(story_id, changed=sorted(values), vacated=[vacated])


@retry_on_deadlock
def verdict_save(
    *,
    claim: Claim,
    user,
    rating: str,
    rationale: str,
    sources: list[dict],
    revision: int | None,
) -> Verdict:
    """Create or update the user's verdict on a claim, replacing its sources, atomically.

    ``revision`` is the verdict revision the form was based on (None for a new verdict).
    ``sources`` are dicts of Source fields, with ``id`` for sources being kept.
    Raises Conflict if the verdict changed since, or the claim was deleted, and
    ValidationError for a field that fails articles.validation.

    Saving exactly what is stored already succeeds whatever the revision: a retry of a
    save that committed but whose answer was lost (the database restarted while the page
    was rendered) is told "saved", not "changed in another window".
    """
    rating, rationale, sources = validation.verdict(
        rating_value=rating, rationale=rationale, sources=sources
    )
    with transaction.atomic():
        live.share_story(claim.version.story_id)
        locked = _lock_claim(claim.pk, known=_span(claim))
        if locked is None:
            raise Conflict("This claim was deleted while you were writing your verdict.")
        verdict = (
            Verdict.objects.select_for_update(of=("self",))
            .filter(claim=claim, reviewer=user)
            .order_by()  # one at most; Verdict's ordering would join the claim, version, story
            .first()
        )
        if verdict is None:
            if revision is not None:
                raise Conflict("Your verdict was deleted in another window.")
            try:
                with transaction.atomic():
                    verdict = Verdict.objects.create(
                        claim=claim, reviewer=user, rating=rating, rationale=rationale
                    )
            except IntegrityError:
                raise Conflict(
                    "You saved a verdict on this claim in another window a moment ago.",
                    Verdict.objects.filter(claim=claim, reviewer=user).first(),
                ) from None
            stored = []  # a new verdict has no sources yet
        else:
            stored = list(verdict.sources.order_by())  # read once: compared, then replaced
            if _same_verdict(verdict, stored, rating, rationale, sources):
                verdict.claim = locked
                return verdict
            if revision != verdict.revision:
                raise Conflict(
                    "Your verdict was changed in another window since you opened this form.",
                    verdict,
                )
            verdict.rating, verdict.rationale = rating, rationale
            verdict.revision += 1
            verdict.save()
        _replace_sources(verdict, stored, sources)
        values = claim_status.refresh([claim.pk], known=_span(locked))
        claim_status.apply(claim, values)
        claim_status.apply(locked, values)
        locked.changed_revision = live.bump(
            claim.version.story_id, changed=sorted({claim.pk, *values})
        )
    verdict.claim = locked  # as this save left it: what the answer shows
    return verdict


def _same_verdict(
    verdict: Verdict, stored: list[Source], rating: str, rationale: str, sources: list[dict]
) -> bool:
    """True if saving would change nothing: same rating, rationale and sources (any ids);
    ``stored`` are the verdict's sources."""
    fields = ("url", "title", "publisher", "quote", "stance")
    stored = sorted(tuple(getattr(s, f) for f in fields) for s in stored)
    sent = sorted(tuple(s.get(f, "") for f in fields) for s in sources)
    return verdict.rating == rating and verdict.rationale == rationale and stored == sent


def _replace_sources(verdict: Verdict, stored: list[Source], sources: list[dict]) -> None:
    """Make the verdict's sources ``sources``; ``stored`` are those it has now."""
    existing = {s.pk: s for s in stored}
    keep = set()
    fields = ("url", "title", "publisher", "quote", "stance")
    for data in sources:
        source = existing.get(data.get("id"))
        if source is None:
            Source.objects.create(verdict=verdict, **{f: data.get(f, "") for f in fields})
            continue
        keep.add(source.pk)
        if any(getattr(source, f) != data.get(f, "") for f in fields):
            for f in fields:
                setattr(source, f, data.get(f, ""))
            source.save()
    for pk, source in existing.items():
        if pk not in keep:
            source.delete()


@retry_on_deadlock
def claim_settle(*, claim: Claim, user, rating: str, note: str, revision: int) -> Claim:
    """An editor's final verdict on a contested claim. Raises Conflict if someone settled
    or changed it first, NotAllowed for non-editors and claims that are not contested."""
    if not is_editor(user):
        raise NotAllowed("Only editors can settle a claim.")
    if rating not in SCALE:
        raise NotAllowed("Choose a rating on the scale.")
    note = validation.note(note)
    with transaction.atomic():
        live.share_story(claim.version.story_id)
        locked = _lock_claim(claim.pk)
        if locked is None:
            raise Conflict("This claim was deleted.")
        if locked.is_settled:
            who = locked.settled_by.get_full_name() or locked.settled_by.get_username()
            raise Conflict(f"{who} settled this claim a moment ago.", locked)
        if locked.revision != revision:
            raise Conflict("This claim changed since you opened it; check it again.", locked)
        if not locked.contest_codes:
            raise NotAllowed(
                "This claim is not contested: reviewers agree and the versions state the same "
                "facts, so there is nothing to settle."
            )
        locked.settled_rating, locked.settled_note = rating, note
        locked.settled_by, locked.settled_at = user, timezone.now()
        locked.revision += 1
        locked.save()
        values = claim_status.refresh([locked.pk])
        claim_status.apply(locked, values)
        locked.changed_revision = live.bump(
            claim.version.story_id, changed=sorted({locked.pk, *values})
        )
    return locked


@retry_on_deadlock
def claim_reopen(*, claim: Claim, user, revision: int) -> Claim:
    """Undo a settlement; the history keeps who settled, who reopened and when."""
    if not is_editor(user):
        raise NotAllowed("Only editors can reopen a settled claim.")
    with transaction.atomic():
        live.share_story(claim.version.story_id)
        locked = _lock_claim(claim.pk)
        if locked is None:
            raise Conflict("This claim was deleted.")
        if not locked.is_settled:
            raise Conflict(
                "This claim is not settled (someone may have reopened it already).", locked
            )
        if locked.revision != revision:
            raise Conflict("This claim changed since you opened it; check it again.", locked)
        locked.settled_rating, locked.settled_note = "", ""
        locked.settled_by, locked.settled_at = None, None
        locked.revision += 1
        locked.save()
        values = claim_status.refresh([locked.pk])
        claim_status.apply(locked, values)
        locked.changed_revision = live.bump(
            claim.version.story_id, changed=sorted({locked.pk, *values})
        )
    return locked
