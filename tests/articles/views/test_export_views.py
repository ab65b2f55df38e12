"""Export downloads and the Web Annotation import page."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from articles import webannotation
from articles.models import Claim, Story, Verdict
from articles.versions import import_version
from tests.articles.test_export import add_claims
from tests.conftest import ORIGINAL, REWRITTEN

pytestmark = pytest.mark.django_db

EXPORTS = {
    "story_export_html": ("text/html; charset=utf-8", "summary.html"),
    "story_export_claimreview": ("application/ld+json; charset=utf-8", "claimreview.json"),
    "story_export_annotations": (
        'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"',
        "annotations.jsonld",
    ),
    "story_export_csv": ("text/csv; charset=utf-8", "claims.csv"),
}


def url(name, story):
    return reverse(f"articles:{name}", args=[story.pk])


@pytest.mark.parametrize("name", EXPORTS)
def test_a_member_downloads_each_export(client, reviewer, judged, name):
    client.force_login(reviewer)
    response = client.get(url(name, judged))
    content_type, suffix = EXPORTS[name]
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == (
        f'attachment; filename="factcheck-sea-wall-{judged.pk}-{suffix}"'
    )


@pytest.mark.parametrize("name", EXPORTS)
def test_it_refuses_a_story_the_user_may_not_see(client, outsider, judged, name):
    client.force_login(outsider)
    assert client.get(url(name, judged)).status_code == 404


@pytest.mark.parametrize("name", EXPORTS)
def test_it_requires_login(client, judged, name):
    response = client.get(url(name, judged))
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize("name", EXPORTS)
def test_it_rejects_post(client, editor, judged, name):
    client.force_login(editor)
    assert client.post(url(name, judged)).status_code == 405


def test_the_summary_uses_absolute_claim_urls(client, editor, judged):
    client.force_login(editor)
    html = client.get(url("story_export_html", judged)).text
    settled = Claim.objects.get(version__story=judged, settled_at__isnull=False)
    assert (
        f'"url": "http://testserver/stories/{judged.pk}/export/summary.html#claim-{settled.pk}"'
        in html
    )


def test_an_empty_story_exports_a_no_claims_summary(client, editor, original):
    client.force_login(editor)
    html = client.get(url("story_export_html", original.story)).text
    assert "No claims yet." in html


def test_claimreview_can_include_reviewed_claims(client, editor, judged):
    client.force_login(editor)
    settled = json.loads(client.get(url("story_export_claimreview", judged)).content)
    more = json.loads(
        client.get(url("story_export_claimreview", judged) + "?include=reviewed").content
    )
    assert len(settled) == 1 and len(more) == 2


def test_the_csv_starts_with_a_byte_order_mark(client, editor, judged):
    client.force_login(editor)
    body = client.get(url("story_export_csv", judged)).content
    assert body.startswith("\ufeffstory,version,claim_number".encode())


def test_the_story_page_links_the_exports(client, reviewer, editor, judged):
    client.force_login(reviewer)
    html = client.get(judged.get_absolute_url()).text
    for name in EXPORTS:
        assert url(name, judged) in html
    assert url("story_import_annotations", judged) not in html
    client.force_login(editor)
    assert url("story_import_annotations", judged) in client.get(judged.get_absolute_url()).text


def test_the_dashboard_links_the_summary(client, reviewer, judged):
    client.force_login(reviewer)
    html = client.get(reverse("articles:story_dashboard", args=[judged.pk])).text
    assert url("story_export_html", judged) in html


@pytest.mark.parametrize("name", EXPORTS)
def test_exports_take_a_fixed_number_of_queries(client, editor, reviewer, judged, name):
    client.force_login(editor)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url(name, judged)).status_code == 200
        return len(ctx.captured_queries)

    few = count()
    add_claims(judged, reviewer, editor, 60)
    assert count() == few


# ---------------------------------------------------------------------------- import


@pytest.fixture
def fresh(editor, reviewer, reviewer2):
    story = Story.objects.create(title="Elsewhere", created_by=editor)
    story.members.add(reviewer, reviewer2)
    for text, label in ((ORIGINAL, "Original"), (REWRITTEN, "Rewrite")):
        import_version(story=story, text=text, label=label, created_by=editor)
    return story


def upload(data: bytes, name="annotations.jsonld"):
    return SimpleUploadedFile(name, data, content_type="application/ld+json")


def test_an_editor_sees_the_import_form(client, editor, fresh):
    client.force_login(editor)
    response = client.get(url("story_import_annotations", fresh))
    assert response.status_code == 200
    assert 'enctype="multipart/form-data"' in response.text and "<script>" not in response.text


def test_an_editor_imports_an_export_and_sees_the_report(client, editor, judged, fresh):
    client.force_login(editor)
    data = client.get(url("story_export_annotations", judged)).content
    response = client.post(url("story_import_annotations", fresh), {"file": upload(data)})
    assert response.status_code == 200
    assert "4 new claims" in response.text and "5 verdicts" in response.text
    assert "Nothing was skipped." in response.text
    assert Claim.objects.filter(version__story=fresh).count() == 4
    assert Verdict.objects.filter(claim__version__story=fresh).count() == 5


def test_the_report_lists_skipped_annotations_and_escapes_them(client, editor, fresh):
    client.force_login(editor)
    ann = {
        "@context": "http://www.w3.org/ns/anno.jsonld",
        "id": "urn:x:<b>1</b>",
        "type": "Annotation",
        "target": {
            "source": "https://x.example/",
            "selector": {"type": "TextQuoteSelector", "exact": "<i>nowhere</i>"},
        },
    }
    response = client.post(
        url("story_import_annotations", fresh), {"file": upload(json.dumps(ann).encode())}
    )
    assert response.status_code == 200
    assert "Skipped: 1" in response.text and "no version contains the words" in response.text
    assert "<i>nowhere" not in response.text and "&lt;i&gt;nowhere" in response.text
    assert "<b>1</b>" not in response.text


def test_a_broken_file_is_refused_and_nothing_is_stored(client, editor, fresh):
    client.force_login(editor)
    response = client.post(url("story_import_annotations", fresh), {"file": upload(b"{oops")})
    assert response.status_code == 400
    assert "Nothing was imported." in response.text and "not JSON" in response.text
    assert not Claim.objects.filter(version__story=fresh).exists()


def test_a_file_over_the_limit_is_refused(client, editor, fresh, monkeypatch):
    monkeypatch.setattr(webannotation, "MAX_IMPORT_BYTES", 10)
    client.force_login(editor)
    response = client.post(
        url("story_import_annotations", fresh), {"file": upload(b"[" + b" " * 20 + b"]")}
    )
    assert response.status_code == 400 and "the limit is 10 bytes" in response.text


def test_a_missing_file_is_an_error(client, editor, fresh):
    client.force_login(editor)
    response = client.post(url("story_import_annotations", fresh), {})
    assert response.status_code == 400 and "This field is required." in response.text


def test_reviewers_cannot_import(client, reviewer, fresh):
    client.force_login(reviewer)
    assert client.get(url("story_import_annotations", fresh)).status_code == 403
    assert (
        client.post(url("story_import_annotations", fresh), {"file": upload(b"[]")}).status_code
        == 403
    )
