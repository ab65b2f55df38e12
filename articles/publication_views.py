"""The published fact-check: the editor's publish/unpublish page and the public page.

The public page needs no login and shows settled claims only. Caches may keep it but must
ask again on every use (``no-cache`` with an ETag), so withdrawing it takes effect at once:
the address then answers 410 Gone, never cached.
"""

from __future__ import annotations

import hashlib

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import get_conditional_response
from django.views.decorators.http import require_GET, require_http_methods

from articles import export, history, publishing
from articles.export_views import load_bundle
from articles.models import Claim, Publication
from articles.views import _get_story, editor_required

# Bump when the page's template changes, so caches holding the old page fetch the new one.
PAGE_FORMAT = 1
PUBLIC_CACHE_CONTROL = "public, no-cache"


@editor_required
@require_http_methods(["GET", "POST"])
def story_publication(request, pk):
    story = _get_story(request.user, pk)
    status = 200
    error = None
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "publish":
            try:
                publication = publishing.publication_publish(story=story, user=request.user)
            except publishing.PublishError as exc:
                error, status = str(exc), 409
            else:
                messages.success(
                    request,
                    f"Published at {request.build_absolute_uri(publication.get_absolute_url())}",
                )
                return redirect("articles:story_publication", story.pk)
        elif action == "unpublish":
            if publishing.publication_unpublish(story=story, user=request.user):
                messages.success(
                    request,
                    "Unpublished. The page now answers “410 Gone”; caches must check with "
                    "this site before every use, so none of them shows it any more.",
                )
            return redirect("articles:story_publication", story.pk)
        else:
            error, status = "Choose Publish or Unpublish.", 400
    publication = Publication.objects.filter(story=story).first()
    context = {
        "story": story,
        "publication": publication,
        "public_url": request.build_absolute_uri(publication.get_absolute_url())
        if publication
        else "",
        "problems": publishing.organisation_problems(),
        "settled": Claim.objects.filter(version__story=story, settled_at__isnull=False).count(),
        "events": history.publication_events(story),
        "error": error,
    }
    return render(request, "articles/story_publication.html", context, status=status)


def _etag(publication: Publication) -> str:
    """Changes with the story (its revision), the publication and the organisation named."""
    state = [
        PAGE_FORMAT,
        publication.pk,
        publication.published_at.isoformat(),
        publication.story.revision,
        publication.organisation_name,
        publication.organisation_url,
        publication.organisation_logo,
    ]
    return '"' + hashlib.sha256(repr(state).encode()).hexdigest()[:32] + '"'


@login_not_required
@require_GET
def publication_detail(request, slug):
    publication = get_object_or_404(
        Publication.objects.select_related("story", "unpublished_by"), slug=slug
    )
    if not publication.is_live:
        # NoStoreMiddleware marks this answer no-store: nothing keeps the withdrawal cached.
        return render(
            request, "articles/publication_gone.html", {"publication": publication}, status=410
        )
    etag = _etag(publication)
    response = get_conditional_response(request, etag=etag)
    if response is None:
        bundle = load_bundle(request, publication.story, publication)
        response = render(
            request, "articles/publication_detail.html", export.published_page(bundle)
        )
    response["ETag"] = etag
    response["Cache-Control"] = PUBLIC_CACHE_CONTROL
    return response
