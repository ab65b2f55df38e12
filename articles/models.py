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

    def with_counts(self):
        return self.annotate(
            version_count=Count("versions", distinct=True),
            claim_count=Count("versions__claims", distinct=True),
            settled_count=Count(
                "versions__claims",
                filter=Q(versions__claims__settled_at__isnull=False),
                distinct=True,
            ),
            # The stored status: counted in SQL, not judged claim by claim.
            contested_count=Count(
                "versions__claims",
                filter=Q(versions__claims__status=claim_status.CONTESTED),
                distinct=True,
            ),
        )


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
        """Record activity: open pages of this story refresh on their next poll."""
        Story.objects.filter(pk=self.pk).update(
            revision=F("revision") + 1, updated_at=timezone.now()
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
    ) -> Version:
        """Store text verbatim (normalised), segment it, and save blocks and sentences.

        Storage only: ``articles.versions.import_version`` also aligns the new version with
        the story's others, which is what users expect of an import.

        Raises VersionImportError with a message for the user if a field fails the checks
        of articles.validation (an empty text, NUL characters, a giant paragraph) or the
        text duplicates a version of the story.
        """
        from articles import validation

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
        # Lock the story row so two imports of the same text cannot both pass the check.
        Story.objects.select_for_update().filter(pk=story.pk).first()
        duplicate = story.versions.filter(text_sha256=digest).first()
        if duplicate:
            raise VersionImportError(f"This text is already in the story as “{duplicate.label}”.")
        if story.versions.filter(label=label).exists():
            raise VersionImportError(f"The story already has a version labelled “{label}”.")
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
        return reverse("articles:version_detail", args=[self.pk])


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
        return self.filter(version__story__in=Story.objects.visible_to(user))

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
        return self.select_related("created_by", "settled_by", "version").prefetch_related(
            Prefetch(
                "verdicts",
                queryset=Verdict.objects.select_related("reviewer")
                .prefetch_related("sources")
                .order_by("created_at"),
            ),
            Prefetch(
                "counterparts",
                queryset=Counterpart.objects.select_related("version", "confirmed_by"),
            ),
        )


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

    history = HistoricalRecords(excluded_fields=["status", "contest_codes"])
    objects = ClaimQuerySet.as_manager()

    class Meta:
        ordering = ["version", "start", "-end", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(start__lt=F("end")), name="claim_not_empty"),
            models.UniqueConstraint(fields=["version", "start", "end"], name="unique_claim_span"),
            models.UniqueConstraint(fields=["version", "number"], name="unique_claim_number"),
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

    history = HistoricalRecords()

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

    history = HistoricalRecords()

    class Meta:
        ordering = ["verdict", "created_at", "pk"]

    def __str__(self):
        return self.title or self.url


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
