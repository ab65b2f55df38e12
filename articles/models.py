"""Stories, their versions (segmented into blocks and sentences), claims, verdicts, sources."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Count, F, Prefetch, Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from articles import claim_status
from articles.claim_status import CROSS, FACTS, REASONS, REVIEWERS  # noqa: F401 (re-exported)
from articles.ratings import Rating
from articles.text import segmentation

EDITORS_GROUP = "Editors"
REVIEWERS_GROUP = "Reviewers"


def is_editor(user) -> bool:
    """Editors create stories, import versions and settle verdicts."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    cached = getattr(user, "_is_editor", None)
    if cached is None:
        cached = user.groups.filter(name=EDITORS_GROUP).exists()
        user._is_editor = cached
    return cached


class VersionImportError(ValueError):
    """A version's text cannot be imported; the message is shown to the user."""


# ---------------------------------------------------------------------------- stories


class StoryQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Editors see every story; reviewers see the stories they are members of."""
        if is_editor(user):
            return self
        return self.filter(members=user)

    def with_claim_counts(self):
        """Annotate claim_count, contested_count, settled_count and open_count (not settled),
        from the stored Claim.status, in the same query."""
        claims = "versions__claims"
        status = "versions__claims__status"
        return self.annotate(
            claim_count=Count(claims, distinct=True),
            contested_count=Count(
                claims, filter=Q(**{status: claim_status.CONTESTED}), distinct=True
            ),
            settled_count=Count(claims, filter=Q(**{status: claim_status.SETTLED}), distinct=True),
            open_count=Count(claims, filter=~Q(**{status: claim_status.SETTLED}), distinct=True),
        )

    def with_counts(self):
        """with_claim_counts() and version_count."""
        return self.with_claim_counts().annotate(version_count=Count("versions", distinct=True))


class Story(models.Model):
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="stories",
        blank=True,
        help_text="Reviewers who may read and annotate this story. Editors see every story.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(default=timezone.now)
    # Bumped by every change to the story's claims and verdicts; open pages poll it.
    revision = models.PositiveBigIntegerField(default=0)

    objects = StoryQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at"]
        verbose_name_plural = "stories"

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("articles:story_detail", args=[self.pk])

    def touch(self) -> None:
        """Record a change besides claims (a dismissed suggestion, a corrected link, a new
        version, assignments): the story's next revision, marking each version's suggestion
        list stale, so that open pages reload it (pushed at the commit on PostgreSQL)."""
        from articles import live  # it builds on these models

        with transaction.atomic():
            # The markers are written before the commit sends the notice.
            versions = Version.objects.filter(story_id=self.pk).order_by()
            live.bump(
                self.pk,
                vacated=[live.lists_changed(pk) for pk in versions.values_list("pk", flat=True)],
            )


# ---------------------------------------------------------------------------- versions


class VersionQuerySet(models.QuerySet):
    def with_counts(self):
        return self.annotate(
            sentence_count=Count("sentences", distinct=True),
            claim_count=Count("claims", distinct=True),
        )

    @transaction.atomic
    def create_from_text(
        self,
        *,
        story: Story,
        text: str,
        label: str,
        created_by,
        outlet: str = "",
        byline: str = "",
        url: str = "",
        published_on=None,
        blocks: list[segmentation.Block] | None = None,
        publish: bool = True,
    ) -> Version:
        """Store text verbatim (normalised), segment it, and save blocks and sentences.

        ``blocks`` is the text's segmentation when the caller already made it (an import
        job segments outside the transaction); it must come from ``segmentation.segment``
        on the normalised text.

        Storage only: ``articles.versions.import_version`` also aligns the new version with
        the story's others, which is what users expect of an import.

        Raises VersionImportError with a message for the user if a field fails the checks
        of articles.validation (an empty text, NUL characters, a giant paragraph) or the
        text duplicates a version of the story.

        It takes the story's structure lock and row lock and takes the story's next
        revision; with ``publish=False`` the caller (``versions.store_version``) has taken
        the structure lock already and locks the row and publishes at the end itself.
        """
        from articles import live, validation

        try:
            text = validation.version_text(segmentation.normalize(text))
            label = validation.single_line(
                label, what="The label", max_length=validation.MAX_LABEL, required=True
            )
            outlet = validation.single_line(
                outlet, what="The outlet", max_length=validation.MAX_OUTLET
            )
            byline = validation.single_line(
                byline, what="The byline", max_length=validation.MAX_BYLINE
            )
            url = validation.http_url(url, what="The URL", required=False)
        except ValidationError as exc:
            raise VersionImportError(" ".join(exc.messages)) from None
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        # The structure lock: two imports of the same text cannot both pass the check.
        if publish:
            live.lock_structure(story.pk)
            Story.objects.select_for_update().filter(pk=story.pk).first()
        duplicate = story.versions.filter(text_sha256=digest).first()
        if duplicate:
            raise VersionImportError(f"This text is already in the story as “{duplicate.label}”.")
        if story.versions.filter(label=label).exists():
            raise VersionImportError(f"The story already has a version labelled “{label}”.")
        if blocks is None:
            blocks = segmentation.segment(text)
        version = self.create(
            story=story,
            label=label,
            outlet=outlet,
            byline=byline,
            url=url,
            published_on=published_on,
            text=text,
            text_sha256=digest,
            segmenter=segmentation.BACKEND,
            created_by=created_by,
        )
        saved_blocks = Block.objects.bulk_create(
            Block(version=version, position=i, kind=b.kind, start=b.start, end=b.end)
            for i, b in enumerate(blocks)
        )
        position = 0
        sentences = []
        for block, saved in zip(blocks, saved_blocks, strict=True):
            for span in block.sentences:
                sentences.append(
                    Sentence(
                        version=version,
                        block=saved,
                        position=position,
                        start=span.start,
                        end=span.end,
                    )
                )
                position += 1
        Sentence.objects.bulk_create(sentences)
        if publish:
            story.touch()
        return version


class Version(models.Model):
    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="versions")
    label = models.CharField(max_length=120, help_text="For example “Original report”.")
    outlet = models.CharField(max_length=120, blank=True)
    byline = models.CharField(max_length=200, blank=True)
    url = models.URLField(max_length=2000, blank=True)
    published_on = models.DateField(null=True, blank=True)
    text = models.TextField()
    text_sha256 = models.CharField(max_length=64, editable=False)
    segmenter = models.CharField(max_length=80, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = VersionQuerySet.as_manager()

    class Meta:
        ordering = ["story", "created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["story", "text_sha256"], name="unique_version_text_per_story"
            ),
            models.UniqueConstraint(fields=["story", "label"], name="unique_version_label"),
        ]

    def __str__(self):
        return f"{self.story}: {self.label}"

    def get_absolute_url(self):
        # Kept on the instance: a page of claims links to its few versions hundreds of times.
        if self.pk is None:
            return reverse("articles:version_detail", args=[self.pk])
        url = self.__dict__.get("_url_for")
        if url is None or url[0] != self.pk:
            url = self.__dict__["_url_for"] = (
                self.pk,
                reverse("articles:version_detail", args=[self.pk]),
            )
        return url[1]


class ImportJob(models.Model):
    """A version, or a file of annotations, being imported in the background
    (articles/import_jobs.py runs it).

    The upload is kept here until the job ends; nothing of it is stored before the job's
    last stage, which writes it in one transaction.
    """

    class Kind(models.TextChoices):
        VERSION = "version", "A version"
        ANNOTATIONS = "annotations", "Annotations"

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting for the worker"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Imported"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    class Stage(models.TextChoices):
        QUEUED = "queued", "Waiting"
        READING = "reading", "Reading the annotations"
        PLACING = "placing", "Placing them in the versions"
        EXTRACTING = "extracting", "Extracting the text"
        SEGMENTING = "segmenting", "Segmenting into sentences"
        ALIGNING = "aligning", "Aligning with each other version"
        PROPOSING = "proposing", "Proposing counterparts"
        DONE = "done", "Done"

    ACTIVE = (Status.QUEUED, Status.RUNNING)
    # The stages shown for each kind, in order.
    STAGES = {
        Kind.VERSION: (Stage.EXTRACTING, Stage.SEGMENTING, Stage.ALIGNING, Stage.PROPOSING),
        Kind.ANNOTATIONS: (Stage.READING, Stage.PLACING, Stage.PROPOSING),
    }

    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="import_jobs")
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.VERSION)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    label = models.CharField(max_length=120)
    outlet = models.CharField(max_length=120, blank=True)
    byline = models.CharField(max_length=200, blank=True)
    url = models.URLField(max_length=2000, blank=True)
    published_on = models.DateField(null=True, blank=True)
    # The uploaded file's name ("" for pasted text) and its bytes (pasted text: UTF-8).
    # An annotation job's label is its file's name.
    file_name = models.CharField(max_length=255, blank=True)
    source = models.BinaryField(editable=False)
    source_sha256 = models.CharField(max_length=64, editable=False)
    source_size = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    stage = models.CharField(max_length=12, choices=Stage.choices, default=Stage.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent done.")
    detail = models.CharField(max_length=300, blank=True)
    error = models.TextField(blank=True, help_text="Why it failed, in words for the editor.")
    cancel_requested = models.BooleanField(default=False)
    # Each run of the job takes the next attempt number; a run whose number is no longer
    # the job's (the job was given to another worker) stores nothing.
    attempts = models.PositiveSmallIntegerField(default=0)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    version = models.ForeignKey(
        Version, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    sentence_count = models.PositiveIntegerField(null=True, blank=True)
    # Annotations: this installation's address, to recognise its own pages in the file
    # (the worker has no request), and the report once stored.
    site = models.CharField(max_length=200, blank=True)
    annotation_import = models.ForeignKey(
        "AnnotationImport", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    dismissed = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            # The same file twice at once, or two imports under one label: the second
            # is refused by the database, whatever the timing.
            models.UniqueConstraint(
                fields=["story", "source_sha256"],
                condition=Q(status__in=["queued", "running"]),
                name="one_active_import_per_file",
            ),
            models.UniqueConstraint(
                fields=["story", "label"],
                condition=Q(status__in=["queued", "running"], kind="version"),
                name="one_active_import_per_label",
            ),
            models.CheckConstraint(condition=Q(progress__lte=100), name="import_progress_max"),
        ]
        indexes = [models.Index(fields=["status", "heartbeat_at"])]

    def __str__(self):
        return f"{self.story}: import of {self.label} ({self.status})"

    @property
    def active(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def stages(self) -> list[tuple[str, str, str]]:
        """(value, label, state) for each stage shown: state is done, current or todo."""
        shown = self.STAGES[self.kind]
        order = [s.value for s in ImportJob.Stage]
        here = order.index(self.stage)
        out = []
        for stage in shown:
            at = order.index(stage.value)
            state = "done" if at < here else "current" if at == here else "todo"
            out.append((stage.value, stage.label, state))
        return out


class Block(models.Model):
    KIND_CHOICES = [(k, k.capitalize()) for k in segmentation.BLOCK_KINDS]

    version = models.ForeignKey(Version, on_delete=models.CASCADE, related_name="blocks")
    position = models.PositiveIntegerField()
    kind = models.CharField(max_length=20, choices=KIND_CHOICES)
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()

    class Meta:
        ordering = ["version", "position"]
        constraints = [
            models.CheckConstraint(condition=Q(start__lt=F("end")), name="block_not_empty"),
            models.UniqueConstraint(fields=["version", "position"], name="unique_block_position"),
        ]

    def __str__(self):
        return f"{self.kind} {self.start}-{self.end}"


class Sentence(models.Model):
    version = models.ForeignKey(Version, on_delete=models.CASCADE, related_name="sentences")
    block = models.ForeignKey(Block, on_delete=models.CASCADE, related_name="sentences")
    position = models.PositiveIntegerField()
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()

    class Meta:
        ordering = ["version", "position"]
        constraints = [
            models.CheckConstraint(condition=Q(start__lt=F("end")), name="sentence_not_empty"),
            models.UniqueConstraint(
                fields=["version", "position"], name="unique_sentence_position"
            ),
        ]

    def __str__(self):
        return f"sentence {self.position} {self.start}-{self.end}"


# ---------------------------------------------------------------------------- claims

# Why a claim is contested (FACTS, REVIEWERS, CROSS -> label, weight): articles.claim_status.


class ClaimQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Claims of the stories the user can see (``StoryQuerySet.visible_to``)."""
        if is_editor(user):
            return self.all()
        # A join, not a subquery of stories: a member is in a story's members once.
        return self.filter(version__story__members=user)

    def contested(self):
        """Open claims contested for a reason of REASONS (stored ``status``; indexed)."""
        return self.filter(status=claim_status.CONTESTED)

    def settled(self):
        return self.filter(status=claim_status.SETTLED)

    def open(self):
        """Claims not settled: contested, reviewed or unreviewed."""
        return self.exclude(status=claim_status.SETTLED)

    def contested_for(self, reason: str):
        """Claims (settled ones too) contested for this reason of REASONS."""
        return self.filter(contest_codes__contains=reason)

    def with_verdicts(self):
        """With verdicts (and their sources) and counterparts: what a claim's panel shows.
        The versions come without their texts (megabytes each, for a long text; a text is
        still read if asked for)."""
        claims = self.select_related("created_by", "settled_by", "version")
        return claims.defer("version__text").prefetch_related(*panel_prefetches())

    def with_marks(self):
        """With what a claim's mark in the text and its list item show (its status,
        templates/articles/_status.html): its verdicts' ratings and the versions it is
        missing from; not the verdicts' sources, reviewers or texts, nor the counterparts'
        candidates."""
        return self.prefetch_related(
            Prefetch(
                "verdicts",
                queryset=Verdict.objects.order_by("created_at").only("id", "claim_id", "rating"),
            ),
            Prefetch(
                "counterparts",
                # Within a claim, as its Meta: by version (the story's: by age, then id).
                queryset=Counterpart.objects.select_related("version")
                .only("id", "claim_id", "version_id", "start", "status", "version__label")
                .order_by("version__created_at", "version_id"),
            ),
        )


def panel_prefetches() -> list[Prefetch]:
    """The claim's verdicts (by age, with their reviewers and sources) and counterparts
    (with their versions, without texts), as ``with_verdicts`` loads them; for
    ``prefetch_related_objects`` on a claim already loaded.

    Ordered explicitly: the models' default orderings go through their claim, its version
    and its story, four tables joined for an order that is the same within one claim.
    """
    sources = Source.objects.order_by("created_at", "pk")  # within a verdict, as its Meta
    return [
        Prefetch(
            "verdicts",
            queryset=Verdict.objects.select_related("reviewer")
            .prefetch_related(Prefetch("sources", queryset=sources))
            .order_by("created_at"),
        ),
        Prefetch(
            "counterparts",
            # Within a claim, as its Meta: by version (the story's: by age, then id).
            queryset=Counterpart.objects.select_related("version", "confirmed_by")
            .defer("version__text")
            .order_by("version__created_at", "version_id"),
        ),
    ]


class Claim(models.Model):
    version = models.ForeignKey(Version, on_delete=models.CASCADE, related_name="claims")
    # Shown on highlights and in lists ("#3"); numbered per version, never reused.
    number = models.PositiveIntegerField()
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    # W3C TextQuoteSelector: lets the claim be re-anchored if the text is re-imported.
    exact = models.TextField()
    prefix = models.CharField(max_length=64, blank=True)
    suffix = models.CharField(max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="claims"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Optimistic concurrency: a save must name the revision it was based on.
    revision = models.PositiveIntegerField(default=1)
    # The story revisions at which the claim was created and last changed (its span, its
    # verdicts, its counterparts, its settlement): a live poll sends what changed since
    # the revision the page shows (articles/live.py).
    created_revision = models.PositiveBigIntegerField(default=0, editable=False)
    changed_revision = models.PositiveBigIntegerField(default=0, editable=False)

    settled_rating = models.CharField(max_length=30, choices=Rating.choices, blank=True)
    settled_note = models.TextField(blank=True)
    settled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    settled_at = models.DateTimeField(null=True, blank=True)
    # Tags given to the claim's words in another tool (Hypothesis, a W3C tagging body).
    tags = models.JSONField(default=list, blank=True)
    # Imported from an annotation file: its creator as the file names them, and when they
    # made it there (created_by is who it is attributed to here, created_at when it arrived).
    imported_by_name = models.CharField(max_length=200, blank=True)
    imported_created = models.DateTimeField(null=True, blank=True)

    # Derived, stored so lists, counts and search filter in SQL; kept up to date by
    # articles.claim_status in the transaction of every write that changes them.
    status = models.CharField(
        max_length=10,
        choices=claim_status.STATUS_CHOICES,
        default=claim_status.UNREVIEWED,
        db_index=True,
        editable=False,
        help_text="settled, contested, reviewed or unreviewed",
    )
    # Why it is (or was, if settled) contested: codes of REASONS, comma-separated.
    contest_codes = models.CharField(max_length=40, blank=True, default="", editable=False)
    # Search keys: its verdicts' ratings and reviewers (" rating:mixed reviewer:7 "), so a
    # search by rating or reviewer filters claims without reading every verdict.
    verdict_keys = models.TextField(blank=True, default="", editable=False)

    history = HistoricalRecords(excluded_fields=["status", "contest_codes", "verdict_keys"])
    objects = ClaimQuerySet.as_manager()

    class Meta:
        ordering = ["version", "start", "-end", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(start__lt=F("end")), name="claim_not_empty"),
            models.UniqueConstraint(fields=["version", "start", "end"], name="unique_claim_span"),
            models.UniqueConstraint(fields=["version", "number"], name="unique_claim_number"),
        ]
        indexes = [
            models.Index(fields=["version", "changed_revision"], name="claim_changed_since"),
            # The reading order: a page of the claim list reads only its rows.
            models.Index(fields=["version", "start", "-end", "id"], name="claim_reading_order"),
        ]

    def __str__(self):
        return f"Claim {self.pk}: {self.exact[:60]}"

    def get_absolute_url(self):
        return reverse("articles:claim_detail", args=[self.pk])

    @property
    def is_settled(self) -> bool:
        return self.settled_at is not None

    def ratings(self) -> list[str]:
        return [v.rating for v in self.verdicts.all()]

    @property
    def reviewers_disagree(self) -> bool:
        return claim_status.ratings_disagree(self.ratings())

    def contest_reasons(self, counterpart_claims: list[Claim] | None = None) -> list[str]:
        """Why the claim is contested (empty if it is not), computed from prefetched
        counterparts and verdicts; the stored ``reason_codes`` are the same, kept up to date.

        Contested: the versions state different facts (a confirmed counterpart, or a strong
        proposed one, with fact differences), the reviewers disagree, or a counterpart claim
        got a different verdict. ``counterpart_claims`` are the claims in other versions
        that cover the counterparts; None leaves that reason out. A claim found in one
        version only is not contested: see ``only_in`` and the dashboard's own list.
        """
        return claim_status.reasons(
            facts=any(cp.states_different_facts for cp in self.counterparts.all()),
            ratings=self.ratings(),
            mine=self.display_rating if counterpart_claims else None,
            theirs=[other.display_rating for other in counterpart_claims or []],
        )

    @property
    def reason_codes(self) -> list[str]:
        """The stored contest reasons (codes of REASONS); kept after settling."""
        return self.contest_codes.split(",") if self.contest_codes else []

    @property
    def missing_from(self) -> list[Version]:
        """The other versions that do not state this claim (confirmed, or nothing similar found)."""
        return [cp.version for cp in self.counterparts.all() if cp.absent]

    @property
    def contest_summary(self) -> str:
        """Why the claim is contested, in words (empty if it is not)."""
        return "; ".join(REASONS[r][0] for r in self.reason_codes)

    @property
    def display_rating(self) -> str | None:
        """The rating that colours the claim: the final verdict, or the reviewers' median."""
        return claim_status.display_rating(self.settled_rating, self.ratings())

    def deletable_by(self, user) -> bool:
        """Editors may delete any claim; its author only while no one else judged it."""
        if is_editor(user):
            return True
        if self.created_by_id != user.pk:
            return False
        return not any(v.reviewer_id != user.pk for v in self.verdicts.all())


class VacatedSpan(models.Model):
    """Words a claim left, moved or deleted, at a story revision: open pages redraw them."""

    version = models.ForeignKey(Version, on_delete=models.CASCADE, related_name="+")
    claim_id = models.PositiveBigIntegerField()
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    revision = models.PositiveBigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["version", "revision"], name="vacated_since")]

    def __str__(self):
        return f"claim {self.claim_id} left {self.start}-{self.end} at revision {self.revision}"


class Verdict(models.Model):
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="verdicts")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="verdicts"
    )
    rating = models.CharField(max_length=30, choices=Rating.choices)
    rationale = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    revision = models.PositiveIntegerField(default=1)
    # Imported from an annotation file: see Claim.imported_by_name.
    imported_by_name = models.CharField(max_length=200, blank=True)
    imported_created = models.DateTimeField(null=True, blank=True)
    # Search keys copied from the claim, so search filters rationales by story and status
    # without a join; articles.claim_status keeps them in step with the claim.
    story = models.ForeignKey(
        Story, on_delete=models.CASCADE, null=True, blank=True, related_name="+", editable=False
    )
    claim_status = models.CharField(
        max_length=10, blank=True, default="", editable=False, db_index=True
    )

    history = HistoricalRecords(excluded_fields=["story", "claim_status"])

    class Meta:
        ordering = ["claim", "created_at"]
        constraints = [
            models.UniqueConstraint(fields=["claim", "reviewer"], name="one_verdict_per_reviewer"),
        ]
        # Search filters claims by a rating or reviewer of their verdicts (index-only).
        indexes = [
            models.Index(fields=["rating", "claim"], name="verdict_rating_claim"),
            models.Index(fields=["reviewer", "claim"], name="verdict_reviewer_claim"),
        ]

    def __str__(self):
        return f"{self.reviewer}: {self.get_rating_display()} on claim {self.claim_id}"


class Source(models.Model):
    class Stance(models.TextChoices):
        SUPPORTS = "supports", "Supports the claim"
        REFUTES = "refutes", "Refutes the claim"
        CONTEXT = "context", "Context"

    verdict = models.ForeignKey(Verdict, on_delete=models.CASCADE, related_name="sources")
    url = models.URLField(max_length=2000)
    title = models.CharField(max_length=300, blank=True)
    publisher = models.CharField(max_length=200, blank=True)
    quote = models.TextField(blank=True, help_text="The passage that supports or refutes.")
    stance = models.CharField(max_length=10, choices=Stance.choices, default=Stance.SUPPORTS)
    created_at = models.DateTimeField(auto_now_add=True)
    # Search keys copied from the verdict and its claim (see Verdict.story): search filters
    # sources by story, status, rating and reviewer without a join.
    story = models.ForeignKey(
        Story, on_delete=models.CASCADE, null=True, blank=True, related_name="+", editable=False
    )
    claim_status = models.CharField(
        max_length=10, blank=True, default="", editable=False, db_index=True
    )
    rating = models.CharField(max_length=30, blank=True, default="", editable=False)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        db_index=False,
    )

    history = HistoricalRecords(excluded_fields=["story", "claim_status", "rating", "reviewer"])

    class Meta:
        ordering = ["verdict", "created_at", "pk"]

    def __str__(self):
        return self.title or self.url


class Note(models.Model):
    """A short note on a claim, apart from the verdicts; a claim's notes are its thread.

    Imported notes (a Hypothesis comment, a W3C "commenting" annotation) keep who wrote
    them there and when, and the annotation's id, so importing a file twice adds nothing.
    """

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="notes"
    )
    text = models.TextField()  # at most validation.MAX_CLAIM_NOTE characters
    tags = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    imported_author = models.CharField(max_length=200, blank=True)
    imported_created = models.DateTimeField(null=True, blank=True)
    source_annotation = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["claim", "created_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="note_not_empty"),
        ]

    def __str__(self):
        return f"Note on claim {self.claim_id}: {self.text[:60]}"

    @property
    def written_at(self):
        """When it was written: in the other tool for an imported note."""
        return self.imported_created or self.created_at


class AnnotationImport(models.Model):
    """One imported annotation file and what became of each annotation in it (the report)."""

    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="annotation_imports")
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    file_name = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # {"claims_created": n, ...}: see webannotation.ImportReport
    counts = models.JSONField(default=dict)
    # One per annotation, in file order: {"n", "id", "what", "outcome", "reason"}.
    rows = models.JSONField(default=list)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"import {self.pk} into story {self.story_id}"


# ---------------------------------------------------------------------------- comparison


class SentenceLink(models.Model):
    """Aligned sentences of two versions: 1-1, 1-2, 2-1, or one side with no counterpart.

    Sentences are named by position. ``left_version`` is always the lower pk of the pair.
    Automatic links are recomputed on import; manual ones (an editor's correction) survive.
    """

    left_version = models.ForeignKey(Version, on_delete=models.CASCADE, related_name="+")
    right_version = models.ForeignKey(Version, on_delete=models.CASCADE, related_name="+")
    left_start = models.PositiveIntegerField(null=True, blank=True)
    left_count = models.PositiveSmallIntegerField(default=1)
    right_start = models.PositiveIntegerField(null=True, blank=True)
    right_count = models.PositiveSmallIntegerField(default=1)
    score = models.FloatField(default=0)
    manual = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["left_version", "right_version", "left_start", "right_start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(left_count__gt=0) | Q(right_count__gt=0), name="link_has_a_side"
            ),
            models.CheckConstraint(
                condition=Q(left_version__lt=F("right_version")), name="link_versions_ordered"
            ),
        ]

    def __str__(self):
        return f"{self.left_positions()} ↔ {self.right_positions()} ({self.score:.2f})"

    def left_positions(self) -> list[int]:
        if self.left_start is None:
            return []
        return list(range(self.left_start, self.left_start + self.left_count))

    def right_positions(self) -> list[int]:
        if self.right_start is None:
            return []
        return list(range(self.right_start, self.right_start + self.right_count))


class Counterpart(models.Model):
    """Where a claim's words stand in another version of the story, or that they do not.

    ``candidates`` holds up to three ranked suggestions (span, score, confidence, fact
    differences). A strong one is proposed as the counterpart (its span is copied to
    start/end); weaker ones are only suggested until a reviewer chooses.
    """

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Proposed: a strong match"
        SUGGESTED = "suggested", "Suggestions only: no strong match"
        NOT_FOUND = "not_found", "Nothing similar found"
        CONFIRMED = "confirmed", "Confirmed by a reviewer"

    class Confidence(models.TextChoices):
        STRONG = "strong", "Strong"
        POSSIBLE = "possible", "Possible"
        WEAK = "weak", "Weak"

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="counterparts")
    version = models.ForeignKey(Version, on_delete=models.CASCADE, related_name="+")
    # None: no counterpart chosen (see status: suggested, not found, or confirmed absent).
    start = models.PositiveIntegerField(null=True, blank=True)
    end = models.PositiveIntegerField(null=True, blank=True)
    exact = models.TextField(blank=True)
    score = models.FloatField(default=0)
    confidence = models.CharField(max_length=10, choices=Confidence.choices, blank=True)
    # [{"kind": ..., "left": ..., "right": ..., "text": "number: 2,000 vs 20,000"}]
    fact_diffs = models.JSONField(default=list, blank=True)
    # [{"start", "end", "exact", "score", "confidence", "via", "fact_diffs"}], best first.
    candidates = models.JSONField(default=list, blank=True)
    # The similarity measure behind the candidates, shown to the reviewer.
    backend = models.CharField(max_length=80, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PROPOSED)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Optimistic concurrency: a reviewer's decision names the revision it was made on.
    revision = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    class Meta:
        ordering = ["claim", "version"]
        constraints = [
            models.UniqueConstraint(
                fields=["claim", "version"], name="one_counterpart_per_version"
            ),
            models.CheckConstraint(
                condition=(Q(start__isnull=True) & Q(end__isnull=True)) | Q(start__lt=F("end")),
                name="counterpart_span_valid",
            ),
        ]

    def __str__(self):
        return f"Counterpart of claim {self.claim_id} in version {self.version_id}"

    @property
    def chosen(self) -> bool:
        """A span stands as the counterpart: proposed (strong) or confirmed."""
        return self.start is not None

    @property
    def absent(self) -> bool:
        """The claim is not in that version: a reviewer said so, or nothing similar exists."""
        return self.start is None and self.status in (
            self.Status.CONFIRMED,
            self.Status.NOT_FOUND,
        )

    @property
    def undecided(self) -> bool:
        return self.start is None and self.status == self.Status.SUGGESTED

    @property
    def states_different_facts(self) -> bool:
        """A chosen counterpart whose facts differ materially (see ``factdiff.material``)."""
        return claim_status.states_different_facts(self.start, self.fact_diffs)


# ---------------------------------------------------------------------------- workflow


class Assignment(models.Model):
    """A reviewer asked to judge one claim, or every claim of a version (``claim`` empty)."""

    version = models.ForeignKey(Version, on_delete=models.CASCADE, related_name="assignments")
    claim = models.ForeignKey(
        Claim, on_delete=models.CASCADE, null=True, blank=True, related_name="assignments"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assignments"
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    due_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Optimistic concurrency: a reassignment names the revision it was based on.
    revision = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    class Meta:
        ordering = ["version", "claim", "assignee"]
        constraints = [
            models.UniqueConstraint(
                fields=["claim", "assignee"],
                condition=Q(claim__isnull=False),
                name="one_assignment_per_claim_and_reviewer",
            ),
            models.UniqueConstraint(
                fields=["version", "assignee"],
                condition=Q(claim__isnull=True),
                name="one_version_assignment_per_reviewer",
            ),
        ]

    def __str__(self):
        target = f"claim {self.claim_id}" if self.claim_id else f"version {self.version_id}"
        return f"{target} → {self.assignee}"


class SuggestionDismissal(models.Model):
    """A suggested claim someone decided not to mark, and why; hidden for everyone."""

    class Reason(models.TextChoices):
        NOT_CHECKABLE = "not_checkable", "Not checkable (opinion, prediction)"
        NOT_WORTH = "not_worth", "Not worth checking"
        COVERED = "covered", "Covered by another claim"
        NOT_A_CLAIM = "not_a_claim", "Not a claim (heading, caption, quote fragment)"

    version = models.ForeignKey(
        Version, on_delete=models.CASCADE, related_name="suggestion_dismissals"
    )
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    reason = models.CharField(max_length=20, choices=Reason.choices)
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["version", "start"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "start", "end"], name="one_dismissal_per_suggestion"
            ),
        ]

    def __str__(self):
        return f"dismissed {self.start}-{self.end} ({self.reason})"


class Presence(models.Model):
    """Someone has a version open now: one row per open page, gone when it stops polling."""

    version = models.ForeignKey(Version, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # A random id per page load: one person may have the version open in two tabs.
    tab = models.CharField(max_length=32)
    claim = models.ForeignKey(
        Claim, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    seen_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["version", "user", "tab"], name="one_presence_per_tab")
        ]

    def __str__(self):
        return f"{self.user} on version {self.version_id}"


# ---------------------------------------------------------------------------- publishing


class PublicationQuerySet(models.QuerySet):
    def live(self):
        """Publications whose public page is up (published, not withdrawn)."""
        return self.filter(published_at__isnull=False, unpublished_at__isnull=True)


class Publication(models.Model):
    """A story's fact-check on a public, read-only page at a stable address.

    One row per story, kept when the page is withdrawn: publishing again reuses the slug,
    so the address never changes. Each publish and unpublish is recorded in the history.
    The organisation's name, URL and logo are copied from the settings when publishing,
    so the page and its ClaimReview markup name who published it, whatever the settings
    say later.
    """

    story = models.OneToOneField(Story, on_delete=models.CASCADE, related_name="publication")
    slug = models.SlugField(max_length=80, unique=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField()
    unpublished_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    unpublished_at = models.DateTimeField(null=True, blank=True)
    organisation_name = models.CharField(max_length=200)
    organisation_url = models.URLField(max_length=2000)
    organisation_logo = models.CharField(max_length=2000)

    history = HistoricalRecords()
    objects = PublicationQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(unpublished_at__isnull=True) | Q(unpublished_by__isnull=False),
                name="publication_unpublished_by_someone",
            ),
        ]

    def __str__(self):
        return f"{self.story} at {self.slug}"

    def get_absolute_url(self):
        return reverse("articles:publication_detail", args=[self.slug])

    @property
    def is_live(self) -> bool:
        return self.unpublished_at is None


# ---------------------------------------------------------------------------- API tokens


class ApiTokenQuerySet(models.QuerySet):
    def for_key(self, key: str):
        """The active token whose key this is, with its user, or None."""
        if not key.startswith(ApiToken.PREFIX) or len(key) > 200:
            return None
        return (
            self.select_related("user")
            .filter(key_hash=ApiToken.hash_key(key), user__is_active=True)
            .first()
        )


class ApiToken(models.Model):
    """A key a script sends as ``Authorization: Bearer <key>`` to act as its user.

    Only a SHA-256 of the key is stored (the key is 256 random bits, so a fast hash is
    enough); the key is shown once, when it is created. ``hint`` is its first characters,
    to tell tokens apart in a list.
    """

    PREFIX = "fct_"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    hint = models.CharField(max_length=12, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["user", "-created_at"]

    def __str__(self):
        return f"{self.name} ({self.hint}…)"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode("utf-8")).hexdigest()

    @classmethod
    def issue(cls, *, user, name: str) -> tuple[ApiToken, str]:
        """Create a token for the user; return it and its key (shown once, never stored)."""
        import secrets

        key = cls.PREFIX + secrets.token_urlsafe(32)
        token = cls.objects.create(
            user=user, name=name, key_hash=cls.hash_key(key), hint=key[: len(cls.PREFIX) + 6]
        )
        return token, key
