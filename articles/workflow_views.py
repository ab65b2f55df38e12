"""Views of the newsroom workflow: assignments and queues, search, suggestions, presence."""

from __future__ import annotations

import hashlib
import re

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from articles import reviewing, suggestions, workflow
from articles import search as search_module
from articles.models import Assignment, Story, is_editor
from articles.ratings import Rating
from articles.reviewing import Conflict, NotAllowed
from articles.text import anchoring
from articles.views import (
    _get_story,
    _get_version,
    marked_context,
    marked_response,
    selection_refused,
)
from articles.workflow_forms import (
    AssignForm,
    AssignmentChangeForm,
    SearchForm,
    SuggestionForm,
)

# ---------------------------------------------------------------------------- assignments


def _assignments_context(story, form=None) -> dict:
    return {
        "story": story,
        "form": form or AssignForm(story=story),
        "versions": list(story.versions.all()),
        "claims_by_version": [(v, list(v.claims.order_by("start"))) for v in story.versions.all()],
        "assignments": list(
            Assignment.objects.filter(version__story=story)
            .select_related("assignee", "claim", "version", "assigned_by")
            .order_by("version_id", "claim__start", "assignee__username")
        ),
        "members": list(story.members.filter(is_active=True).order_by("username")),
    }


@require_http_methods(["GET", "POST"])
def story_assignments(request, pk):
    """Editors assign claims or whole versions to the story's reviewers."""
    story = _get_story(request.user, pk)
    if not is_editor(request.user):
        raise PermissionDenied("Only editors can assign claims.")
    form = AssignForm(request.POST or None, story=story)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            n = workflow.assignments_create(
                version=data["version"],
                claims=list(data["claims"]),
                assignees=list(data["assignees"]),
                due_on=data["due_on"],
                user=request.user,
            )
        except (NotAllowed, Conflict) as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request, f"{n} assignment{'s' if n != 1 else ''} made." if n else "Nothing new."
            )
            return redirect("articles:story_assignments", story.pk)
    context = _assignments_context(story, form)
    status = 422 if request.method == "POST" else 200
    return render(request, "articles/story_assignments.html", context, status=status)


@require_POST
def assignment_update(request, pk):
    assignment = get_object_or_404(
        Assignment.objects.select_related("version__story").filter(
            version__story__in=Story.objects.visible_to(request.user)
        ),
        pk=pk,
    )
    if not is_editor(request.user):
        raise PermissionDenied("Only editors can change assignments.")
    story = assignment.version.story
    form = AssignmentChangeForm(request.POST)
    back = reverse("articles:story_assignments", args=[story.pk])
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(back)
    data = form.cleaned_data
    try:
        if data["action"] == "remove":
            workflow.assignment_delete(
                assignment=assignment, revision=data["revision"], user=request.user
            )
            messages.success(request, "Assignment withdrawn.")
        else:
            workflow.assignment_change(
                assignment=assignment,
                assignee=data["assignee"],
                due_on=data["due_on"],
                revision=data["revision"],
                user=request.user,
            )
            messages.success(request, "Assignment changed.")
    except (NotAllowed, Conflict) as exc:
        messages.error(request, str(exc))
    return redirect(back)


@require_GET
def my_queue(request):
    """What is assigned to me and not yet judged, overdue first; polled while open."""
    items = workflow.queue_for(request.user)
    fingerprint = hashlib.sha256(
        repr([(i.claim.pk, i.due_on, i.overdue) for i in items]).encode()
    ).hexdigest()[:16]
    context = {"items": items, "fingerprint": fingerprint}
    if request.htmx and request.GET.get("fragment") == "queue":
        if request.GET.get("seen") == fingerprint:
            return HttpResponse(status=204)
        return render(request, "articles/my_queue.html#queue", context)
    return render(request, "articles/my_queue.html", context)


# ---------------------------------------------------------------------------- search


@require_GET
def search(request):
    form = SearchForm(request.GET or None)
    context = {"form": form, "hits": None, "error": None, "query": None}
    visible = Story.objects.visible_to(request.user)
    context["stories"] = list(visible.only("id", "title").order_by("title"))
    context["reviewers"] = list(
        get_user_model().objects.filter(stories__in=visible).distinct().order_by("username")
    )
    context["ratings"] = Rating.choices
    if form.is_bound and form.is_valid() and form.cleaned_data["q"]:
        data = form.cleaned_data
        try:
            query, hits = search_module.search(
                request.user,
                data["q"],
                story=data["story"],
                status=data["status"] or None,
                rating=data["rating"] or None,
                reviewer=data["reviewer"],
            )
        except search_module.SearchError as exc:
            context["error"] = str(exc)
        else:
            context.update(query=query, hits=hits)
    elif form.is_bound and not form.is_valid():
        context["error"] = "Those filters could not be read; they were left out."
    template = "articles/search.html"
    if request.htmx and request.GET.get("fragment") == "results":
        template += "#results"
    return render(request, template, context)


# ---------------------------------------------------------------------------- suggestions


def _every(request) -> bool:
    """True where the list asked for is the list's own page of every suggestion."""
    data = request.POST if request.method == "POST" else request.GET
    return not request.htmx or data.get("every") == "1"


@require_GET
def version_suggestions(request, pk):
    """The version's open suggestions. The page's list refetches them whenever claims
    change, sending the fingerprint of what it shows (``fp``): 204 if that is still right."""
    # The text is read only to rank the sentences, once per text (suggestions.ranked).
    version = _get_version(request.user, pk, text="none")
    context = suggestions.list_context(version, every=_every(request)) | {"story": version.story}
    if request.htmx and request.GET.get("fp") == context["fingerprint"]:
        return HttpResponse(status=204)
    if request.htmx:
        return render(request, "articles/_suggestions.html#suggestion-list", context)
    return render(request, "articles/suggestions_page.html", context)


@require_POST
def suggestion_accept(request, pk):
    """Turn a suggested sentence into a claim, exactly as if its words had been selected."""
    version = _get_version(request.user, pk)
    form = SuggestionForm(request.POST)
    error = None
    if not form.is_valid():
        error = "The suggestion could not be read; reload the page."
    else:
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
        try:
            suggestion = suggestions.find(version, start, end)
            claim, created = reviewing.claim_create(
                version=version, user=request.user, start=start, end=end, exact=suggestion.text
            )
        except (suggestions.NotASuggestion, anchoring.SelectionError) as exc:
            error = str(exc)
    if error:
        return selection_refused(request, version, error)
    if not request.htmx:
        messages.success(request, f"Claim #{claim.number} marked.")
        return redirect(f"{version.get_absolute_url()}?claim={claim.pk}")
    notice = (
        f"Claim #{claim.number} marked from a suggestion."
        if created
        else f"These words are already claim #{claim.number}."
    )
    if _every(request):  # the list's own page, which has no claim panel: the list again
        context = suggestions.list_context(version, every=True) | {"notice": notice}
        return render(request, "articles/_suggestions.html#suggestion-list", context)
    context = marked_context(request, version, claim, notice, refocus_text=False)
    context.update(suggestions.list_context(version, every=_every(request)), oob_suggestions=True)
    return marked_response(request, "articles/_suggestions.html#accepted", context)


@require_POST
def suggestion_dismiss(request, pk):
    version = _get_version(request.user, pk)
    form = SuggestionForm(request.POST)
    notice = None
    if not form.is_valid() or not form.cleaned_data.get("reason"):
        notice = "Choose why this sentence is not worth a claim."
    else:
        try:
            suggestions.dismiss(
                version=version,
                start=form.cleaned_data["start"],
                end=form.cleaned_data["end"],
                reason=form.cleaned_data["reason"],
                user=request.user,
            )
        except suggestions.NotASuggestion as exc:
            notice = str(exc)
        else:
            notice = "Suggestion dismissed."
    if not request.htmx:
        messages.info(request, notice)
        return redirect(reverse("articles:version_suggestions", args=[version.pk]))
    context = suggestions.list_context(version, every=_every(request)) | {"notice": notice}
    return render(request, "articles/_suggestions.html#suggestion-list", context)


# ---------------------------------------------------------------------------- presence


@require_POST
def presence_leave(request, pk):
    """The page is going away (pagehide): forget it now rather than at expiry."""
    version = _get_version(request.user, pk)
    tab = request.POST.get("tab", "")
    if _TAB.match(tab):
        workflow.presence_leave(version=version, user=request.user, tab=tab)
    return HttpResponse(status=204)


_TAB = re.compile(r"^[0-9A-Za-z]{8,32}$")


def presence_poll(request, version) -> dict | None:
    """Record this page's presence from a live poll; the presence region's context if what
    the page shows of it (the ``presence`` fingerprint it sent) is out of date, else None.

    Polls without a ``tab`` (no script, or another client) neither record nor show anything.
    """
    tab = request.GET.get("tab", "")
    if not _TAB.match(tab):
        return None
    raw = request.GET.get("claim", "")
    claim_id = int(raw) if raw.isdecimal() and len(raw) < 19 else None
    fingerprint, people = workflow.presence_poll(
        version=version,
        user=request.user,
        tab=tab,
        claim_id=claim_id,
        shown=request.GET.get("presence"),
    )
    if people is None:
        return None
    return {
        "people": people,
        "presence_fp": fingerprint,
        "version": version,
        "revision": version.story.revision,
        "oob": True,
    }
