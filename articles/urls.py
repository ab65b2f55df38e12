from django.urls import path

from articles import (
    account_views,
    export_views,
    import_views,
    live_push,
    note_views,
    publication_views,
    views,
    workflow_views,
)

app_name = "articles"

urlpatterns = [
    path("", views.story_list, name="story_list"),
    path("stories/new/", views.story_create, name="story_create"),
    path("stories/<int:pk>/", views.story_detail, name="story_detail"),
    path("stories/<int:pk>/versions/new/", views.version_create, name="version_create"),
    path("stories/<int:pk>/imports/", import_views.story_imports, name="story_imports"),
    path("imports/<int:pk>/cancel/", import_views.import_cancel, name="import_cancel"),
    path("imports/<int:pk>/dismiss/", import_views.import_dismiss, name="import_dismiss"),
    path("stories/<int:pk>/dashboard/", views.story_dashboard, name="story_dashboard"),
    path("stories/<int:pk>/compare/", views.story_compare, name="story_compare"),
    path(
        "versions/<int:pk>/compare/<int:other_pk>/", views.version_compare, name="version_compare"
    ),
    path("versions/<int:pk>/compare/<int:other_pk>/link/", views.link_correct, name="link_correct"),
    path("counterparts/<int:pk>/", views.counterpart_update, name="counterpart_update"),
    path("claims/<int:pk>/settle/", views.claim_settle, name="claim_settle"),
    path("claims/<int:pk>/history/", views.claim_history, name="claim_history"),
    path("versions/<int:pk>/", views.version_detail, name="version_detail"),
    path("versions/<int:pk>/live/", views.version_live, name="version_live"),
    path("versions/<int:pk>/blocks/", views.version_blocks, name="version_blocks"),
    path("versions/<int:pk>/claims/", views.version_claim_list, name="version_claims"),
    path("versions/<int:pk>/events/", live_push.version_events, name="version_events"),
    path("versions/<int:pk>/claims/new/", views.claim_create, name="claim_create"),
    path("claims/<int:pk>/", views.claim_detail, name="claim_detail"),
    path("claims/<int:pk>/verdicts/", views.claim_verdicts, name="claim_verdicts"),
    path("claims/<int:pk>/span/", views.claim_update, name="claim_update"),
    path("claims/<int:pk>/delete/", views.claim_delete, name="claim_delete"),
    path("claims/<int:pk>/verdict/", views.verdict_save, name="verdict_save"),
    path("claims/<int:pk>/notes/", note_views.claim_notes, name="claim_notes"),
    path(
        "stories/<int:pk>/export/summary.html",
        export_views.story_export_html,
        name="story_export_html",
    ),
    path(
        "stories/<int:pk>/export/claimreview.json",
        export_views.story_export_claimreview,
        name="story_export_claimreview",
    ),
    path(
        "stories/<int:pk>/export/annotations.jsonld",
        export_views.story_export_annotations,
        name="story_export_annotations",
    ),
    path(
        "stories/<int:pk>/export/claims.csv", export_views.story_export_csv, name="story_export_csv"
    ),
    path(
        "stories/<int:pk>/import/annotations/",
        export_views.story_import_annotations,
        name="story_import_annotations",
    ),
    path(
        "stories/<int:pk>/import/annotations/<int:import_pk>/",
        export_views.story_import_report_page,
        name="story_import_report_page",
    ),
    path(
        "stories/<int:pk>/import/annotations/<int:import_pk>/report.csv",
        export_views.story_import_report,
        name="story_import_report",
    ),
]

# Newsroom workflow (issue #14): assignments and queues, search, suggestions, presence.
urlpatterns += [
    path(
        "stories/<int:pk>/assignments/",
        workflow_views.story_assignments,
        name="story_assignments",
    ),
    path("assignments/<int:pk>/", workflow_views.assignment_update, name="assignment_update"),
    path("queue/", workflow_views.my_queue, name="my_queue"),
    path("search/", workflow_views.search, name="search"),
    path(
        "versions/<int:pk>/suggestions/",
        workflow_views.version_suggestions,
        name="version_suggestions",
    ),
    path(
        "versions/<int:pk>/suggestions/accept/",
        workflow_views.suggestion_accept,
        name="suggestion_accept",
    ),
    path(
        "versions/<int:pk>/suggestions/dismiss/",
        workflow_views.suggestion_dismiss,
        name="suggestion_dismiss",
    ),
    path("versions/<int:pk>/presence/leave/", workflow_views.presence_leave, name="presence_leave"),
]

# The published fact-check (issue #12): the editor's page, and the public page (no login).
urlpatterns += [
    path(
        "stories/<int:pk>/publication/",
        publication_views.story_publication,
        name="story_publication",
    ),
    path(
        "fact-checks/<slug:slug>/",
        publication_views.publication_detail,
        name="publication_detail",
    ),
    path("account/tokens/", account_views.api_tokens, name="api_tokens"),
]
