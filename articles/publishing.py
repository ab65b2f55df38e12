"""Publishing a story's fact-check to a public page, and withdrawing it.

Each write is one transaction under the story's row lock; every check runs before the
first write, so a refused publish stores nothing. The history of each publication
(django-simple-history, read by ``history.publication_events``) records who published or withdrew it, and when.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from articles import validation
from articles.models import Claim, Publication, Story


class PublishError(Exception):
    """The fact-check cannot be published; the message says what to do."""


@dataclass(frozen=True)
class Organisation:
    name: str
    url: str
    logo: str


def organisation_problems() -> list[str]:
    """What is missing or wrong in the organisation settings, in words (empty if nothing)."""
    problems = []
    if not settings.FACTCHECK_ORGANISATION.strip():
        problems.append("FACTCHECK_ORGANISATION (the newsroom's name) is not set.")
    try:
        validation.http_url(settings.FACTCHECK_ORGANISATION_URL, what="FACTCHECK_ORGANISATION_URL")
    except ValidationError as exc:
        problems.append(
            " ".join(exc.messages) + " Set it to the newsroom's home page (http or https)."
        )
    logo = settings.FACTCHECK_ORGANISATION_LOGO.strip()
    if not logo:
        problems.append("FACTCHECK_ORGANISATION_LOGO (the newsroom's logo) is not set.")
    elif not (logo.startswith("/") and not logo.startswith("//")):
        try:
            validation.http_url(logo, what="FACTCHECK_ORGANISATION_LOGO")
        except ValidationError as exc:
            problems.append(
                " ".join(exc.messages) + " Use an http(s) address or a path on this site."
            )
    return problems


def organisation() -> Organisation:
    """The newsroom from the settings; raises PublishError naming what is missing."""
    if problems := organisation_problems():
        raise PublishError(
            "The organisation publishing fact-checks is not configured: " + " ".join(problems)
        )
    return Organisation(
        name=validation.single_line(
            settings.FACTCHECK_ORGANISATION, what="FACTCHECK_ORGANISATION", max_length=200
        ),
        url=settings.FACTCHECK_ORGANISATION_URL.strip(),
        logo=settings.FACTCHECK_ORGANISATION_LOGO.strip(),
    )


def _new_slug(story: Story) -> str:
    # The title names the page; the random tail keeps the address unguessable and unique.
    base = slugify(story.title)[:60].strip("-") or "fact-check"
    return f"{base}-{secrets.token_hex(4)}"


def publication_publish(*, story: Story, user) -> Publication:
    """Publish the story's fact-check (or publish it again, at the same address).

    Raises PublishError if the organisation is not configured or no claim is settled.
    Publishing a live publication again refreshes the organisation from the settings.
    """
    org = organisation()
    with transaction.atomic():
        Story.objects.select_for_update().filter(pk=story.pk).first()
        if not Claim.objects.filter(version__story=story, settled_at__isnull=False).exists():
            raise PublishError(
                "No claim of this story is settled yet. The published page shows settled "
                "claims only: settle at least one on the dashboard first."
            )
        publication = Publication.objects.select_for_update().filter(story=story).first()
        now = timezone.now()
        if publication is None:
            publication = Publication(story=story, slug=_new_slug(story))
        if publication.pk is None or not publication.is_live:
            publication.published_at, publication.published_by = now, user
        publication.unpublished_at = publication.unpublished_by = None
        publication.organisation_name = org.name
        publication.organisation_url = org.url
        publication.organisation_logo = org.logo
        publication._change_reason = "published"
        publication._history_user = user
        publication.save()
    return publication


def publication_unpublish(*, story: Story, user) -> Publication | None:
    """Withdraw the public page: from now on its address answers 410 Gone.

    Returns None if the story was never published; withdrawing twice changes nothing.
    """
    with transaction.atomic():
        Story.objects.select_for_update().filter(pk=story.pk).first()
        publication = Publication.objects.select_for_update().filter(story=story).first()
        if publication is None or not publication.is_live:
            return publication
        publication.unpublished_at, publication.unpublished_by = timezone.now(), user
        publication._change_reason = "unpublished"
        publication._history_user = user
        publication.save()
    return publication
