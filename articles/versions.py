"""Importing a version into a story: segment it and align it with the others, then store it.

Two steps, so that a background job (articles/import_jobs.py) can report progress and be
cancelled while the slow part runs: ``prepare_version`` does the work in memory and
writes nothing; ``store_version`` writes the version, its sentences, its alignment with
every other version and the counterparts in one transaction. A failure or a cancellation
before the end leaves nothing; a failure during the write rolls all of it back.

The store holds the story's structure lock (``live.lock_structure``: other imports,
re-alignments and re-segmentations of the story wait) while it writes the rows, which no
one else sees before the commit, and locks the story row FOR UPDATE (reviewers' writes
wait) only at the end, to propose counterparts for the claims marked meanwhile and take
the story's next revision: a fraction of a second, whatever the length of the text.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from articles import claim_status, live, validation
from articles.comparison import rank_counterparts
from articles.models import Claim, Counterpart, SentenceLink, Story, Version, VersionImportError
from articles.text import alignment, segmentation

# Passes over the claims marked meanwhile before the story row is locked (see store_version).
CATCH_UP = 2

# progress(stage, fraction of the whole import done, detail): may raise to stop the work.
Progress = Callable[[str, float, str], None]


@dataclass
class PreparedVersion:
    """A version segmented and aligned in memory, not yet stored."""

    story: Story
    text: str
    label: str
    created_by: object
    meta: dict
    blocks: list[segmentation.Block]
    # Other version's pk -> (its sentence positions in order, the links to the new version).
    alignments: dict[int, tuple[list[int], list[alignment.Link]]] = field(default_factory=dict)
    # Other version's pk -> hash of its sentences as aligned (re-segmented since: realign).
    fingerprints: dict[int, int] = field(default_factory=dict)

    @property
    def sentence_count(self) -> int:
        return sum(len(b.sentences) for b in self.blocks)


def _no_progress(stage: str, fraction: float, detail: str) -> None:
    return None


def prepare_version(
    *,
    story: Story,
    text: str,
    label: str,
    created_by,
    progress: Progress = _no_progress,
    **meta,
) -> PreparedVersion:
    """Segment the text and align it with each of the story's versions; write nothing.

    Raises VersionImportError with a message for the user if the text fails the checks
    of articles.validation, duplicates a version or a label of the story, or is too long
    to align with one of its versions (``IMPORT_ALIGN_MAX_CHARS`` per pair).
    """
    progress("segmenting", 0.10, "")
    try:
        text = validation.version_text(segmentation.normalize(text))
        label = validation.single_line(
            label, what="The label", max_length=validation.MAX_LABEL, required=True
        )
    except ValidationError as exc:
        raise VersionImportError(" ".join(exc.messages)) from None
    # Checked again when storing, under the story's lock; here to fail before the slow part.
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    if duplicate := story.versions.filter(text_sha256=digest).first():
        raise VersionImportError(f"This text is already in the story as “{duplicate.label}”.")
    if story.versions.filter(label=label).exists():
        raise VersionImportError(f"The story already has a version labelled “{label}”.")
    others = list(story.versions.order_by("pk").only("pk", "label", "text"))
    limit = settings.IMPORT_ALIGN_MAX_CHARS
    for other in others:
        if len(text) + len(other.text) > limit:
            raise VersionImportError(
                f"This text ({len(text):,} characters) is too long to align with "
                f"“{other.label}” ({len(other.text):,} characters): together they may have "
                f"at most {limit:,}. Import a shorter text, or split the document."
            )
    blocks = segmentation.segment(text)
    prepared = PreparedVersion(
        story=story, text=text, label=label, created_by=created_by, meta=meta, blocks=blocks
    )
    sentences = [text[s.start : s.end] for b in blocks for s in b.sentences]
    total = sum(len(text) + len(o.text) for o in others) or 1
    done = 0
    for number, other in enumerate(others, start=1):
        detail = f"with “{other.label}” ({number} of {len(others)})"
        progress("aligning", 0.25 + 0.6 * done / total, detail)
        rows = _sentence_rows(other)
        # The new version will have the higher pk, so it is the right-hand side of the pair
        # (comparison.ordered), as align_versions would have it.
        share = (len(text) + len(other.text)) / total

        def aligned(fraction, done=done, share=share, detail=detail):
            progress("aligning", 0.25 + 0.6 * (done / total + share * fraction), detail)

        prepared.alignments[other.pk] = _align_with(other.text, rows, sentences, aligned)
        prepared.fingerprints[other.pk] = hash(tuple(rows))
        done += len(text) + len(other.text)
    progress("proposing", 0.85, "")
    return prepared


def _align_with(other_text: str, rows, sentences: list[str], progress=None):
    """Align the new version's sentences with another version's ``rows`` (start, end,
    position in order): (its positions in order, the links)."""
    links = alignment.align([other_text[s:e] for s, e, _ in rows], sentences, progress=progress)
    return [p for _, _, p in rows], links


def _sentence_rows(version: Version) -> list[tuple[int, int, int]]:
    return list(version.sentences.order_by("position").values_list("start", "end", "position"))


@transaction.atomic
def store_version(prepared: PreparedVersion) -> Version:
    """Write a prepared version, its links with every other version, and the counterparts.

    One transaction. A version imported or re-segmented since the preparation is aligned
    here; links to a version deleted since are dropped. Counterparts of claims marked on
    the other versions while the rows were written are proposed too.
    """
    story = prepared.story
    # Imports, re-alignments, re-segmentations of the story wait for this one's commit;
    # reviewers do not (see the module's docstring).
    live.lock_structure(story.pk)
    # The other versions as they are now; a deletion waits for the commit (FOR KEY SHARE).
    others = _share_versions(story)
    version = Version.objects.create_from_text(
        story=story,
        text=prepared.text,
        label=prepared.label,
        created_by=prepared.created_by,
        blocks=prepared.blocks,
        publish=False,
        **prepared.meta,
    )
    sentences = None
    links = []
    for other in others:
        rows = _sentence_rows(other)
        pair = prepared.alignments.get(other.pk)
        if pair is None or prepared.fingerprints.get(other.pk) != hash(tuple(rows)):
            # Imported or re-segmented while this one was being prepared.
            if sentences is None:
                sentences = [
                    prepared.text[s.start : s.end] for b in prepared.blocks for s in b.sentences
                ]
            pair = _align_with(other.text, rows, sentences)
        other_positions, pair_links = pair
        links.extend(
            SentenceLink(
                left_version=other,
                right_version=version,
                left_start=other_positions[link.left[0]],
                left_count=len(link.left),
                right_start=link.right[0],  # positions count from 0
                right_count=len(link.right),
                score=round(float(link.score), 4),
            )
            for link in pair_links
        )
    SentenceLink.objects.bulk_create(links, batch_size=2000)
    # The counterparts in the new version of the claims marked so far, ranked before the
    # story row is locked: reading only (the new rows are this transaction's own).
    claims, ranked, _ = _catch_up(story, version, [], [])
    # Again for the claims marked or moved while those were ranked (on a long text, about
    # a second each), so that the story row is held for as few as possible.
    for _ in range(CATCH_UP):
        claims, ranked, fresh = _catch_up(story, version, claims, ranked)
        if not fresh:
            break
    _check_now()
    _publish(story, version, claims, ranked)
    return version


def _share_versions(story: Story) -> list[Version]:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT 1 FROM {Version._meta.db_table} WHERE story_id = %s FOR KEY SHARE",  # noqa: S608
                [story.pk],
            )
    return list(story.versions.order_by("pk"))


def _claims_of(story: Story, version: Version) -> list[Claim]:
    """The claims of the story's other versions, with what ranking needs of them."""
    versions = {v.pk: v for v in story.versions.only("pk", "story_id")}
    claims = list(
        Claim.objects.filter(version__story=story)
        .exclude(version=version)
        .only("pk", "version_id", "start", "end", "exact")
        .order_by("pk")
    )
    for claim in claims:
        claim.version = versions[claim.version_id]
    return claims


def _check_now() -> None:
    """Check the rows' foreign keys now (PostgreSQL defers them to the commit), so that the
    story row is not held while they are checked."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def _catch_up(story: Story, version: Version, claims: list[Claim], ranked: list[Counterpart]):
    """The claims of the other versions now, and their counterparts in the new version:
    those ranked already, for claims still at the same words, and the others ranked now.
    Returns (claims, counterparts, how many were ranked now)."""
    current = _claims_of(story, version)
    seen = {c.pk: (c.start, c.end) for c in claims}
    fresh = [c for c in current if seen.get(c.pk) != (c.start, c.end)]
    keep = {c.pk for c in current} - {c.pk for c in fresh}
    rows = [row for row in ranked if row.claim.pk in keep]
    rows += rank_counterparts(fresh, into=version)
    return current, rows, len(fresh)


def _publish(story: Story, version: Version, claims: list[Claim], ranked) -> None:
    """Lock the story row, add the counterparts of claims marked, moved or deleted since
    they were ranked, and take the story's next revision; the row is held until the commit.
    """
    Story.objects.select_for_update().filter(pk=story.pk).first()
    # Reviewers' writes that began before wait no more; later ones wait for the commit
    # and then see the new version. What they changed in between:
    current, rows, _ = _catch_up(story, version, claims, ranked)
    Counterpart.objects.bulk_create(rows, batch_size=2000)
    ids = [c.pk for c in current]
    if ids:
        claim_status.recompute(ids)
    live.bump(story.pk, changed=ids)


def import_version(*, story: Story, text: str, label: str, created_by, **meta) -> Version:
    """Prepare and store a version at once (scripts, tests; the web form uses a job).

    Raises VersionImportError with a message for the user.
    """
    prepared = prepare_version(story=story, text=text, label=label, created_by=created_by, **meta)
    return store_version(prepared)
