"""Importing a version into a story: segment it and align it with the others, then store it.

Two steps, so that a background job (articles/import_jobs.py) can report progress and be
cancelled while the slow part runs: ``prepare_version`` does the work in memory and
writes nothing; ``store_version`` writes the version, its sentences, its alignment with
every other version and the counterparts in one transaction. A failure or a cancellation
before the end leaves nothing; a failure during the write rolls all of it back.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from articles import validation
from articles.comparison import align_versions, propose_counterparts
from articles.models import Claim, SentenceLink, Story, Version, VersionImportError
from articles.text import alignment, segmentation

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
        rows = list(other.sentences.order_by("position").values_list("start", "end", "position"))
        # The new version will have the higher pk, so it is the right-hand side of the pair
        # (comparison.ordered), as align_versions would have it.
        share = (len(text) + len(other.text)) / total

        def aligned(fraction, done=done, share=share, detail=detail):
            progress("aligning", 0.25 + 0.6 * (done / total + share * fraction), detail)

        links = alignment.align([other.text[s:e] for s, e, _ in rows], sentences, progress=aligned)
        prepared.alignments[other.pk] = ([p for _, _, p in rows], links)
        done += len(text) + len(other.text)
    progress("proposing", 0.85, "")
    return prepared


@transaction.atomic
def store_version(prepared: PreparedVersion) -> Version:
    """Write a prepared version, its links with every other version, and the counterparts.

    One transaction. A version imported since the preparation is aligned here; links to a
    version deleted since are dropped.
    """
    version = Version.objects.create_from_text(
        story=prepared.story,
        text=prepared.text,
        label=prepared.label,
        created_by=prepared.created_by,
        blocks=prepared.blocks,
        **prepared.meta,
    )
    links = []
    aligned = []
    # create_from_text locked the story row: no version can appear or go until commit.
    for other in prepared.story.versions.exclude(pk=version.pk).order_by("pk"):
        if other.pk not in prepared.alignments:
            align_versions(other, version)  # imported while this one was being prepared
            continue
        other_positions, pair = prepared.alignments[other.pk]
        aligned.append(other.pk)
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
            for link in pair
        )
    SentenceLink.objects.bulk_create(links, batch_size=2000)
    if aligned:
        propose_counterparts(Claim.objects.filter(version__in=aligned))
    return version


def import_version(*, story: Story, text: str, label: str, created_by, **meta) -> Version:
    """Prepare and store a version at once (scripts, tests; the web form uses a job).

    Raises VersionImportError with a message for the user.
    """
    prepared = prepare_version(story=story, text=text, label=label, created_by=created_by, **meta)
    return store_version(prepared)
