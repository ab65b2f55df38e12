"""Importing a version into a story: store and segment it, then align it with the others."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.functions import Length

from articles import validation
from articles.comparison import align_versions
from articles.models import Story, Version, VersionImportError
from articles.text import segmentation


@transaction.atomic
def import_version(*, story: Story, text: str, label: str, created_by, **meta) -> Version:
    """Create the version (see ``Version.objects.create_from_text``) and align it.

    One transaction: a failure while aligning leaves no half-imported version. Raises
    VersionImportError with a message for the user, also when aligning would take too
    long for a request (``validation.alignment_work``); that is checked first, cheaply.
    """
    try:
        validation.alignment_work(
            len(segmentation.normalize(text)),
            list(story.versions.annotate(n=Length("text")).values_list("n", flat=True)),
        )
    except ValidationError as exc:
        raise VersionImportError(" ".join(exc.messages)) from None
    version = Version.objects.create_from_text(
        story=story, text=text, label=label, created_by=created_by, **meta
    )
    for other in story.versions.exclude(pk=version.pk).order_by("pk"):
        align_versions(version, other)
    return version
