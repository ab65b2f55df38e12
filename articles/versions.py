"""Importing a version into a story: store and segment it, then align it with the others."""

from __future__ import annotations

from django.db import transaction

from articles.comparison import align_versions
from articles.models import Story, Version


@transaction.atomic
def import_version(*, story: Story, text: str, label: str, created_by, **meta) -> Version:
    """Create the version (see ``Version.objects.create_from_text``) and align it.

    One transaction: a failure while aligning leaves no half-imported version. Raises
    VersionImportError with a message for the user.
    """
    version = Version.objects.create_from_text(
        story=story, text=text, label=label, created_by=created_by, **meta
    )
    for other in story.versions.exclude(pk=version.pk).order_by("pk"):
        align_versions(version, other)
    return version
