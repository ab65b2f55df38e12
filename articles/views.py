"""Views: access-checked fetch, a form, one model call, render or redirect."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q, prefetch_related_objects
from django.db.models.functions import Substr
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import trigger_client_event

from articles import (
    comparison,
    dashboard,
    history,
    import_jobs,
    live,
    notes,
    reading,
    reviewing,
    suggestions,
    validation,
)
from articles.forms import (
    CounterpartForm,
    LinkForm,
    SelectionForm,
    SettleForm,
    SourceFormSet,
    StoryForm,
    VerdictForm,
    VersionImportForm,
)
from articles.models import (
    Claim,
    Counterpart,
    Story,
    Version,
    VersionImportError,
    is_editor,
    panel_prefetches,
)
from articles.ratings import SCALE
from articles.text import alignment, anchoring

# ---------------------------------------------------------------------------- access


def editor_required(view):
    """Refuse (403) anyone who is not an editor, whatever the template shows."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not is_editor(request.user):
            raise PermissionDenied("Only editors can do this.")
        return view(request, *args, **kwargs)

    return wrapper


def _get_story(user, pk) -> Story:
    return get_object_or_404(Story.objects.visible_to(user), pk=pk)


def _get_version(user, pk, *, text: str = "whole") -> Version:
    """The version ``pk`` if the user can see it.

    ``text``: "whole" loads its text; "head" only its first ``reading.LAZY_CHARS + 1``
    characters, as ``text_head`` (the whole text if that is shorter); "none" none of it.
    """
    versions = Version.objects.select_related("story").filter(
        story__in=Story.objects.visible_to(user)
    )
    # A long version's text is megabytes; the reading view needs only a window of it.
    if text == "head":
        head = Substr("text", 1, reading.LAZY_CHARS + 1)
        versions = versions.defer("text").annotate(text_head=head)
    elif text == "none":
        versions = versions.defer("text")
    return get_object_or_404(versions, pk=pk)


def _get_claim(user, pk) -> Claim:
    """The claim ``pk`` if the user can see it, with its version (without the version's
    text, loaded only if asked for: it may be megabytes) and story."""
    claims = Claim.objects.visible_to(user).select_related("version__story")
    return get_object_or_404(claims.defer("version__text"), pk=pk)


def _visible_claim(user, pk) -> Claim | None:
    """The claim ``pk`` (as ``_get_claim``), or None if it was deleted from a story the
    user can see (``_claim_was_deleted``); else 404. One query while the claim exists."""
    try:
        return _get_claim(user, pk)
    except Http404:
        if _claim_was_deleted(user, pk):
            return None
        raise


def _claim_was_deleted(user, pk) -> bool:
    """True if the user can see the story of the claim pk, which was deleted.

    A claim id the user cannot see, never existing or in another story, is a 404 either
    way: the answer must not tell an outsider which ids exist.
    """
    if Claim.objects.filter(pk=pk).visible_to(user).exists():
        return False
    visible_versions = Version.objects.filter(story__in=Story.objects.visible_to(user))
    return Claim.history.filter(
        id=pk, history_type="-", version_id__in=visible_versions.values("pk")
    ).exists()


# ---------------------------------------------------------------------------- stories


@require_GET
def story_list(request):
    stories = Story.objects.visible_to(request.user).with_counts()
    return render(request, "articles/story_list.html", {"stories": stories})


@editor_required
@require_http_methods(["GET", "POST"])
def story_create(request):
    form = StoryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        story = form.save(commit=False)
        story.created_by = request.user
        story.save()
        form.save_m2m()
        messages.success(request, "Story created. Now import its versions.")
        return redirect("articles:version_create", story.pk)
    return render(request, "articles/story_form.html", {"form": form})


@require_GET
def story_detail(request, pk):
    story = _get_story(request.user, pk)
    versions = story.versions.with_counts()
    from articles.import_views import imports_context  # it builds on this module's helpers

    return render(
        request,
        "articles/story_detail.html",
        {"versions": versions, "members": story.members.all()} | imports_context(request, story),
    )


# ---------------------------------------------------------------------------- versions


@editor_required
@require_http_methods(["GET", "POST"])
def version_create(request, pk):
    story = _get_story(request.user, pk)
    form = VersionImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            job = import_jobs.job_create(
                story=story,
                created_by=request.user,
                label=data["label"],
                outlet=data["outlet"],
                byline=data["byline"],
                url=data["url"],
                published_on=data["published_on"],
                file_name=data["file_name"],
                source=data["source"],
            )
        except VersionImportError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                f"Importing “{job.label}” in the background: its progress shows below, and "
                "you can keep working.",
            )
            return redirect(f"{story.get_absolute_url()}#imports")
    return render(request, "articles/version_form.html", {"story": story, "form": form})


def _reading_context(
    request,
    version: Version,
    open_claim: Claim | None = None,
    where: tuple[str, int] | None = None,
    list_after: tuple[int, int, int] | None = None,
) -> dict:
    """Everything the reading view's regions need, in a fixed number of queries.

    A long version, or one with many claims (``reading.is_lazy``), shows one window of
    its text, the one ``where`` says (``reading.window``), or the one with ``open_claim``,
    or the first; the others load as the reader scrolls. A shorter one shows its whole
    text. Past ``reading.LAZY_CLAIMS`` claims the list shows a page of them
    (``reading.claim_page``, from the one after ``list_after`` if given), the rest loading
    at its end: the page's size is bounded however many claims the version has.
    """
    claim_count = version.claims.count()
    paged = claim_count > reading.LAZY_CLAIMS or list_after is not None
    claims_after = ""
    if paged:
        claims, claims_after = reading.claim_page(version, list_after)
    else:
        claims = reading.version_claims(version)
    sentence_count = version.sentences.count()
    if "text" in version.get_deferred_fields() and hasattr(version, "text_head"):
        text_length = len(version.text_head)  # past LAZY_CHARS if the text is longer
        if text_length <= reading.LAZY_CHARS:
            version.text = version.text_head  # the whole text
    else:
        text_length = len(version.text)
    window = text_html = None
    lazy = reading.is_lazy(
        text_length=text_length, sentence_count=sentence_count, claim_count=claim_count
    )
    if lazy:
        if where is None and open_claim is not None:
            where = ("claim", open_claim.pk)
        window = reading.window(version, *where) if where else None
        window = window or reading.window(version, "from", 0)
    if paged or lazy:
        claim_items_html = reading.rendered_claim_items(version, claims)
    else:
        text_html, claim_items_html = reading.rendered(version, claims)
    return {
        "story": version.story,
        "version": version,
        "claim_count": claim_count,
        "claim_items_html": claim_items_html,
        "claims_after": claims_after,
        "list_after": list_after,
        "text_html": text_html,
        "window": window,
        "show_earlier": True,
        "show_later": True,
        "sentence_count": sentence_count,
        "suggestions_off": suggestions.too_many_sentences(sentence_count),
        # Links only: not the other versions' texts (megabytes for a long one).
        "other_versions": list(version.story.versions.exclude(pk=version.pk).defer("text")),
        "open_claim": open_claim,
        "revision": version.story.revision,
        "events_url": live.events_url(version),
        "scale": SCALE.values(),
    }


WINDOW_PARAMS = ("from", "before", "claim", "sentence")


def _window_param(query) -> tuple[str, int] | None:
    """The one ``WINDOW_PARAMS`` key in the query and its number; None if none or not one."""
    keys = [key for key in WINDOW_PARAMS if key in query]
    if len(keys) != 1:
        return None
    raw = query[keys[0]]
    if not (raw.isascii() and raw.isdecimal() and len(raw) < 10):
        return None
    return keys[0], int(raw)


@require_GET
def version_detail(request, pk):
    version = _get_version(request.user, pk, text="head")
    open_claim = None
    if claim_id := validation.parse_id(request.GET.get("claim")):
        open_claim = version.claims.with_verdicts().filter(pk=claim_id).first()
    where = _window_param({k: v for k, v in request.GET.items() if k != "claim"})
    list_after = reading.parse_claim_key(request.GET.get("after"))
    context = _reading_context(request, version, open_claim, where, list_after)
    if open_claim:
        context.update(_panel_context(request, open_claim))
    return render(request, "articles/version_detail.html", context)


@require_GET
def version_blocks(request, pk):
    """A window of a long version's text (``reading.Window``), loaded as the reader scrolls.

    ``from=N``: the window from block N on, ending with a link to the next; ``before=N``:
    the one before block N, starting with a link to the one before it; ``claim=M`` or
    ``sentence=N`` (positions): the one that holds it, with both links, for a jump there.
    Without htmx: the reading view at that window.
    """
    version = _get_version(request.user, pk, text="none")
    where = _window_param(request.GET)
    if where is None:
        return HttpResponseBadRequest("Give one of from, before, claim or sentence, as a number.")
    if not request.htmx:
        return redirect(f"{version.get_absolute_url()}?{urlencode([where])}")
    window = reading.window(version, *where)
    if window is None:
        raise Http404("No such place in this version.")
    context = {
        "version": version,
        "window": window,
        "show_earlier": where[0] != "from",
        "show_later": where[0] != "before",
    }
    return render(request, "articles/version_detail.html#window", context)


@require_GET
def version_claim_list(request, pk):
    """The claim list's next page, after the claim ``after`` (a ``reading.claim_key``):
    its items, and the "Show more claims" link after them (gone at the end of the list).
    Without htmx: the reading view with the list from there.
    """
    version = _get_version(request.user, pk, text="none")
    after = reading.parse_claim_key(request.GET.get("after"))
    if after is None:
        return HttpResponseBadRequest("Give after as start-end-id of a claim.")
    if not request.htmx:
        return redirect(
            f"{version.get_absolute_url()}?{urlencode({'after': request.GET['after']})}#claim-list"
        )
    claims, claims_after = reading.claim_page(version, after)
    context = {
        "version": version,
        "claim_items_html": reading.rendered_claim_items(version, claims),
        "claims_after": claims_after,
    }
    return render(request, "articles/version_detail.html#claim-page", context)


@require_GET
def version_live(request, pk):
    """Poll target: 204 if nothing changed since ``rev``, else only what changed.

    The blocks of text and the list items of the claims changed since (out-of-band swaps),
    or, past ``live.MAX_CLAIMS`` changes, a notice to refresh. Events: ``live-removed``
    (list items to take out first), ``claims-changed`` when claims were marked, moved or
    deleted (or something else changed: the suggestion list refetches), ``claim-changed``
    when the claim the page has open (``claim``) changed (its verdicts and notes refetch).
    A page whose event stream is open says so (``stream``: ms since its last event): the
    changes it lacks may be left to the stream (``live.left_to_push``).
    """
    # Its text is loaded only if a paragraph is redrawn: most polls find nothing new.
    version = _get_version(request.user, pk, text="none")
    from articles import workflow_views  # it builds on this module's helpers

    # Who's here rides on the same poll: None if what the page shows is still right.
    presence = workflow_views.presence_poll(request, version)
    revision = version.story.revision  # read first: see live.changes_since
    raw = request.GET.get("rev", "")
    since = int(raw) if raw.isascii() and raw.isdecimal() and len(raw) < 19 else None
    if live.left_to_push(version.story, since, stream=request.GET.get("stream")):
        # The page's event stream brings the changes in a moment: not this poll.
        revision = since
        if presence is not None:
            presence["revision"] = since
    if since == revision:
        if presence is None:
            return HttpResponse(status=204)
        return render(request, "articles/_presence.html#presence-live", presence)
    update = live.render_update(version, since, revision)
    response = HttpResponse(update.html)
    if presence is not None:
        response.content += render_to_string(
            "articles/_presence.html#presence-region", presence, request
        ).encode()
    if update.removed:
        trigger_client_event(response, "live-removed", {"ids": update.removed})
    if update.refresh:
        trigger_client_event(response, "claims-changed")
    if update.too_many or validation.parse_id(request.GET.get("claim")) in update.changed:
        trigger_client_event(response, "claim-changed")
    return response


# ---------------------------------------------------------------------------- claims


def _my_verdict_context(claim: Claim, mine, verdict_form=None, source_formset=None) -> dict:
    """What the panel's own-verdict form (``#my-verdict``) needs: ``mine`` is the user's
    verdict on the claim (its sources prefetched) or None."""
    if verdict_form is None:
        verdict_form = VerdictForm(
            initial={"rating": mine.rating, "rationale": mine.rationale, "revision": mine.revision}
            if mine
            else None
        )
        source_formset = SourceFormSet(
            prefix="sources",
            initial=[
                {f: getattr(s, f) for f in ("id", "url", "title", "publisher", "quote", "stance")}
                for s in mine.sources.all()
            ]
            if mine
            else None,
        )
    return {
        "claim": claim,
        "my_verdict": mine,
        "verdict_form": verdict_form,
        "source_formset": source_formset,
    }


def _panel_context(request, claim: Claim, verdict_form=None, source_formset=None) -> dict:
    mine = next((v for v in claim.verdicts.all() if v.reviewer_id == request.user.pk), None)
    return _my_verdict_context(claim, mine, verdict_form, source_formset) | {
        "can_delete": claim.deletable_by(request.user),
        "can_edit_span": claim.created_by_id == request.user.pk,
        "is_editor": is_editor(request.user),
        "confidence_legend": alignment.CONFIDENCE_LEGEND,
        "notes": notes.notes_of(claim),
        "note_max": validation.MAX_CLAIM_NOTE,
        "other_claims": _nearby_claims(claim),
    }


NEARBY_CHARS = 5000  # how far from a counterpart the claims offered for a link may start
NEARBY_MAX = 200


def _nearby_claims(claim: Claim) -> list:
    """Claims a reviewer can name as this claim's counterpart: those of each other version
    starting near where its counterpart stands (or is suggested, or the claim itself stands),
    as rows (``pk``, ``number``, ``version_id``, ``exact``).

    A window, not every claim: a big story has thousands, and the list is a select in the
    panel. A claim farther away can still be named by typing its words.
    """
    near = Q()
    for cp in claim.counterparts.all():
        if cp.start is not None:
            at = cp.start
        elif cp.candidates:
            at = cp.candidates[0].get("start", claim.start)
        else:
            at = claim.start
        near |= Q(
            version_id=cp.version_id, start__gte=at - NEARBY_CHARS, start__lte=at + NEARBY_CHARS
        )
    if not near:
        return []
    return list(
        Claim.objects.filter(near)
        .values_list("pk", "number", "version_id", "exact", named=True)
        .order_by("version_id", "start")[:NEARBY_MAX]
    )


def selection_refused(request, version: Version, error: str, *, status: int = 422):
    """A refused mark or move: the message in the panel (htmx), or back to the text."""
    if request.htmx:
        return render(
            request, "articles/claim_panel.html#selection-error", {"error": error}, status=status
        )
    messages.error(request, error)
    return redirect(version)


def marked_context(
    request,
    version: Version,
    claim: Claim,
    notice: str,
    *,
    refocus_text: bool = True,
    left: tuple[int, int] | None = None,
) -> dict:
    """The claim's panel, and the paragraphs and list item to redraw, after it was marked or
    moved (from ``left``); see ``marked_response``.

    With ``refocus_text`` the keyboard goes back to the text (a claim marked from the
    suggestion list keeps focus in that list instead).
    """
    # The claim as the write left it (committed), with what its panel shows.
    claim.version = version  # without its text, with its story
    prefetch_related_objects([claim], *panel_prefetches())
    context = _panel_context(request, claim) | {"version": version, "story": version.story}
    delta = live.claim_delta(version, claim, left=left)
    return context | {"notice": notice, "text_swapped": refocus_text, "delta": delta}


def marked_response(request, template: str, context: dict):
    """Render ``template``; the page takes the claim's old list item out first."""
    response = render(request, template, context)
    return trigger_client_event(response, "live-removed", {"ids": context["delta"].removed})


@require_POST
def claim_create(request, pk):
    version = _get_version(request.user, pk)
    data = request.POST.copy()
    error = None
    if "quote" in data and "start" not in data:
        # Without JavaScript (or from the keyboard): the claim's words, typed or pasted.
        try:
            span = anchoring.find_unique(version.text, data["quote"])
        except anchoring.SelectionError as exc:
            error = str(exc)
        else:
            data.update({"start": span.start, "end": span.end, "exact": data["quote"].strip()})
    form = SelectionForm(data)
    if not error and not form.is_valid():
        error = "The selection could not be read. Select the words again."
    if not error:
        try:
            claim, created = reviewing.claim_create(
                version=version,
                user=request.user,
                start=form.cleaned_data["start"],
                end=form.cleaned_data["end"],
                exact=form.cleaned_data["exact"],
            )
        except anchoring.SelectionError as exc:
            error = str(exc)
    if error:
        return selection_refused(request, version, error)
    if not request.htmx:
        return redirect(f"{version.get_absolute_url()}?claim={claim.pk}")
    notice = (
        f"Claim #{claim.number} marked."
        if created
        else f"These words are already claim #{claim.number}."
    )
    context = marked_context(request, version, claim, notice)
    return marked_response(request, "articles/claim_panel.html#panel-with-regions", context)


@require_GET
def claim_detail(request, pk):
    claims = Claim.objects.visible_to(request.user).with_verdicts()
    claim = get_object_or_404(claims, pk=pk)  # the claim and its panel's rows, at once
    if not request.htmx:
        return redirect(f"{claim.version.get_absolute_url()}?claim={claim.pk}#hl-{claim.pk}")
    return render(request, "articles/claim_panel.html", _panel_context(request, claim))


@require_GET
def claim_verdicts(request, pk):
    """The panel's verdicts, refreshed when anyone changes the story: 204 if the page's
    ``rev`` is still the claim's ``changed_revision`` (every write that changes what they
    show stamps the claim, see articles/live.py)."""
    claim = _visible_claim(request.user, pk)
    if claim is None:
        return render(request, "articles/claim_panel.html#claim-gone", {})
    if request.GET.get("rev") == str(claim.changed_revision):
        return HttpResponse(status=204)  # the page shows them as they are
    claim = Claim.objects.with_verdicts().get(pk=claim.pk)
    return render(request, "articles/claim_panel.html#verdicts", {"claim": claim})


@require_POST
def claim_update(request, pk):
    claim = _get_claim(request.user, pk)
    left = (claim.start, claim.end)
    if claim.created_by_id != request.user.pk:
        raise PermissionDenied("Only the reviewer who marked this claim can change its span.")
    form = SelectionForm(request.POST)
    error, exc_seen = None, None
    if not form.is_valid() or form.cleaned_data.get("revision") is None:
        error = "The selection could not be read. Select the words again."
    else:
        try:
            claim = reviewing.claim_update_span(
                claim=claim,
                user=request.user,
                start=form.cleaned_data["start"],
                end=form.cleaned_data["end"],
                exact=form.cleaned_data["exact"],
                revision=form.cleaned_data["revision"],
            )
        except reviewing.NotAllowed as exc:
            raise PermissionDenied(str(exc)) from exc
        except (anchoring.SelectionError, reviewing.Conflict) as exc:
            error, exc_seen = str(exc), exc
    if error:
        status = 409 if isinstance(exc_seen, reviewing.Conflict) else 422
        return selection_refused(request, claim.version, error, status=status)
    if not request.htmx:
        return redirect(f"{claim.version.get_absolute_url()}?claim={claim.pk}")
    notice = f"Claim #{claim.number} now covers the new selection."
    context = marked_context(request, claim.version, claim, notice, left=left)
    return marked_response(request, "articles/claim_panel.html#panel-with-regions", context)


@require_http_methods(["GET", "POST"])
def claim_delete(request, pk):
    claim = _get_claim(request.user, pk)
    claim = Claim.objects.with_verdicts().get(pk=claim.pk)
    if not claim.deletable_by(request.user):
        raise PermissionDenied("Only an editor can delete a claim that other reviewers judged.")
    if request.method == "POST":
        version = claim.version
        try:
            reviewing.claim_delete(claim=claim, user=request.user)
        except reviewing.NotAllowed as exc:
            raise PermissionDenied(str(exc)) from exc
        messages.success(request, f"Claim #{claim.number} deleted.")
        return redirect(version)
    return render(request, "articles/claim_confirm_delete.html", {"claim": claim})


@require_POST
def verdict_save(request, pk):
    claim = _visible_claim(request.user, pk)
    if claim is None:
        # A form left open while someone deleted the claim: say so, where the form was.
        message = "This claim was deleted by someone else; your verdict was not saved."
        if request.htmx:
            return render(
                request, "articles/claim_panel.html#selection-error", {"error": message}, status=409
            )
        messages.error(request, message)
        return redirect("articles:story_list")
    form = VerdictForm(request.POST)
    formset = SourceFormSet(request.POST, prefix="sources")
    status = 200
    notice = None
    if "add_source" in request.POST:
        # Another blank source row, keeping what was typed; nothing is saved.
        data = request.POST.copy()
        raw = data.get("sources-TOTAL_FORMS", "")
        total = int(raw) if raw.isdecimal() and len(raw) < 5 else 0
        data["sources-TOTAL_FORMS"] = str(min(total + 1, 20))
        form, formset = VerdictForm(data), SourceFormSet(data, prefix="sources")
        claim = Claim.objects.with_verdicts().get(pk=claim.pk)
        context = _panel_context(request, claim, form, formset) | {"adding_source": True}
        return _verdict_response(request, claim, context)
    if form.is_valid() and formset.is_valid():
        sources = [
            f.cleaned_data
            for f in formset.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE") and f.cleaned_data.get("url")
        ]
        try:
            verdict = reviewing.verdict_save(
                claim=claim,
                user=request.user,
                rating=form.cleaned_data["rating"],
                rationale=form.cleaned_data["rationale"],
                sources=sources,
                revision=form.cleaned_data["revision"],
            )
        except reviewing.Conflict as exc:
            status = 409
            messages.error(request, f"{exc} Here is the newer state; your text is kept below.")
            if not request.htmx:
                return redirect(f"{claim.version.get_absolute_url()}?claim={claim.pk}")
            latest = Claim.objects.with_verdicts().filter(pk=claim.pk).first()
            if latest is None:
                return render(request, "articles/claim_panel.html#claim-gone", {}, status=409)
            # Keep the user's input but base it on the newer revision.
            data = request.POST.copy()
            current = exc.current
            data["revision"] = "" if current is None else str(current.revision)
            context = _panel_context(
                request, latest, VerdictForm(data), SourceFormSet(data, prefix="sources")
            )
            context["conflict"] = str(exc)
            context["conflict_current"] = current
            return _verdict_response(request, latest, context, status=status)
        notice = "Verdict saved."
        if not request.htmx:
            messages.success(request, notice)
            return redirect(f"{claim.version.get_absolute_url()}?claim={claim.pk}")
        # The form, and the panel's verdicts with this one (out of band, at the claim's new
        # revision: the push or poll telling this page of its own save then gets 204). The
        # claim as the save locked and stamped it; its verdicts as committed.
        claim = verdict.claim
        prefetch_related_objects([claim], *panel_prefetches())
        mine = next(v for v in claim.verdicts.all() if v.pk == verdict.pk)
        context = _my_verdict_context(claim, mine) | {"verdict_notice": notice}
        return render(request, "articles/claim_panel.html#verdict-saved", context)
    status = 422
    if not request.htmx:
        claim = Claim.objects.with_verdicts().get(pk=claim.pk)
        context = _reading_context(request, claim.version, claim)
        context.update(_panel_context(request, claim, form, formset))
        return render(request, "articles/version_detail.html", context, status=status)
    claim = Claim.objects.with_verdicts().get(pk=claim.pk)
    return _verdict_response(request, claim, _panel_context(request, claim, form, formset), status)


def _verdict_response(request, claim, context, status=200):
    return render(request, "articles/claim_panel.html#my-verdict", context, status=status)


# ---------------------------------------------------------------------------- compare


@require_GET
def story_compare(request, pk):
    """The story page's pair picker: any two of the story's versions."""
    story = _get_story(request.user, pk)
    ids = {v.pk for v in story.versions.all()}
    raw = [request.GET.get("left", ""), request.GET.get("right", "")]
    picked = [int(r) for r in raw if r.isascii() and r.isdecimal() and len(r) < 19]
    if len(picked) != 2 or not set(picked) <= ids:
        messages.error(request, "Choose two versions of this story to compare.")
        return redirect(story)
    if picked[0] == picked[1]:
        messages.error(request, "Choose two different versions to compare.")
        return redirect(story)
    return redirect("articles:version_compare", pk=picked[0], other_pk=picked[1])


COMPARE_PAGE_SIZE = 100  # rows; a news story fits on one page


@require_GET
def version_compare(request, pk, other_pk):
    version = _get_version(request.user, pk)
    other = _get_version(request.user, other_pk)
    try:
        comparison.check_pair(version, other)
    except comparison.CompareError as exc:
        messages.error(request, str(exc))
        return redirect(version.story)
    if not version.sentences.exists() or not other.sentences.exists():
        messages.error(request, "Both versions need text with sentences to be compared.")
        return redirect(version.story)
    number = validation.parse_id(request.GET.get("page")) or 1
    if (at := validation.parse_id(request.GET.get("at"))) is not None:
        # The page that holds a sentence (a corrected link sends the editor back to it).
        _rows, summary = comparison.compare_page(version, other, number=1, size=COMPARE_PAGE_SIZE)
        number = summary["pages_of"].get(at, 1)
    rows, summary = comparison.compare_page(version, other, number=number, size=COMPARE_PAGE_SIZE)
    # A paginator over the row count only: the page's rows come from the cache.
    page = Paginator(range(summary["rows"]), COMPARE_PAGE_SIZE).get_page(number)
    return render(
        request,
        "articles/version_compare.html",
        {
            "story": version.story,
            "version": version,
            "other": other,
            "rows": rows,
            "page": page,
            "summary": summary,
            "backend": alignment.similarity_backend(),
        },
    )


@editor_required
@require_POST
def link_correct(request, pk, other_pk):
    version = _get_version(request.user, pk)
    other = _get_version(request.user, other_pk)
    form = LinkForm(request.POST)
    url = reverse("articles:version_compare", args=[version.pk, other.pk])
    if not form.is_valid():
        messages.error(request, "Choose a sentence to link, or “no counterpart”.")
        return redirect(url)
    try:
        comparison.set_manual_link(
            version=version,
            position=form.cleaned_data["position"],
            other=other,
            other_positions=form.cleaned_data["other_positions"],
            user=request.user,
        )
    except comparison.CompareError as exc:
        messages.error(request, str(exc))
    else:
        version.story.touch()
        messages.success(request, "Link corrected. It will survive re-alignment.")
    position = form.cleaned_data["position"]
    return redirect(f"{url}?at={position}#row-{position}")


@require_POST
def counterpart_update(request, pk):
    """A reviewer's decision on a claim's counterpart in one other version."""
    counterpart = get_object_or_404(
        Counterpart.objects.select_related("claim__version__story", "version").filter(
            claim__in=Claim.objects.visible_to(request.user)
        ),
        pk=pk,
    )
    form = CounterpartForm(request.POST)
    label = counterpart.version.label
    status = 200
    if not form.is_valid():
        notice = "; ".join(e for errors in form.errors.values() for e in errors)
        status = 422
    else:
        data = form.cleaned_data
        action, revision = data["action"], data["revision"]
        try:
            notice = _counterpart_action(request, counterpart, action, data, revision, label)
        except comparison.StaleCounterpart as exc:
            notice, status = str(exc), 409
        except comparison.CompareError as exc:
            notice, status = str(exc), 422
    claim = Claim.objects.with_verdicts().get(pk=counterpart.claim_id)
    if not request.htmx:
        (messages.success if status == 200 else messages.error)(request, notice)
        return redirect(f"{claim.version.get_absolute_url()}?claim={claim.pk}")
    response = render(
        request,
        "articles/claim_panel.html",
        _panel_context(request, claim) | {"notice": notice, "notice_is_error": status != 200},
        # 409 and 422 are swapped too (htmx-config in base.html): the panel shows the message.
        status=status,
    )
    return trigger_client_event(response, "claims-changed")


def _counterpart_action(request, counterpart, action, data, revision, label) -> str:
    user = request.user
    if action == "absent":
        comparison.counterpart_mark_absent(counterpart=counterpart, user=user, revision=revision)
        return f"Marked as not in {label}."
    if action == "choose":
        comparison.counterpart_choose(
            counterpart=counterpart, index=data["candidate"] or 0, user=user, revision=revision
        )
        return f"Counterpart in {label} confirmed."
    if action == "words":
        comparison.counterpart_set_words(
            counterpart=counterpart, words=data["words"], user=user, revision=revision
        )
        return f"Counterpart in {label} set to your words."
    if action == "link":
        other = counterpart.version.claims.filter(pk=data["other_claim"] or 0).first()
        if other is None:
            raise comparison.CompareError(f"Choose one of the claims in {label}.")
        comparison.counterpart_link(
            counterpart=counterpart, other_claim=other, user=user, revision=revision
        )
        return f"Linked to claim #{other.number} in {label}."
    comparison.counterpart_confirm(counterpart=counterpart, user=user, revision=revision)
    return f"Counterpart in {label} confirmed."


# ---------------------------------------------------------------------------- dashboard


@require_GET
def story_dashboard(request, pk):
    return _render_dashboard(request, _get_story(request.user, pk))


def _render_dashboard(request, story):
    """Counts, chart and agreement over the whole story; the claims themselves a page at a time.

    Filters, counts and order are computed in the database from the stored status, so the
    page costs the same few queries whether the story has ten claims or ten thousand.
    """
    # Labels and links only: a long version's text would be copied for nothing.
    versions = list(story.versions.defer("text"))
    filters = {
        key: request.GET.get(key) or None for key in ("reason", "status", "version", "reviewer")
    }
    page = Paginator(dashboard.board_claims(versions, **filters), dashboard.PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    entries = dashboard.board_entries(page.object_list, versions=versions)
    query = {k: v for k, v in filters.items() if v}
    context = {
        "story": story,
        "versions": versions,
        "entries": entries,
        "board_claims": [e.claim for e in entries],
        "board_judged": {e.claim.pk: [reviewer for _, reviewer in e.verdicts] for e in entries},
        "page": page,
        "page_query": urlencode(query),
        # chart, agreement, summary, reviewers, only_one: once per revision of the story.
        **dashboard.board_figures(story, versions),
        "filters": filters,
        "reasons": dashboard.REASONS,
        "revision": story.revision,
        # The final verdicts offered in every contested row's Settle form, labelled once.
        "settle_choices": [
            (value, f"{SCALE[value].code} · {label}")
            for value, label in SettleForm.base_fields["rating"].choices
        ],
        "is_editor": is_editor(request.user),
    }
    template = "articles/story_dashboard.html"
    if request.htmx and request.GET.get("fragment") == "board":
        template += "#board"
    return render(request, template, context)


@require_POST
def claim_settle(request, pk):
    claim = _get_claim(request.user, pk)
    if not is_editor(request.user):
        raise PermissionDenied("Only editors can settle a claim.")
    form = SettleForm(request.POST)
    back = reverse("articles:story_dashboard", args=[claim.version.story_id])
    if not form.is_valid():
        # Say what is wrong (the rating, the note), not always "choose a rating".
        for field, errors in form.errors.items():
            if field not in ("rating", "note"):
                errors = ["The form could not be read; reload the dashboard and try again."]
            for error in errors:
                messages.error(request, error)
        return _back_to_board(request, claim, back)
    try:
        if form.cleaned_data["action"] == "reopen":
            reviewing.claim_reopen(
                claim=claim, user=request.user, revision=form.cleaned_data["revision"]
            )
            messages.success(request, f"Claim #{claim.number} reopened.")
        else:
            reviewing.claim_settle(
                claim=claim,
                user=request.user,
                rating=form.cleaned_data["rating"],
                note=form.cleaned_data["note"],
                revision=form.cleaned_data["revision"],
            )
            messages.success(request, f"Claim #{claim.number} settled.")
    except (reviewing.Conflict, reviewing.NotAllowed) as exc:
        messages.error(request, str(exc))
    return _back_to_board(request, claim, back)


def _back_to_board(request, claim, back):
    if request.htmx:
        # The whole board re-renders: counts, chart and rows change together, at the
        # story's new revision (the figures are cached by revision).
        story = claim.version.story
        story.refresh_from_db(fields=["revision"])
        return _render_dashboard(request, story)
    return redirect(back)


@require_GET
def claim_history(request, pk):
    claim = _get_claim(request.user, pk)
    context = {"claim": claim, "events": history.claim_history(claim.pk)}
    if request.htmx:
        return render(request, "articles/claim_history.html#events", context)
    return render(request, "articles/claim_history.html", context)
