from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from articles import claim_status
from articles.models import Block, Claim, ImportJob, Sentence, Source, Story, Verdict, Version


@admin.register(Story)
class StoryAdmin(admin.ModelAdmin):
    list_display = ["title", "created_by", "updated_at"]
    search_fields = ["title"]
    filter_horizontal = ["members"]
    readonly_fields = ["revision"]


@admin.register(Version)
class VersionAdmin(admin.ModelAdmin):
    list_display = ["label", "story", "outlet", "published_on", "created_at"]
    list_filter = ["story"]
    readonly_fields = ["text", "text_sha256", "segmenter"]


@admin.register(Claim)
class ClaimAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "version", "created_by", "settled_rating", "created_at"]
    list_filter = ["version__story", "settled_rating"]
    readonly_fields = ["start", "end", "exact", "prefix", "suffix", "revision", "status"]

    # The stored status follows every change, here as in the app (articles.claim_status).
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        claim_status.refresh([obj.pk])

    def delete_model(self, request, obj):
        span = (obj.version_id, obj.start, obj.end)
        super().delete_model(request, obj)
        claim_status.refresh([], spans=[span])

    def delete_queryset(self, request, queryset):
        spans = list(queryset.values_list("version_id", "start", "end"))
        super().delete_queryset(request, queryset)
        claim_status.refresh([], spans=spans)


class SourceInline(admin.TabularInline):
    model = Source
    extra = 0


@admin.register(Verdict)
class VerdictAdmin(SimpleHistoryAdmin):
    list_display = ["claim", "reviewer", "rating", "updated_at"]
    list_filter = ["rating"]
    inlines = [SourceInline]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        claim_status.refresh([obj.claim_id])

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        claim_status.refresh([obj.claim_id])

    def delete_queryset(self, request, queryset):
        claims = set(queryset.values_list("claim_id", flat=True))
        super().delete_queryset(request, queryset)
        claim_status.refresh(claims)


admin.site.register(Block)
admin.site.register(Sentence)


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = [
        "label", "kind", "story", "status", "stage", "progress", "attempts", "created_at"
    ]  # fmt: skip
    list_filter = ["kind", "status", "stage"]
    # The upload itself (up to 20 MB) is never loaded for the list or the form.
    exclude = ["source"]
    readonly_fields = [
        "version", "annotation_import", "task_id", "heartbeat_at", "attempts", "finished_at"
    ]  # fmt: skip

    def get_queryset(self, request):
        return super().get_queryset(request).defer("source")
