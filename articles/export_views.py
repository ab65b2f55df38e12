"""Export a story (HTML summary, ClaimReview, Web Annotations, CSV); import annotations,
with a downloadable report.

Thin views: an access-checked fetch (404 for a story the user may not see), one load in a
fixed number of queries, one pure export function, a download response.
"""

from __future__ import annotations

import csv
import io

from django import forms
from django.conf import settings
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_http_methods

from articles import dashboard, export, history, webannotation
from articles.models import AnnotationImport, Block, Note, Publication
from articles.views import _get_story, editor_required


def load_bundle(
    request, story, publication=None, *, with_notes: bool = False, streamed: bool = False
) -> export.Bundle:
    """Versions, blocks, claims with verdicts, sources, counterparts, settlement trails,
    the live publication, in a few queries per 500 claims; the claims' notes (for the
    annotations export) one more. With ``streamed``, the entries are an iterator that loads
    them a chunk at a time as they are read (once), and no blocks are loaded.

    A published story's ClaimReview markup points at its public page and names the
    organisation recorded when it was published; an unpublished story has none.
    """
    if publication is None:
        publication = Publication.objects.live().filter(story=story).first()
    versions = list(story.versions.all())
    blocks: dict[int, list[Block]] = {}
    if not streamed:
        for block in Block.objects.filter(version__story=story).order_by("version_id", "position"):
            blocks.setdefault(block.version_id, []).append(block)
    entries = dashboard.story_entries(story, versions=versions)
    return export.Bundle(
        story=story,
        versions=versions,
        blocks=blocks,
        entries=entries if streamed else list(entries),
        site=request.build_absolute_uri("/").rstrip("/"),
        summary_url=request.build_absolute_uri(
            reverse("articles:story_export_html", args=[story.pk])
        ),
        generated_at=timezone.now(),
        organisation=publication.organisation_name
        if publication
        else settings.FACTCHECK_ORGANISATION,
        organisation_url=publication.organisation_url if publication else "",
        organisation_logo=publication.organisation_logo if publication else "",
        review_url=request.build_absolute_uri(publication.get_absolute_url())
        if publication
        else "",
        trails=history.settlement_trails(v.pk for v in versions),
        notes=notes_by_claim(story) if with_notes else {},
    )


def notes_by_claim(story) -> dict[int, list[Note]]:
    """The story's notes by claim pk, oldest first: one query."""
    by_claim: dict[int, list[Note]] = {}
    for note in Note.objects.filter(claim__version__story=story).select_related("author"):
        by_claim.setdefault(note.claim_id, []).append(note)
    return by_claim


def _download(content, content_type: str, story, suffix: str) -> HttpResponse:
    return _attachment(HttpResponse(content, content_type=content_type), story, suffix)


def _attachment(response, story, suffix: str):
    name = f"factcheck-{slugify(story.title) or 'story'}-{story.pk}-{suffix}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_GET
def story_export_html(request, pk):
    story = _get_story(request.user, pk)
    html = export.summary_html(load_bundle(request, story))
    return _download(html, "text/html; charset=utf-8", story, "summary.html")


@require_GET
def story_export_claimreview(request, pk):
    story = _get_story(request.user, pk)
    bundle = load_bundle(request, story)
    if not bundle.review_url:
        # A ClaimReview's url must be a public page that shows the review.
        return render(
            request, "articles/export/claimreview_unpublished.html", {"story": story}, status=409
        )
    data = export.claim_reviews_json(bundle)
    return _download(data, "application/ld+json; charset=utf-8", story, "claimreview.json")


@require_GET
def story_export_annotations(request, pk):
    story = _get_story(request.user, pk)
    bundle = load_bundle(request, story, with_notes=True)
    data = export.annotations_json(bundle, request.build_absolute_uri())
    return _download(data, export.ANNO_MEDIA_TYPE, story, "annotations.jsonld")


@require_GET
def story_export_csv(request, pk):
    story = _get_story(request.user, pk)
    bundle = load_bundle(request, story, streamed=True)

    def chunks():
        # A byte order mark makes spreadsheet programs read the file as UTF-8.
        yield "\ufeff".encode()
        for line in export.csv_lines(bundle):
            yield line.encode("utf-8")

    # Streamed: a story of any size is sent a chunk of claims at a time.
    response = StreamingHttpResponse(chunks(), content_type="text/csv; charset=utf-8")
    return _attachment(response, story, "claims.csv")


class AnnotationImportForm(forms.Form):
    file = forms.FileField(
        label="Web Annotation file",
        help_text=(
            "A .json or .jsonld file of W3C Web Annotations (from factcheck or another tool), "
            "or Hypothesis's JSON (its export, or an API search result), at most "
            f"{webannotation.MAX_IMPORT_BYTES // (1024 * 1024)} MB."
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > webannotation.MAX_IMPORT_BYTES:
            raise forms.ValidationError(
                f"The file is {upload.size:,} bytes; the limit is "
                f"{webannotation.MAX_IMPORT_BYTES:,} bytes (5 MB)."
            )
        return upload


@editor_required
@require_http_methods(["GET", "POST"])
def story_import_annotations(request, pk):
    story = _get_story(request.user, pk)
    if request.method == "POST":
        form = AnnotationImportForm(request.POST, request.FILES)
    else:
        form = AnnotationImportForm()
    context = {
        "story": story,
        "form": form,
        "max_mb": webannotation.MAX_IMPORT_BYTES // 2**20,
        "imports": story.annotation_imports.select_related("imported_by")[:10],
    }
    status = 200
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["file"]
            data = upload.read(webannotation.MAX_IMPORT_BYTES + 1)
            try:
                context["report"] = webannotation.annotations_import(
                    story=story,
                    user=request.user,
                    data=data,
                    site=request.build_absolute_uri("/").rstrip("/"),
                    file_name=upload.name or "",
                )
            except webannotation.InvalidFile as exc:
                context["errors"] = exc.errors
                status = 400
        else:
            status = 400
    return render(request, "articles/export/annotations_import.html", context, status=status)


REPORT_COLUMNS = ["annotation", "id", "what", "outcome", "detail", "why"]


@editor_required
@require_GET
def story_import_report(request, pk, import_pk):
    """An import's report as CSV: one row per annotation of the file, in file order."""
    story = _get_story(request.user, pk)
    record = get_object_or_404(AnnotationImport, pk=import_pk, story=story)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(REPORT_COLUMNS)
    for row in record.rows:
        cells = [row["n"], row["id"], row["what"], row["outcome"], row["detail"], row["reason"]]
        writer.writerow([export.csv_cell(c) for c in cells])
    data = ("\ufeff" + out.getvalue()).encode("utf-8")
    return _download(data, "text/csv; charset=utf-8", story, f"import-{record.pk}-report.csv")
