"""Export a story (HTML summary, ClaimReview, Web Annotations, CSV); import annotations,
with a downloadable report.

Thin views: an access-checked fetch (404 for a story the user may not see), a bundle whose
rows are read a chunk at a time (``export_data``), one pure export function, a download.
Exports are streamed: memory holds a chunk of claims whatever the story's size, and on
PostgreSQL the chunks are read in one REPEATABLE READ transaction, so that the counts at
the top of a file agree with the rows below them.
"""

from __future__ import annotations

import csv
import io
from contextlib import contextmanager

from django import forms
from django.conf import settings
from django.contrib import messages
from django.db import connection, transaction
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_http_methods

from articles import export, export_data, import_jobs, webannotation
from articles.models import AnnotationImport, Publication, VersionImportError
from articles.views import _get_story, editor_required


def load_bundle(request, story, publication=None, *, with_notes: bool = False) -> export.Bundle:
    """The story's versions and the live publication (two queries); the claims, blocks and
    (``with_notes``, for the annotations export) notes are read a chunk at a time as the
    export goes (``export_data.StorySource``).

    A published story's ClaimReview markup points at its public page and names the
    organisation recorded when it was published; an unpublished story has none.
    """
    if publication is None:
        publication = Publication.objects.live().filter(story=story).first()
    versions = list(story.versions.all())
    return export.Bundle(
        story=story,
        versions=versions,
        source=export_data.StorySource(versions, with_notes=with_notes),
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
    )


@contextmanager
def snapshot():
    """One consistent view of the database for the whole export, on PostgreSQL (a read-only
    REPEATABLE READ transaction). On SQLite, whose transactions here take the write lock,
    the chunks are read as they come (a write during the export may show in part of it)."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


STREAM_BYTES = 64 * 1024  # bytes per write of a streamed export


def _encoded(parts, first: bytes = b""):
    """The parts as UTF-8 in writes of about STREAM_BYTES, read inside one snapshot."""
    buffer, size = [first] if first else [], len(first)
    with snapshot():
        for part in parts:
            data = part.encode("utf-8")
            buffer.append(data)
            size += len(data)
            if size >= STREAM_BYTES:
                yield b"".join(buffer)
                buffer, size = [], 0
    if buffer:
        yield b"".join(buffer)


def _streamed(parts, content_type: str, story, suffix: str, first: bytes = b""):
    response = StreamingHttpResponse(_encoded(parts, first), content_type=content_type)
    return _attachment(response, story, suffix)


def _download(content, content_type: str, story, suffix: str) -> HttpResponse:
    return _attachment(HttpResponse(content, content_type=content_type), story, suffix)


def _attachment(response, story, suffix: str):
    name = f"factcheck-{slugify(story.title) or 'story'}-{story.pk}-{suffix}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_GET
def story_export_html(request, pk):
    story = _get_story(request.user, pk)
    parts = export.summary_parts(load_bundle(request, story))
    return _streamed(parts, "text/html; charset=utf-8", story, "summary.html")


@require_GET
def story_export_claimreview(request, pk):
    story = _get_story(request.user, pk)
    bundle = load_bundle(request, story)
    if not bundle.review_url:
        # A ClaimReview's url must be a public page that shows the review.
        return render(
            request, "articles/export/claimreview_unpublished.html", {"story": story}, status=409
        )
    parts = export.claim_reviews_parts(bundle)
    return _streamed(parts, "application/ld+json; charset=utf-8", story, "claimreview.json")


@require_GET
def story_export_annotations(request, pk):
    story = _get_story(request.user, pk)
    bundle = load_bundle(request, story, with_notes=True)
    collection_id = request.build_absolute_uri()

    def parts():
        # Counted inside the snapshot, with the items.
        total = export_data.annotation_total(bundle.source)
        yield from export.annotations_parts(bundle, collection_id, total)

    return _streamed(parts(), export.ANNO_MEDIA_TYPE, story, "annotations.jsonld")


@require_GET
def story_export_csv(request, pk):
    story = _get_story(request.user, pk)
    bundle = load_bundle(request, story)
    # A byte order mark makes spreadsheet programs read the file as UTF-8.
    bom = "\ufeff".encode()
    return _streamed(export.csv_lines(bundle), "text/csv; charset=utf-8", story, "claims.csv", bom)


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
    """The upload form: the file is imported in the background (its progress on the story
    page), so that a large one does not hold the request."""
    story = _get_story(request.user, pk)
    posted = request.method == "POST"
    form = AnnotationImportForm(request.POST, request.FILES) if posted else AnnotationImportForm()
    if posted and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = import_jobs.annotation_job_create(
                story=story,
                created_by=request.user,
                file_name=upload.name or "",
                source=upload.read(webannotation.MAX_IMPORT_BYTES + 1),
                site=request.build_absolute_uri("/").rstrip("/"),
            )
        except VersionImportError as exc:
            form.add_error("file", str(exc))
        else:
            messages.success(
                request,
                f"Importing the annotations of “{job.label}” in the background: its progress "
                "shows below, and the report when it is done.",
            )
            return redirect(f"{story.get_absolute_url()}#imports")
    return render(
        request,
        "articles/export/annotations_import.html",
        _import_page(story, form),
        status=400 if posted else 200,
    )


def _import_page(story, form, report=None) -> dict:
    return {
        "story": story,
        "form": form,
        "report": report,
        "max_mb": webannotation.MAX_IMPORT_BYTES // 2**20,
        "imports": story.annotation_imports.defer("rows").select_related("imported_by")[:10],
    }


@editor_required
@require_GET
def story_import_report_page(request, pk, import_pk):
    """What became of each annotation of an imported file."""
    story = _get_story(request.user, pk)
    record = get_object_or_404(AnnotationImport, pk=import_pk, story=story)
    report = webannotation.ImportReport.from_record(record)
    return render(
        request,
        "articles/export/annotations_import.html",
        _import_page(story, AnnotationImportForm(), report),
    )


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
