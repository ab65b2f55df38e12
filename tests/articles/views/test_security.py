"""Every view against every role; XSS payloads; deploy checks; CSP; login throttling."""

import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings
from django.urls import reverse

from articles.models import Assignment, Counterpart, Verdict
from articles.ratings import Rating
from articles.reviewing import claim_create
from articles.versions import import_version
from tests.conftest import PASSWORD, span_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(original, rewritten, reviewer, reviewer2):
    start, end = span_of(original, "takes eighteen months")
    claim, _ = claim_create(
        version=original, user=reviewer, start=start, end=end, exact="takes eighteen months"
    )
    Verdict.objects.create(claim=claim, reviewer=reviewer2, rating=Rating.MIXED)
    assignment = Assignment.objects.create(version=original, claim=claim, assignee=reviewer)
    return {
        "assignment": assignment,
        "story": original.story,
        "original": original,
        "rewritten": rewritten,
        "claim": claim,
        "counterpart": Counterpart.objects.get(claim=claim),
    }


# (name, args from world, method) -> expected status for reviewer (member), outsider, editor.
# Anonymous users are always sent to the login page.
VIEWS = [
    ("articles:story_list", [], "get", 200, 200, 200),
    ("articles:story_create", [], "get", 403, 403, 200),
    ("articles:story_detail", ["story"], "get", 200, 404, 200),
    ("articles:story_dashboard", ["story"], "get", 200, 404, 200),
    ("articles:version_create", ["story"], "get", 403, 403, 200),
    ("articles:version_detail", ["original"], "get", 200, 404, 200),
    ("articles:version_live", ["original"], "get", 200, 404, 200),
    ("articles:version_blocks", ["original"], "get", 400, 404, 400),  # no window asked for
    ("articles:version_claims", ["original"], "get", 400, 404, 400),  # no claim to list after
    # The event stream: 204 (polling only) under the test client's WSGI.
    ("articles:version_events", ["original"], "get", 204, 404, 204),
    ("articles:version_compare", ["original", "rewritten"], "get", 200, 404, 200),
    ("articles:story_compare", ["story"], "get", 302, 404, 302),
    ("articles:link_correct", ["original", "rewritten"], "post", 403, 403, 302),
    ("articles:claim_create", ["original"], "post", 302, 404, 302),
    ("articles:claim_detail", ["claim"], "get", 302, 404, 302),
    ("articles:claim_verdicts", ["claim"], "get", 200, 404, 200),
    ("articles:claim_history", ["claim"], "get", 200, 404, 200),
    ("articles:claim_update", ["claim"], "post", 302, 404, 403),
    ("articles:claim_delete", ["claim"], "get", 403, 404, 200),
    ("articles:verdict_save", ["claim"], "post", 422, 404, 422),  # no rating: a form error
    ("articles:claim_notes", ["claim"], "post", 422, 404, 422),  # no text: a form error
    ("articles:counterpart_update", ["counterpart"], "post", 302, 404, 302),
    ("articles:claim_settle", ["claim"], "post", 403, 404, 302),
    # Workflow (issue #14).
    ("articles:story_assignments", ["story"], "get", 403, 404, 200),
    ("articles:assignment_update", ["assignment"], "post", 403, 404, 302),
    ("articles:my_queue", [], "get", 200, 200, 200),
    ("articles:search", [], "get", 200, 200, 200),
    ("articles:version_suggestions", ["original"], "get", 200, 404, 200),
    ("articles:suggestion_accept", ["original"], "post", 302, 404, 302),
    ("articles:suggestion_dismiss", ["original"], "post", 302, 404, 302),
    ("articles:presence_leave", ["original"], "post", 204, 404, 204),
    # The published fact-check and API tokens (issue #12).
    ("articles:story_publication", ["story"], "get", 403, 403, 200),
    ("articles:story_publication", ["story"], "post", 403, 403, 400),  # no action chosen
    ("articles:api_tokens", [], "get", 200, 200, 200),
]
# Open to anyone, logged in or not: the published fact-check (tests/articles/views/test_publication.py).
PUBLIC = {"publication_detail"}


def _url(world, name, args):
    return reverse(name, args=[world[a].pk for a in args])


@pytest.mark.parametrize("name, args, method, as_reviewer, as_outsider, as_editor", VIEWS)
def test_every_view_enforces_roles_on_the_server(
    client,
    world,
    reviewer,
    outsider,
    editor,
    name,
    args,
    method,
    as_reviewer,
    as_outsider,
    as_editor,
):
    url = _url(world, name, args)
    call = getattr(client, method)
    anonymous = call(url)
    assert anonymous.status_code == 302 and anonymous.url.startswith(reverse("login"))
    for user, expected in [(reviewer, as_reviewer), (outsider, as_outsider), (editor, as_editor)]:
        client.force_login(user)
        response = call(
            url, {"position": 0, "action": "settle", "revision": 1} if method == "post" else None
        )
        assert response.status_code == expected, (user.username, response.status_code)


def test_every_url_is_in_the_permission_table():
    from articles.urls import urlpatterns

    tested = {name.split(":")[1] for name, *_ in VIEWS}
    exports = {p.name for p in urlpatterns if p.name and ("export" in p.name or "import" in p.name)}
    assert {p.name for p in urlpatterns} - exports - PUBLIC <= tested


def test_only_the_published_page_is_open_without_login(client):
    from articles.urls import urlpatterns

    open_views = {
        p.name for p in urlpatterns if getattr(p.callback, "login_required", True) is False
    }
    assert open_views == PUBLIC


XSS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "<svg/onload=alert(1)>",
    "javascript:alert(1)",
    "';alert(String.fromCharCode(88,83,83))//",
    "<iframe src=javascript:alert(1)>",
]


@pytest.mark.parametrize("payload", XSS)
def test_user_text_never_becomes_markup_anywhere(client, editor, reviewer, story, payload):
    from articles.models import Story

    s = Story.objects.create(title=f"T {payload}", description=payload, created_by=editor)
    s.members.add(reviewer)
    text = f"Heading {payload}\n\nA sentence with {payload} inside it. Another sentence here."
    v = import_version(
        story=s, text=text, label=f"L {payload}", outlet=payload, byline=payload, created_by=editor
    )
    start = text.index("A sentence")
    claim, _ = claim_create(
        version=v, user=reviewer, start=start, end=start + 40, exact=text[start : start + 40]
    )
    client.force_login(reviewer)
    client.post(
        reverse("articles:verdict_save", args=[claim.pk]),
        {
            "rating": "mixed",
            "rationale": payload,
            "revision": "",
            "sources-TOTAL_FORMS": "1",
            "sources-INITIAL_FORMS": "0",
            "sources-0-url": "https://example.com/",
            "sources-0-title": payload,
            "sources-0-publisher": payload,
            "sources-0-quote": payload,
            "sources-0-stance": "supports",
        },
        HTTP_HX_REQUEST="true",
    )
    client.force_login(editor)
    pages = [
        reverse("articles:story_list"),
        s.get_absolute_url(),
        v.get_absolute_url() + f"?claim={claim.pk}",
        reverse("articles:story_dashboard", args=[s.pk]),
        reverse("articles:claim_history", args=[claim.pk]),
    ]
    for page in pages:
        html = client.get(page).text
        for dangerous in ("<script>alert", "<img src=x", "<svg/onload", "<iframe"):
            assert dangerous not in html, (page, dangerous)


def test_pages_carry_a_content_security_policy_without_inline_script(client, reviewer, original):
    client.force_login(reviewer)
    response = client.get(original.get_absolute_url())
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "<script>" not in response.text  # only <script src=...> files


def test_repeated_failed_logins_lock_the_account_for_that_address(client, reviewer):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": reviewer.username, "password": "wrong"})
    locked = client.post(reverse("login"), {"username": reviewer.username, "password": PASSWORD})
    assert locked.status_code == 429
    assert "Too many failed log-in attempts" in locked.text


def test_a_correct_password_logs_in(client, reviewer):
    response = client.post(reverse("login"), {"username": reviewer.username, "password": PASSWORD})
    assert response.status_code == 302 and response.url == reverse("articles:story_list")


def test_check_deploy_is_clean_with_production_settings():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "factcheck.settings",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "factcheck.example.org",
    }
    # Test-only settings from the environment do not belong in a deployment check.
    for key in (
        "SECURE_SSL_REDIRECT",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_HSTS_SECONDS",
        "DJANGO_ALLOW_ASYNC_UNSAFE",
    ):
        env.pop(key, None)
    result = subprocess.run(  # noqa: S603 -- fixed arguments
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_settings_refuse_to_start_without_a_secret_key():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "factcheck.settings", "DEBUG": "0"}
    env.pop("SECRET_KEY", None)
    result = subprocess.run(  # noqa: S603 -- fixed arguments
        [sys.executable, "manage.py", "check"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_a_lost_database_connection_answers_503_not_500(client, reviewer, original, monkeypatch):
    from django.db import OperationalError

    from articles import views

    def unreachable(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(views, "_reading_context", unreachable)
    client.force_login(reviewer)
    response = client.get(original.get_absolute_url())
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert "nothing was saved" in response.text
