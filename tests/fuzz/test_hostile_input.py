"""The hostile-input corpus of issue #16: one case per reported failure, each a 500 (or
a wrong answer) before its fix. Item numbers are the issue's."""

import json
import time

import pytest
from django.contrib.messages import get_messages
from django.db import OperationalError
from django.test import Client
from django.urls import reverse

from articles.models import Claim, Source, Story, Verdict, Version
from articles.ratings import Rating
from tests.conftest import PASSWORD, run_queued_tasks

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
CONTEXT = "http://www.w3.org/ns/anno.jsonld"


def import_version(client, story, text, label="Another"):
    return client.post(
        reverse("articles:version_create", args=[story.pk]), {"label": label, "text": text}
    )


def sentences(n_chars: int, seed: str) -> str:
    """Ordinary paragraphs of ordinary sentences, about n_chars long."""
    sentence = f"The council of {seed} voted on Tuesday to spend money on the sea wall. "
    paragraph = sentence * 6
    return "\n\n".join([paragraph.strip()] * (n_chars // (len(paragraph) + 2) + 1))


# ---------------------------------------------------------------------------- 1, 2: imports


def test_1_a_paragraph_over_a_million_characters_is_refused_not_a_500(client, editor, story):
    client.force_login(editor)
    text = "word " * 220_000  # 1.1 million characters, one paragraph
    assert import_version(client, story, text).status_code == 302
    run_queued_tasks()
    job = story.import_jobs.get()
    assert job.status == "failed"
    assert "One paragraph is 1,099,999 characters long; the limit is 100,000" in job.error
    assert "One paragraph is 1,099,999" in client.get(story.get_absolute_url()).text
    assert not story.versions.exists()


def test_2_a_large_import_answers_the_request_at_once_and_runs_in_the_worker(client, editor, story):
    """A 1.9 MB text into a story with a 1.9 MB version: the request only queues it."""
    client.force_login(editor)
    big = sentences(1_900_000, "Harbourtown")
    Version.objects.create_from_text(story=story, text=big, label="Big", created_by=editor)
    started = time.monotonic()
    response = import_version(client, story, sentences(1_900_000, "Seaside"))
    assert time.monotonic() - started < 5  # on a quiet machine, well under a second
    assert response.status_code == 302 and story.versions.count() == 1
    assert story.import_jobs.get().status == "queued"  # the worker aligns the pair


def test_2_imports_over_the_per_pair_alignment_bound_fail_with_a_message(
    client, editor, story, settings
):
    settings.IMPORT_ALIGN_MAX_CHARS = 10_000
    client.force_login(editor)
    import_version(client, story, sentences(3_000, "A"), label="A")
    import_version(client, story, sentences(3_000, "B"), label="B")
    run_queued_tasks()
    assert story.versions.count() == 2  # 3,000 + 3,000 < 10,000
    import_version(client, story, sentences(8_000, "C"), label="C")
    run_queued_tasks()
    job = story.import_jobs.get(label="C")
    assert job.status == "failed" and "is too long to align with “A”" in job.error


# ---------------------------------------------------------------------------- 3: annotation import


def annotation_file(*annotations) -> bytes:
    return json.dumps(list(annotations)).encode()


def claim_ann(exact="protects 3,400 homes", **extra):
    return {
        "@context": CONTEXT,
        "id": "urn:x:claim",
        "type": "Annotation",
        "motivation": "highlighting",
        "target": {
            "source": "https://elsewhere.example/a",
            "selector": {"type": "TextQuoteSelector", "exact": exact},
        },
        **extra,
    }


def verdict_ann(**extra):
    return {
        "@context": CONTEXT,
        "id": "urn:x:verdict",
        "type": "Annotation",
        "motivation": "assessing",
        "target": "urn:x:claim",
        "factcheck:rating": "mixed",
        **extra,
    }


def post_annotations(client, story, data: bytes):
    """Import the file as the page and the worker do; return the job."""
    from tests.conftest import import_annotations

    return import_annotations(client, story, data, "a.jsonld")


@pytest.fixture
def importer(client, editor, original, rewritten):
    client.force_login(editor)
    return client


def test_3_json_nested_ten_thousand_levels_is_refused(importer, story):
    job = post_annotations(importer, story, b"[" * 10_000 + b"]" * 10_000)
    assert job.status == "failed" and "nested too deeply" in job.error


@pytest.mark.parametrize("number", [2**31, 2**63, 2**64, -1, 0, True, 1.5, "7"])
def test_3_a_huge_or_odd_claim_number_is_ignored_not_an_overflow(importer, story, number):
    job = post_annotations(
        importer, story, annotation_file(claim_ann(**{"factcheck:number": number}))
    )
    assert job.status == "succeeded"
    claim = Claim.objects.get(version__story=story)
    assert claim.number == 1


@pytest.mark.parametrize(
    "verdict",
    [
        verdict_ann(body={"type": "TextualBody", "purpose": "assessing", "value": "a\x00b"}),
        verdict_ann(bodyValue="nul \x00 here"),
        verdict_ann(
            body={"type": "SpecificResource", "purpose": "linking", "source": "https://e.org/\x00"}
        ),
        verdict_ann(
            body={"purpose": "linking", "id": "https://e.org/", "factcheck:title": "t\x00"}
        ),
        verdict_ann(**{"factcheck:final": True}, bodyValue="settled \x00 note"),
        # What the verdict form refuses, the importer refuses too.
        verdict_ann(
            body={"purpose": "linking", "id": "https://e.org/", "factcheck:title": "t" * 301}
        ),
        verdict_ann(
            body={"purpose": "linking", "id": "https://e.org/", "factcheck:quote": "q" * 5001}
        ),
        verdict_ann(body=[{"purpose": "linking", "id": f"https://e.org/{i}"} for i in range(21)]),
        verdict_ann(body={"purpose": "linking", "id": "https://" + "a" * 2000 + ".org/"}),
        verdict_ann(**{"factcheck:rating": ["mixed"]}, motivation=[{"x": 1}, "assessing"]),
    ],
)
def test_3_the_import_makes_the_checks_the_forms_make(importer, story, verdict):
    before = (Claim.objects.count(), Verdict.objects.count(), Source.objects.count())
    job = post_annotations(importer, story, annotation_file(claim_ann(), verdict))
    assert job.status == "failed"
    assert (Claim.objects.count(), Verdict.objects.count(), Source.objects.count()) == before
    assert not any("\x00" in c.settled_note for c in Claim.objects.all())


def test_3_imported_source_titles_lose_bidi_controls(importer, story):
    verdict = verdict_ann(
        body={
            "purpose": "linking",
            "id": "https://e.org/",
            "factcheck:title": "report\u202etxt.exe",
        }
    )
    assert (
        post_annotations(importer, story, annotation_file(claim_ann(), verdict)).status
        == "succeeded"
    )
    assert Source.objects.get().title == "reporttxt.exe"


def test_3_a_username_longer_than_any_account_is_refused_before_authenticating(client):
    """django-axes would record it in a 255-character column: a DataError on PostgreSQL."""
    response = client.post("/login/", {"username": "u" * 300, "password": "x"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.text


# ---------------------------------------------------------------------------- 4: query strings


@pytest.mark.parametrize("value", ["²", "٣", "𝟕", "1²", "99999999999999999999999", "-1", "0x1"])
def test_4_a_claim_parameter_that_is_not_an_ascii_number_is_ignored(
    client, reviewer, original, value
):
    client.force_login(reviewer)
    response = client.get(original.get_absolute_url(), {"claim": value})
    assert response.status_code == 200


def test_4_the_scripted_import_reads_story_ids_as_ascii_only(editor, tmp_path):
    from django.core.management import call_command

    page = tmp_path / "v.txt"
    page.write_text("The council voted on Tuesday to rebuild the harbour wall at last.")
    call_command("import_version", str(page), story="²", label="L", user=editor.username)
    assert Story.objects.get().title == "²"


# ---------------------------------------------------------------------------- 5: database errors


def _broken_session_load(self, *args, **kwargs):
    raise OperationalError("server closed the connection unexpectedly")


@pytest.mark.parametrize("path", ["/", "/stories/1/", "/login/"])
def test_5_a_database_error_in_middleware_is_a_503_with_retry_after(
    client, reviewer, monkeypatch, path
):
    client.force_login(reviewer)
    quiet = Client(raise_request_exception=False)
    quiet.cookies = client.cookies
    # The session load, in LoginRequiredMiddleware, is a request's first query.
    monkeypatch.setattr(
        "django.contrib.sessions.backends.db.SessionStore.load", _broken_session_load
    )
    response = quiet.get(path)
    assert response.status_code == 503
    assert response["Retry-After"] == "5"


def test_5_other_errors_stay_500(client, reviewer, monkeypatch):
    client.force_login(reviewer)
    quiet = Client(raise_request_exception=False)
    quiet.cookies = client.cookies

    def broken(*args, **kwargs):
        raise ZeroDivisionError

    monkeypatch.setattr("django.contrib.sessions.backends.db.SessionStore.load", broken)
    assert quiet.get("/").status_code == 500


def test_5_a_retried_verdict_save_whose_answer_was_lost_is_reported_saved(
    client, reviewer, original
):
    """The first save committed; its answer (a re-read after commit) was a 503."""
    from tests.conftest import span_of

    start, end = span_of(original, "protects 3,400 homes")
    client.force_login(reviewer)
    claim_response = client.post(
        reverse("articles:claim_create", args=[original.pk]),
        {"start": start, "end": end, "exact": "protects 3,400 homes"},
    )
    claim = Claim.objects.get()
    payload = {
        "rating": Rating.MIXED,
        "rationale": "Census says 3,100.",
        "revision": "",
        "sources-TOTAL_FORMS": "1",
        "sources-INITIAL_FORMS": "0",
        "sources-0-url": "https://example.org/census",
        "sources-0-stance": "refutes",
    }
    url = reverse("articles:verdict_save", args=[claim.pk])
    assert client.post(url, payload, **HTMX).status_code == 200
    retry = client.post(url, payload, **HTMX)
    assert retry.status_code == 200 and "Verdict saved." in retry.text
    verdict = Verdict.objects.get()
    assert verdict.revision == 1 and verdict.sources.count() == 1
    # A retried claim create is told about the same claim.
    again = client.post(
        reverse("articles:claim_create", args=[original.pk]),
        {"start": start, "end": end, "exact": "protects 3,400 homes"},
        **HTMX,
    )
    assert claim_response.status_code == 302 and "already claim #1" in again.text
    assert Claim.objects.count() == 1


def test_5_a_changed_verdict_from_a_stale_form_is_still_a_conflict(client, reviewer, original):
    from articles.reviewing import claim_create

    claim, _ = claim_create(
        version=original, user=reviewer, start=0, end=10, exact=original.text[:10]
    )
    Verdict.objects.create(claim=claim, reviewer=reviewer, rating=Rating.MIXED, revision=2)
    client.force_login(reviewer)
    response = client.post(
        reverse("articles:verdict_save", args=[claim.pk]),
        {
            "rating": Rating.ACCURATE,
            "revision": "1",
            "sources-TOTAL_FORMS": "0",
            "sources-INITIAL_FORMS": "0",
        },
        **HTMX,
    )
    assert response.status_code == 409


def test_5_a_retried_claim_move_whose_answer_was_lost_is_reported_done(client, reviewer, original):
    from articles.reviewing import claim_create
    from tests.conftest import span_of

    claim, _ = claim_create(
        version=original, user=reviewer, start=0, end=10, exact=original.text[:10]
    )
    start, end = span_of(original, "protects 3,400 homes")
    payload = {
        "start": start,
        "end": end,
        "exact": "protects 3,400 homes",
        "revision": claim.revision,
    }
    client.force_login(reviewer)
    url = reverse("articles:claim_update", args=[claim.pk])
    assert client.post(url, payload, **HTMX).status_code == 200
    retry = client.post(url, payload, **HTMX)
    assert retry.status_code == 200 and "now covers the new selection" in retry.text


# ---------------------------------------------------------------------------- 7, 8: proxies


def test_7_docker_compose_trusts_exactly_its_nginx():
    import yaml
    from django.conf import settings

    compose = yaml.safe_load((settings.BASE_DIR / "docker-compose.yml").read_text())
    assert compose["services"]["web"]["environment"]["TRUSTED_PROXY_COUNT"] == "1"
    assert "ports" not in compose["services"]["web"]  # reachable through nginx only


def login(client, username, password, forwarded_for):
    return client.post(
        "/login/", {"username": username, "password": password}, HTTP_X_FORWARDED_FOR=forwarded_for
    )


def test_7_behind_a_trusted_proxy_a_lockout_is_per_client_address(client, editor, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "edith", "wrong", "203.0.113.7")
    assert login(client, "edith", PASSWORD, "203.0.113.7").status_code == 429
    # Another client behind the same nginx (same REMOTE_ADDR) is not locked out.
    assert login(Client(), "edith", PASSWORD, "198.51.100.9").status_code == 302


def test_7_without_a_proxy_x_forwarded_for_is_not_believed(client, editor, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    for i in range(settings.AXES_FAILURE_LIMIT):
        login(client, "edith", "wrong", f"203.0.113.{i}")  # a client inventing addresses
    assert login(Client(), "edith", PASSWORD, "198.51.100.9").status_code == 429


def test_7_a_client_cannot_choose_its_address_through_the_proxy(client, editor, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "edith", "wrong", "198.51.100.9, 203.0.113.7")  # nginx appends the last
    assert login(Client(), "edith", PASSWORD, "198.51.100.9").status_code == 302


def test_8_x_forwarded_proto_is_ignored_without_a_proxy(client, settings):
    assert settings.TRUSTED_PROXY_COUNT == 0 and settings.SECURE_PROXY_SSL_HEADER is None
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/login/", HTTP_X_FORWARDED_PROTO="https").status_code == 301


def test_8_x_forwarded_proto_is_trusted_when_a_proxy_is_configured():
    import os
    import subprocess
    import sys

    code = "from django.conf import settings; print(settings.SECURE_PROXY_SSL_HEADER)"
    env = dict(
        os.environ, DJANGO_SETTINGS_MODULE="factcheck.settings_test", TRUSTED_PROXY_COUNT="1"
    )
    result = subprocess.run(  # noqa: S603 -- fixed arguments
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "('HTTP_X_FORWARDED_PROTO', 'https')"


# ---------------------------------------------------------------------------- 9: caching


def test_9_pages_and_exports_are_not_stored(client, reviewer, original, story):
    from articles.models import ApiToken

    _, key = ApiToken.issue(user=reviewer, name="test")
    api = client.get(f"/api/v1/stories/{story.pk}", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert api.status_code == 200 and "no-store" in api["Cache-Control"]
    client.force_login(reviewer)
    for url in (
        "/",
        original.get_absolute_url(),
        reverse("articles:story_dashboard", args=[story.pk]),
        reverse("articles:story_export_csv", args=[story.pk]),
        reverse("articles:story_export_annotations", args=[story.pk]),
        reverse("articles:story_publication", args=[story.pk]),
        reverse("articles:api_tokens"),
        "/login/",
    ):
        response = client.get(url)
        assert "no-store" in response["Cache-Control"], url
        assert "private" in response["Cache-Control"], url


# ---------------------------------------------------------------------------- 10: bidi


def test_10_single_line_fields_lose_bidi_controls(client, editor, story):
    client.force_login(editor)
    client.post(reverse("articles:story_create"), {"title": "Budget \u202egnp.exe\u202c cut"})
    assert Story.objects.filter(title="Budget gnp.exe cut").exists()
    import_version(
        client, story, "A sentence about the council and its wall. " * 3, "Fin\u2067al\u2069"
    )
    assert story.import_jobs.get().label == "Final"
    run_queued_tasks()
    assert story.versions.get().label == "Final"


def test_10_texts_keep_their_directional_marks(editor, story):
    text = "The mayor said \u200fשלום\u200f to the council on Tuesday evening."
    version = Version.objects.create_from_text(story=story, text=text, label="L", created_by=editor)
    assert version.text == text


# ---------------------------------------------------------------------------- 12: probing


@pytest.fixture
def elsewhere(editor, outsider):
    """A claim in a story the outsider is not a member of, and one deleted there."""
    from articles.reviewing import claim_create, claim_delete

    story = Story.objects.create(title="Secret", created_by=editor)
    version = Version.objects.create_from_text(
        story=story, text="A secret sentence about the harbour wall.", label="S", created_by=editor
    )
    claim, _ = claim_create(version=version, user=editor, start=2, end=8, exact="secret")
    gone, _ = claim_create(version=version, user=editor, start=9, end=17, exact="sentence")
    gone_pk = gone.pk
    claim_delete(claim=gone, user=editor)
    return claim, gone_pk


@pytest.mark.parametrize(
    "name", ["claim_verdicts", "verdict_save", "claim_detail", "claim_history"]
)
def test_12_an_outsider_gets_the_same_answer_for_missing_and_hidden_claims(
    client, outsider, elsewhere, name
):
    claim, gone_pk = elsewhere
    client.force_login(outsider)
    method = client.post if name == "verdict_save" else client.get
    answers = set()
    for pk in (claim.pk, gone_pk, 999_999):
        for extra in ({}, HTMX):
            response = method(reverse(f"articles:{name}", args=[pk]), **extra)
            answers.add((response.status_code, response.get("Location")))
    assert answers == {(404, None)}


def test_12_a_member_still_learns_that_a_claim_was_deleted(client, editor, elsewhere):
    _, gone_pk = elsewhere
    client.force_login(editor)
    response = client.get(reverse("articles:claim_verdicts", args=[gone_pk]), **HTMX)
    assert response.status_code == 200 and "This claim was deleted." in response.text
    response = client.post(reverse("articles:verdict_save", args=[gone_pk]), **HTMX)
    assert response.status_code == 409


# ---------------------------------------------------------------------------- 13: settle form


@pytest.mark.parametrize(
    "note, message",
    [
        ("a\x00b", "Null characters are not allowed."),
        ("n" * 10_001, "at most 10000 characters"),
    ],
)
def test_13_the_settle_form_reports_what_is_wrong_with_the_note(
    client, editor, reviewer, original, note, message
):
    from articles.reviewing import claim_create

    claim, _ = claim_create(
        version=original, user=reviewer, start=0, end=10, exact=original.text[:10]
    )
    client.force_login(editor)
    response = client.post(
        reverse("articles:claim_settle", args=[claim.pk]),
        {"action": "settle", "rating": Rating.MIXED, "note": note, "revision": claim.revision},
    )
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    assert any(message in m for m in shown), shown
    assert not any("Choose a final rating" in m for m in shown), shown
    claim.refresh_from_db()
    assert not claim.is_settled
