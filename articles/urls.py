from django.urls import path

from articles import views

app_name = "articles"

urlpatterns = [
    path("", views.story_list, name="story_list"),
    path("stories/new/", views.story_create, name="story_create"),
    path("stories/<int:pk>/", views.story_detail, name="story_detail"),
    path("stories/<int:pk>/versions/new/", views.version_create, name="version_create"),
    path("stories/<int:pk>/dashboard/", views.story_dashboard, name="story_dashboard"),
    path("versions/<int:pk>/compare/<int:other_pk>/", views.version_compare, name="version_compare"),
    path("versions/<int:pk>/compare/<int:other_pk>/link/", views.link_correct, name="link_correct"),
    path("counterparts/<int:pk>/", views.counterpart_update, name="counterpart_update"),
    path("claims/<int:pk>/settle/", views.claim_settle, name="claim_settle"),
    path("claims/<int:pk>/history/", views.claim_history, name="claim_history"),
    path("versions/<int:pk>/", views.version_detail, name="version_detail"),
    path("versions/<int:pk>/live/", views.version_live, name="version_live"),
    path("versions/<int:pk>/claims/new/", views.claim_create, name="claim_create"),
    path("claims/<int:pk>/", views.claim_detail, name="claim_detail"),
    path("claims/<int:pk>/verdicts/", views.claim_verdicts, name="claim_verdicts"),
    path("claims/<int:pk>/span/", views.claim_update, name="claim_update"),
    path("claims/<int:pk>/delete/", views.claim_delete, name="claim_delete"),
    path("claims/<int:pk>/verdict/", views.verdict_save, name="verdict_save"),
]
