from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from articles import api
from articles.forms import LoginForm

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(authentication_form=LoginForm), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls()),
    path("", include("articles.urls")),
]

# A lost database connection is a 503 wherever it is raised, middleware included.
handler500 = "articles.middleware.server_error"
