"""Notes on a claim: the thread in the claim panel and the form under it."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from articles import notes, validation
from articles.models import Claim
from articles.views import _panel_context, _reading_context, _visible_claim

NOTES = "articles/_claim_notes.html#notes"


def _context(claim, **extra) -> dict:
    return {
        "claim": claim,
        "notes": notes.notes_of(claim),
        "note_max": validation.MAX_CLAIM_NOTE,
        **extra,
    }


@require_http_methods(["GET", "POST"])
def claim_notes(request, pk):
    """GET: the thread (refreshed when the story changes; 204 if the page's ``rev`` is still
    the claim's ``changed_revision``). POST: add the user's note."""
    claim = _visible_claim(request.user, pk)
    if claim is None and request.method == "GET":
        raise Http404("This claim was deleted.")
    if claim is None:
        message = "This claim was deleted by someone else; your note was not saved."
        if request.htmx:
            return render(
                request, "articles/claim_panel.html#selection-error", {"error": message}, status=409
            )
        messages.error(request, message)
        return redirect("articles:story_list")
    back = f"{claim.version.get_absolute_url()}?claim={claim.pk}#notes"
    if request.method == "GET":
        if not request.htmx:
            return redirect(back)
        if request.GET.get("rev") == str(claim.changed_revision):
            return HttpResponse(status=204)  # a note stamps its claim: none since
        return render(request, "articles/_claim_notes.html#note-list", _context(claim))
    text = request.POST.get("text", "")
    try:
        notes.note_add(claim=claim, user=request.user, text=text)
    except notes.NotAllowed as exc:
        raise PermissionDenied(str(exc)) from exc
    except Claim.DoesNotExist as exc:
        if request.htmx:
            return render(
                request,
                "articles/claim_panel.html#selection-error",
                {"error": str(exc)},
                status=409,
            )
        messages.error(request, str(exc))
        return redirect("articles:story_list")
    except ValidationError as exc:
        error = " ".join(exc.messages)
        if request.htmx:
            context = _context(claim, note_text=text, note_error=error)
            return render(request, NOTES, context, status=422)
        full = Claim.objects.with_verdicts().get(pk=claim.pk)
        context = _reading_context(request, full.version, full) | _panel_context(request, full)
        context |= {"note_text": text, "note_error": error}
        return render(request, "articles/version_detail.html", context, status=422)
    if not request.htmx:
        messages.success(request, "Note added.")
        return redirect(back)
    return render(request, NOTES, _context(claim, note_notice="Note added."))
