"""The JSON API (django-ninja): stories, versions, claims, verdicts with sources, the
dashboard's data, and publishing, for scripts.

A script authenticates with a personal API token (``Authorization: Bearer <key>``, see
``ApiToken``) and may do exactly what its user may do on the pages: reads go through the
same ``visible_to`` querysets (a story the user is not a member of is a 404, as on the
pages) and writes through the same domain functions (``reviewing``, ``versions``,
``publishing``) and validation. Every operation lists the status codes it can answer; the
schema is at ``/api/v1/openapi.json`` and its browsable form at ``/api/v1/docs``.

Adding a resource (notes on a claim, say) is a schema, an ``_out`` function and a decorated
view below, with the ``READ`` or ``WRITE`` status codes.
"""

from __future__ import annotations

import json
import math
from datetime import date, datetime, timedelta
from typing import Any, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, NinjaAPI, Path, Query, Schema, Status
from ninja.errors import HttpError
from ninja.parser import Parser
from ninja.security import HttpBearer

from articles import dashboard, import_jobs, notes, publishing, reviewing, validation
from articles.forms import StoryForm, VersionImportForm
from articles.models import (
    REASONS,
    ApiToken,
    Block,
    Claim,
    ImportJob,
    Story,
    Verdict,
    Version,
    VersionImportError,
    is_editor,
)
from articles.ratings import SCALE, Rating
from articles.text import anchoring

MAX_PAGE = 200


# ---------------------------------------------------------------------------- plumbing


class StrictJSON(Parser):
    """JSON bodies that the database can store: text that is valid UTF-8 (no lone
    surrogates from ``\\ud800`` escapes). Anything else is a 400, "Cannot parse request body"."""

    def parse_body(self, request):
        data = json.loads(request.body)
        json.dumps(data, ensure_ascii=False).encode("utf-8")
        return data


class TokenAuth(HttpBearer):
    """``Authorization: Bearer <key>``: the token's user, or 401."""

    def authenticate(self, request, token):
        api_token = ApiToken.objects.for_key(token)
        if api_token is None:
            return None
        now = timezone.now()
        if api_token.last_used_at is None or now - api_token.last_used_at > timedelta(minutes=1):
            ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=now)
        # The history (django-simple-history) records writes under this user.
        request.user = api_token.user
        return api_token.user


api = NinjaAPI(
    title="factcheck API",
    version="1",
    description=(
        "Stories, versions, claims, verdicts with sources, the dashboard's data and the "
        "published fact-check. Authenticate with a personal API token: "
        "`Authorization: Bearer fct_…` (create one at /account/tokens/ or with "
        "`manage.py create_api_token`). A token may do what its user may do on the pages."
    ),
    auth=TokenAuth(),
    parser=StrictJSON(),
    urls_namespace="api",
)


class Problem(Schema):
    """What went wrong: a sentence, or (422, a malformed field) the list of field errors."""

    detail: str | list[dict[str, Any]]


READ = {401: Problem, 404: Problem, 422: Problem}
WRITE = {400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem, 422: Problem}


def _refuse(status: int, message: str):
    raise HttpError(status, message)


@api.exception_handler(Http404)
def _not_found(request, exc):
    # As on the pages: a story the user may not see is not found, whether or not it exists.
    return api.create_response(
        request,
        {"detail": "Not found, or not in a story you are a member of."},
        status=404,
    )


@api.exception_handler(PermissionDenied)
def _forbidden(request, exc):
    return api.create_response(request, {"detail": str(exc) or "Not allowed."}, status=403)


@api.exception_handler(ValidationError)
def _invalid(request, exc):
    return api.create_response(request, {"detail": " ".join(exc.messages)}, status=422)


@api.exception_handler(reviewing.NotAllowed)
def _not_allowed(request, exc):
    return api.create_response(request, {"detail": str(exc)}, status=403)


@api.exception_handler(reviewing.Conflict)
def _conflict(request, exc):
    return api.create_response(request, {"detail": str(exc)}, status=409)


def _editor(request) -> None:
    if not is_editor(request.user):
        raise PermissionDenied("Only editors can do this.")


def _story(request, story_id: int) -> Story:
    return get_object_or_404(Story.objects.visible_to(request.user), pk=story_id)


def _version(request, version_id: int) -> Version:
    return get_object_or_404(
        Version.objects.select_related("story").filter(
            story__in=Story.objects.visible_to(request.user)
        ),
        pk=version_id,
    )


def _claim(request, claim_id: int) -> Claim:
    return get_object_or_404(
        Claim.objects.visible_to(request.user).with_verdicts().select_related("version__story"),
        pk=claim_id,
    )


def _form_errors(form) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


def _page_of(request, path: str) -> str:
    return request.build_absolute_uri(path)


# ---------------------------------------------------------------------------- schemas


class UserOut(Schema):
    id: int
    username: str
    name: str


def _user(user) -> dict | None:
    if user is None:
        return None
    return {"id": user.pk, "username": user.get_username(), "name": user.get_full_name()}


class StoryOut(Schema):
    id: int
    title: str
    description: str
    created_at: datetime
    updated_at: datetime
    revision: int = Field(description="Bumped by every change to the story's claims and verdicts.")
    members: list[UserOut]
    version_count: int
    claim_count: int
    settled_count: int
    page_url: str
    published_url: str | None = Field(description="The public fact-check page, if published.")


class StoryPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[StoryOut]


class StoryIn(Schema):
    title: str
    description: str = ""
    members: list[int] = Field([], description="Ids of the reviewers who may see the story.")


def _story_out(request, story) -> dict:
    publication = getattr(story, "publication", None)
    live = publication is not None and publication.is_live
    return {
        "id": story.pk,
        "title": story.title,
        "description": story.description,
        "created_at": story.created_at,
        "updated_at": story.updated_at,
        "revision": story.revision,
        "members": [_user(u) for u in story.members.all()],
        "version_count": story.version_count,
        "claim_count": story.claim_count,
        "settled_count": story.settled_count,
        "page_url": _page_of(request, story.get_absolute_url()),
        "published_url": _page_of(request, publication.get_absolute_url()) if live else None,
    }


def _stories(request):
    return (
        Story.objects.visible_to(request.user)
        .with_counts()
        .select_related("publication")
        .prefetch_related("members")
    )


class VersionOut(Schema):
    id: int
    story_id: int
    label: str
    outlet: str
    byline: str
    url: str
    published_on: date | None
    created_at: datetime
    text_sha256: str
    sentence_count: int
    claim_count: int
    page_url: str


class BlockOut(Schema):
    kind: str
    start: int
    end: int


class VersionDetailOut(VersionOut):
    text: str = Field(description="NFC, \\n line ends; claims' offsets are code points into it.")
    blocks: list[BlockOut]


class VersionIn(Schema):
    label: str
    text: str
    outlet: str = ""
    byline: str = ""
    url: str = ""
    published_on: date | None = None


def _version_out(request, version, *, text: bool = False) -> dict:
    out = {
        "id": version.pk,
        "story_id": version.story_id,
        "label": version.label,
        "outlet": version.outlet,
        "byline": version.byline,
        "url": version.url,
        "published_on": version.published_on,
        "created_at": version.created_at,
        "text_sha256": version.text_sha256,
        "sentence_count": version.sentence_count,
        "claim_count": version.claim_count,
        "page_url": _page_of(request, version.get_absolute_url()),
    }
    if text:
        out["text"] = version.text
        out["blocks"] = [
            {"kind": b.kind, "start": b.start, "end": b.end}
            for b in Block.objects.filter(version=version).order_by("position")
        ]
    return out


class SourceOut(Schema):
    id: int
    url: str
    title: str
    publisher: str
    quote: str
    stance: Literal["supports", "refutes", "context"]


class VerdictOut(Schema):
    id: int
    claim_id: int
    reviewer: UserOut
    rating: Rating
    rating_label: str
    rating_code: str
    rationale: str
    created_at: datetime
    updated_at: datetime
    revision: int
    sources: list[SourceOut]


def _verdict_out(verdict) -> dict:
    step = SCALE[verdict.rating]
    return {
        "id": verdict.pk,
        "claim_id": verdict.claim_id,
        "reviewer": _user(verdict.reviewer),
        "rating": verdict.rating,
        "rating_label": step.label,
        "rating_code": step.code,
        "rationale": verdict.rationale,
        "created_at": verdict.created_at,
        "updated_at": verdict.updated_at,
        "revision": verdict.revision,
        "sources": [
            {
                "id": s.pk,
                "url": s.url,
                "title": s.title,
                "publisher": s.publisher,
                "quote": s.quote,
                "stance": s.stance,
            }
            for s in verdict.sources.all()
        ],
    }


class SettledOut(Schema):
    rating: Rating
    note: str
    by: UserOut | None
    at: datetime


class CounterpartOut(Schema):
    version_id: int
    status: Literal["proposed", "suggested", "not_found", "confirmed"]
    start: int | None
    end: int | None
    exact: str
    confidence: str
    score: float
    absent: bool = Field(description="The claim is not in that version.")
    fact_differences: list[str]
    states_different_facts: bool


class ClaimOut(Schema):
    id: int
    version_id: int
    number: int
    start: int = Field(description="Code point offset into the version's text (inclusive).")
    end: int = Field(description="Code point offset (exclusive).")
    exact: str
    prefix: str
    suffix: str
    created_by: UserOut
    created_at: datetime
    updated_at: datetime
    revision: int
    status: Literal["settled", "contested", "reviewed", "unreviewed"]
    contested_because: list[str]
    display_rating: Rating | None = Field(description="The final verdict, or reviewers' median.")
    settled: SettledOut | None
    page_url: str


class ClaimDetailOut(ClaimOut):
    verdicts: list[VerdictOut]
    counterparts: list[CounterpartOut]


class ClaimIn(Schema):
    """Offsets and words of a selection (checked against the text), or just the words."""

    start: int | None = Field(None, ge=0, le=validation.MAX_INT32)
    end: int | None = Field(None, ge=1, le=validation.MAX_INT32)
    exact: str | None = Field(None, max_length=20_000)
    quote: str | None = Field(
        None, max_length=20_000, description="The claim's words, found once in the text."
    )


def _claim_out(request, claim, *, detail: bool = False) -> dict:
    settled = None
    if claim.is_settled:
        settled = {
            "rating": claim.settled_rating,
            "note": claim.settled_note,
            "by": _user(claim.settled_by),
            "at": claim.settled_at,
        }
    out = {
        "id": claim.pk,
        "version_id": claim.version_id,
        "number": claim.number,
        "start": claim.start,
        "end": claim.end,
        "exact": claim.exact,
        "prefix": claim.prefix,
        "suffix": claim.suffix,
        "created_by": _user(claim.created_by),
        "created_at": claim.created_at,
        "updated_at": claim.updated_at,
        "revision": claim.revision,
        "status": claim.status,
        "contested_because": [REASONS[r][0] for r in claim.contest_reasons()],
        "display_rating": claim.display_rating,
        "settled": settled,
        "page_url": _page_of(request, f"{claim.version.get_absolute_url()}?claim={claim.pk}"),
    }
    if detail:
        out["verdicts"] = [_verdict_out(v) for v in claim.verdicts.all()]
        out["counterparts"] = [
            {
                "version_id": cp.version_id,
                "status": cp.status,
                "start": cp.start,
                "end": cp.end,
                "exact": cp.exact,
                "confidence": cp.confidence,
                "score": cp.score if math.isfinite(cp.score) else 0.0,
                "absent": cp.absent,
                "fact_differences": [d.get("text", "") for d in cp.fact_diffs],
                "states_different_facts": cp.states_different_facts,
            }
            for cp in claim.counterparts.all()
        ]
    return out


class SourceIn(Schema):
    url: str
    title: str = ""
    publisher: str = ""
    quote: str = ""
    stance: Literal["supports", "refutes", "context"] = "supports"


class VerdictIn(Schema):
    rating: Rating
    rationale: str = ""
    sources: list[SourceIn] = Field([], max_length=validation.MAX_SOURCES)
    revision: int | None = Field(
        None,
        ge=1,
        le=validation.MAX_INT32,
        description="The revision of your verdict you changed; null for a new verdict.",
    )


class SettleIn(Schema):
    rating: Rating
    note: str = ""
    revision: int = Field(..., ge=1, le=validation.MAX_INT32)


class ReopenIn(Schema):
    revision: int = Field(..., ge=1, le=validation.MAX_INT32)


# ---------------------------------------------------------------------------- stories


@api.get("/stories", response={200: StoryPage, **READ}, tags=["stories"])
def story_list(
    request,
    limit: int = Query(50, ge=1, le=MAX_PAGE),
    offset: int = Query(0, ge=0, le=validation.MAX_INT32),
):
    """The stories the user may see, most recently active first."""
    stories = _stories(request).order_by("-updated_at", "pk")
    return {
        "count": stories.count(),
        "limit": limit,
        "offset": offset,
        "items": [_story_out(request, s) for s in stories[offset : offset + limit]],
    }


@api.post("/stories", response={201: StoryOut, **WRITE}, tags=["stories"])
def story_create(request, payload: StoryIn):
    """Create a story (editors)."""
    _editor(request)
    form = StoryForm(data=payload.dict())
    if not form.is_valid():
        _refuse(422, _form_errors(form))
    story = form.save(commit=False)
    story.created_by = request.user
    story.save()
    form.save_m2m()
    return Status(201, _story_out(request, _stories(request).get(pk=story.pk)))


@api.get("/stories/{story_id}", response={200: StoryOut, **READ}, tags=["stories"])
def story_detail(request, story_id: int = Path(..., ge=1, le=validation.MAX_ID)):
    return _story_out(request, get_object_or_404(_stories(request), pk=story_id))


# ---------------------------------------------------------------------------- versions


@api.get(
    "/stories/{story_id}/versions", response={200: list[VersionOut], **READ}, tags=["versions"]
)
def version_list(request, story_id: int = Path(..., ge=1, le=validation.MAX_ID)):
    story = _story(request, story_id)
    return [
        _version_out(request, v) for v in story.versions.with_counts().order_by("created_at", "pk")
    ]


class ImportOut(Schema):
    id: int
    story_id: int
    kind: str = Field(
        description="version, or annotations (a file imported on the story's web page)"
    )
    label: str
    status: str = Field(description="queued, running, succeeded, failed or cancelled")
    stage: str
    progress: int = Field(description="Percent done")
    detail: str
    error: str = Field(description="Why it failed, in words for the editor")
    version_id: int | None = Field(description="The version stored, once it succeeded")
    url: str = Field(description="This job in the API: poll it until it ends")


def _import_out(request, job: ImportJob) -> dict:
    return {
        "id": job.pk,
        "story_id": job.story_id,
        "kind": job.kind,
        "label": job.label,
        "status": job.status,
        "stage": job.stage,
        "progress": job.progress,
        "detail": job.detail,
        "error": job.error,
        "version_id": job.version_id,
        "url": request.build_absolute_uri(f"/api/v1/imports/{job.pk}"),
    }


def version_import(*, story: Story, data: dict, user) -> ImportJob:
    """The API's one way to import a version: queued for the background worker, as on the
    story page (segmenting and aligning a long text takes far longer than a request)."""
    return import_jobs.job_create(story=story, created_by=user, **data)


@api.post("/stories/{story_id}/versions", response={202: ImportOut, **WRITE}, tags=["versions"])
def version_create(
    request, payload: VersionIn, story_id: int = Path(..., ge=1, le=validation.MAX_ID)
):
    """Import a version (editors): queued for the background worker, which stores, segments
    and aligns it with the story's others. Poll the returned job's ``url`` until its status
    is ``succeeded`` (its ``version_id`` is then set) or ``failed`` (``error`` says why).

    Refused at once (422) with the same messages as the import page: an empty or too long
    text, a label the story already has, the same text or label already being imported.
    """
    _editor(request)
    story = _story(request, story_id)
    data = payload.dict()
    data["published_on"] = data["published_on"].isoformat() if data["published_on"] else ""
    form = VersionImportForm(data=data)
    if not form.is_valid():
        _refuse(422, _form_errors(form))
    cleaned = form.cleaned_data
    fields = ("label", "outlet", "byline", "url", "published_on", "file_name", "source")
    try:
        job = version_import(story=story, data={f: cleaned[f] for f in fields}, user=request.user)
    except VersionImportError as exc:
        _refuse(422, str(exc))
    return Status(202, _import_out(request, job))


@api.get("/imports/{import_id}", response={200: ImportOut, **READ}, tags=["versions"])
def import_detail(request, import_id: int = Path(..., ge=1, le=validation.MAX_ID)):
    """An import: its status, stage and progress; the version once it succeeded."""
    job = get_object_or_404(
        ImportJob.objects.defer("source").filter(story__in=_stories(request)), pk=import_id
    )
    return _import_out(request, job)


@api.get("/versions/{version_id}", response={200: VersionDetailOut, **READ}, tags=["versions"])
def version_detail(request, version_id: int = Path(..., ge=1, le=validation.MAX_ID)):
    """A version with its text and blocks (headings, bylines, paragraphs…)."""
    version = _version(request, version_id)
    version = Version.objects.with_counts().get(pk=version.pk)
    return _version_out(request, version, text=True)


# ---------------------------------------------------------------------------- claims


@api.get("/versions/{version_id}/claims", response={200: list[ClaimOut], **READ}, tags=["claims"])
def claim_list(request, version_id: int = Path(..., ge=1, le=validation.MAX_ID)):
    """The version's claims in reading order."""
    version = _version(request, version_id)
    claims = version.claims.with_verdicts().order_by("start", "-end", "pk")
    return [_claim_out(request, c) for c in claims]


@api.post(
    "/versions/{version_id}/claims",
    response={200: ClaimDetailOut, 201: ClaimDetailOut, **WRITE},
    tags=["claims"],
)
def claim_create(
    request, payload: ClaimIn, version_id: int = Path(..., ge=1, le=validation.MAX_ID)
):
    """Mark a claim: 201 if new, 200 if these words are a claim already.

    Send ``start``, ``end`` (code points) and ``exact`` as a browser selection would, or
    ``quote``: words that occur exactly once in the text.
    """
    version = _version(request, version_id)
    try:
        if payload.quote is not None and payload.start is None:
            span = anchoring.find_unique(version.text, payload.quote)
            start, end, exact = span.start, span.end, version.text[span.start : span.end]
        elif None in (payload.start, payload.end, payload.exact):
            _refuse(422, "Send start, end and exact, or quote.")
        else:
            start, end, exact = payload.start, payload.end, payload.exact
        claim, created = reviewing.claim_create(
            version=version, user=request.user, start=start, end=end, exact=exact
        )
    except anchoring.SelectionError as exc:
        _refuse(422, str(exc))
    claim = Claim.objects.with_verdicts().get(pk=claim.pk)
    return Status(201 if created else 200, _claim_out(request, claim, detail=True))


@api.get("/claims/{claim_id}", response={200: ClaimDetailOut, **READ}, tags=["claims"])
def claim_detail(request, claim_id: int = Path(..., ge=1, le=validation.MAX_ID)):
    """A claim with its verdicts, their sources, and its counterparts in the other versions."""
    return _claim_out(request, _claim(request, claim_id), detail=True)


@api.get("/claims/{claim_id}/verdicts", response={200: list[VerdictOut], **READ}, tags=["verdicts"])
def verdict_list(request, claim_id: int = Path(..., ge=1, le=validation.MAX_ID)):
    return [_verdict_out(v) for v in _claim(request, claim_id).verdicts.all()]


@api.put("/claims/{claim_id}/verdict", response={200: VerdictOut, **WRITE}, tags=["verdicts"])
def verdict_save(
    request, payload: VerdictIn, claim_id: int = Path(..., ge=1, le=validation.MAX_ID)
):
    """Create or replace your verdict (rating, rationale, sources) on a claim.

    409 if your verdict changed since ``revision`` (or exists, when ``revision`` is null).
    """
    claim = _claim(request, claim_id)
    verdict = reviewing.verdict_save(
        claim=claim,
        user=request.user,
        rating=payload.rating.value,
        rationale=payload.rationale,
        sources=[s.dict() for s in payload.sources],
        revision=payload.revision,
    )
    verdict = (
        Verdict.objects.select_related("reviewer").prefetch_related("sources").get(pk=verdict.pk)
    )
    return _verdict_out(verdict)


class NoteOut(Schema):
    id: int
    claim_id: int
    author: UserOut
    text: str
    tags: list[str]
    created_at: datetime
    imported_author: str = Field(description="Who wrote it in the tool it was imported from")
    imported_created: datetime | None


class NoteIn(Schema):
    text: str = Field(description=f"At most {validation.MAX_CLAIM_NOTE:,} characters")


def _note_out(note) -> dict:
    return {
        "id": note.pk,
        "claim_id": note.claim_id,
        "author": _user(note.author),
        "text": note.text,
        "tags": list(note.tags),
        "created_at": note.created_at,
        "imported_author": note.imported_author,
        "imported_created": note.imported_created,
    }


@api.get("/claims/{claim_id}/notes", response={200: list[NoteOut], **READ}, tags=["notes"])
def note_list(request, claim_id: int = Path(..., ge=1, le=validation.MAX_ID)):
    """The claim's notes (its thread, apart from the verdicts), oldest first."""
    return [_note_out(n) for n in notes.notes_of(_claim(request, claim_id))]


@api.post("/claims/{claim_id}/notes", response={201: NoteOut, **WRITE}, tags=["notes"])
def note_create(request, payload: NoteIn, claim_id: int = Path(..., ge=1, le=validation.MAX_ID)):
    """Add a note to a claim (the story's members and editors)."""
    claim = _claim(request, claim_id)
    try:
        note = notes.note_add(claim=claim, user=request.user, text=payload.text)
    except notes.NotAllowed as exc:
        _refuse(403, str(exc))
    except Claim.DoesNotExist as exc:
        _refuse(409, str(exc))
    return Status(201, _note_out(note))


@api.post("/claims/{claim_id}/settle", response={200: ClaimOut, **WRITE}, tags=["claims"])
def claim_settle(request, payload: SettleIn, claim_id: int = Path(..., ge=1, le=validation.MAX_ID)):
    """Give a contested claim its final verdict (editors)."""
    claim = _claim(request, claim_id)
    _editor(request)
    reviewing.claim_settle(
        claim=claim,
        user=request.user,
        rating=payload.rating.value,
        note=payload.note,
        revision=payload.revision,
    )
    return _claim_out(request, _claim(request, claim_id))


@api.post("/claims/{claim_id}/reopen", response={200: ClaimOut, **WRITE}, tags=["claims"])
def claim_reopen(request, payload: ReopenIn, claim_id: int = Path(..., ge=1, le=validation.MAX_ID)):
    """Undo a settlement (editors)."""
    claim = _claim(request, claim_id)
    _editor(request)
    reviewing.claim_reopen(claim=claim, user=request.user, revision=payload.revision)
    return _claim_out(request, _claim(request, claim_id))


# ---------------------------------------------------------------------------- dashboard


class ReasonCount(Schema):
    reason: str
    label: str
    count: int


class SummaryOut(Schema):
    claims: int
    contested: int
    settled: int
    open: int
    one_version: int = Field(description="Claims another version does not state.")
    by_reason: list[ReasonCount]


class AgreementOut(Schema):
    alpha: float | None = Field(
        description="Krippendorff's alpha (ordinal); null if too little overlap."
    )
    claims: int
    reviewers: int


class VersionTally(Schema):
    version_id: int
    label: str
    total: int
    ratings: dict[str, int] = Field(description="Rating (or contested, unrated) -> claims.")


class EntryVerdict(Schema):
    reviewer: UserOut
    rating: Rating


class EntryOut(Schema):
    claim_id: int
    version_id: int
    number: int
    exact: str
    status: Literal["contested", "settled", "open"]
    reasons: list[Literal["facts", "reviewers", "cross"]]
    fact_differences: list[str]
    missing_from: list[int] = Field(description="Ids of the versions that do not state it.")
    verdicts: list[EntryVerdict]
    settled_rating: Rating | None


class DashboardOut(Schema):
    story_id: int
    revision: int
    summary: SummaryOut
    agreement: AgreementOut
    versions: list[VersionTally]
    claims: list[EntryOut]


@api.get("/stories/{story_id}/dashboard", response={200: DashboardOut, **READ}, tags=["dashboard"])
def story_dashboard(
    request,
    story_id: int = Path(..., ge=1, le=validation.MAX_ID),
    status: Literal["contested", "settled", "open"] | None = None,
    reason: Literal["facts", "reviewers", "cross", "one_version"] | None = None,
    version: int | None = Query(None, ge=1, le=validation.MAX_ID),
    reviewer: int | None = Query(None, ge=1, le=validation.MAX_ID),
):
    """The dashboard's data: counts, agreement, each version's claims by verdict, and the
    claims (filtered as on the page), most severely contested first."""
    story = _story(request, story_id)
    versions = list(story.versions.all())
    entries = dashboard.entries_for(dashboard.story_claims(story))
    summary = dashboard.summarise(entries)
    agreement = dashboard.agreement(entries)
    if agreement["alpha"] is not None and not math.isfinite(agreement["alpha"]):
        agreement["alpha"] = None
    shown = dashboard.filter_entries(
        entries, status=status, reason=reason, version=version, reviewer=reviewer
    )
    return {
        "story_id": story.pk,
        "revision": story.revision,
        "summary": {
            **{k: summary[k] for k in ("claims", "contested", "settled", "open", "one_version")},
            "by_reason": [
                {"reason": key, "label": label, "count": n}
                for key, label, n in summary["by_reason"]
            ],
        },
        "agreement": agreement,
        "versions": [
            {
                "version_id": row["version"].pk,
                "label": row["version"].label,
                "total": row["total"],
                "ratings": {s["key"]: s["n"] for s in row["segments"]},
            }
            for row in dashboard.verdict_chart(entries, versions)
        ],
        "claims": [
            {
                "claim_id": e.claim.pk,
                "version_id": e.claim.version_id,
                "number": e.claim.number,
                "exact": e.claim.exact,
                "status": e.status,
                "reasons": e.reasons,
                "fact_differences": e.fact_diffs,
                "missing_from": [v.pk for v in e.missing_from],
                "verdicts": [
                    {"reviewer": _user(v.reviewer), "rating": v.rating}
                    for v in e.claim.verdicts.all()
                ],
                "settled_rating": e.claim.settled_rating or None,
            }
            for e in shown
        ],
    }


# ---------------------------------------------------------------------------- publishing


class PublicationOut(Schema):
    story_id: int
    url: str
    live: bool
    published_at: datetime
    unpublished_at: datetime | None
    organisation: str


def _publication_out(request, publication) -> dict:
    return {
        "story_id": publication.story_id,
        "url": _page_of(request, publication.get_absolute_url()),
        "live": publication.is_live,
        "published_at": publication.published_at,
        "unpublished_at": publication.unpublished_at,
        "organisation": publication.organisation_name,
    }


@api.post(
    "/stories/{story_id}/publication", response={200: PublicationOut, **WRITE}, tags=["publishing"]
)
def story_publish(request, story_id: int = Path(..., ge=1, le=validation.MAX_ID)):
    """Publish the story's fact-check (editors). 409 if the organisation is not
    configured or no claim is settled; nothing is stored then."""
    _editor(request)
    story = _story(request, story_id)
    try:
        publication = publishing.publication_publish(story=story, user=request.user)
    except publishing.PublishError as exc:
        _refuse(409, str(exc))
    return _publication_out(request, publication)


@api.delete(
    "/stories/{story_id}/publication", response={200: PublicationOut, **WRITE}, tags=["publishing"]
)
def story_unpublish(request, story_id: int = Path(..., ge=1, le=validation.MAX_ID)):
    """Withdraw the public page (editors): it answers 410 Gone from now on."""
    _editor(request)
    story = _story(request, story_id)
    publication = publishing.publication_unpublish(story=story, user=request.user)
    if publication is None:
        _refuse(404, "This story's fact-check was never published.")
    return _publication_out(request, publication)


def urls():
    """The API's URL patterns, open to the login-required middleware: the API answers
    401 itself (a token, not a session)."""
    patterns, app_name, namespace = api.urls
    for pattern in patterns:
        pattern.callback.login_required = False
    return patterns, app_name, namespace
