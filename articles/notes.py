"""Notes on a claim: a thread of short remarks, apart from the verdicts.

``note_add`` is the one way a note is written (the claim panel, and the JSON API); an
import writes its notes in its own transaction (``webannotation.annotations_import``).
"""

from __future__ import annotations

from django.db import transaction

from articles import live, validation
from articles.models import Claim, Note


class NotAllowed(Exception):
    """The user may not write on this claim; the message says why."""


def note_add(*, claim: Claim, user, text: str) -> Note:
    """Add the user's note to the claim's thread and tell open pages.

    Raises ValidationError (empty, over MAX_CLAIM_NOTE characters, NUL), NotAllowed if the
    user cannot see the claim's story (an editor, or a member of it), and Claim.DoesNotExist
    if the claim was deleted meanwhile.
    """
    text = validation.claim_note(text)
    if not Claim.objects.visible_to(user).filter(pk=claim.pk).exists():
        raise NotAllowed("Only the story's members and editors can write notes on its claims.")
    with transaction.atomic():
        # As every reviewer's write (articles.reviewing): wait for an import of the story,
        # not for other reviewers; lock the claim; take the story's revision last.
        live.share_story(claim.version.story_id)
        if not Claim.objects.select_for_update(of=("self",)).filter(pk=claim.pk).exists():
            raise Claim.DoesNotExist("This claim was deleted; your note was not saved.")
        note = Note.objects.create(claim=claim, author=user, text=text)
        live.bump(claim.version.story_id, changed=[claim.pk])
    return note


# A thread's order, as Note's Meta orders it within one claim. Explicit: the Meta's order
# goes through the claim, its version and its story, three tables joined for nothing.
THREAD_ORDER = ("created_at", "pk")


def notes_of(claim: Claim) -> list[Note]:
    """The claim's thread, oldest first, with authors."""
    return list(Note.objects.filter(claim=claim).select_related("author").order_by(*THREAD_ORDER))


def notes_by_claim(claim_ids) -> dict[int, list[Note]]:
    """The threads of several claims in one query: claim id -> notes, oldest first."""
    threads: dict[int, list[Note]] = {pk: [] for pk in claim_ids}
    notes = Note.objects.filter(claim_id__in=threads).select_related("author")
    for note in notes.order_by(*THREAD_ORDER):
        threads[note.claim_id].append(note)
    return threads
