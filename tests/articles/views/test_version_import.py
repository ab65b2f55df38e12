"""Importing a version: paste, .txt or .html upload; bad input loses nothing."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from articles.models import Block, Sentence, Version
from articles.versions import import_version
from tests.conftest import ORIGINAL

pytestmark = pytest.mark.django_db

HTML_PAGE = """<!doctype html><html><head><title>Harbour plan approved</title>
<meta property="og:site_name" content="Porthallow Gazette">
<meta name="author" content="Ana Ruiz"></head>
<body><nav>Home | News | Sport | Weather</nav><article><h1>Harbour plan approved</h1>
<p>The council approved the harbour plan on Monday after a long debate about costs.</p>
<p>Mr. Allen said the vote was “a turning point” for the town of 12,000 people.</p>
<p>Opponents said they would appeal to the regional court before the end of the year.</p>
</article><footer>Copyright 2025 Porthallow Gazette</footer></body></html>"""


def url(story):
    return reverse("articles:version_create", args=[story.pk])


def post(client, story, **data):
    payload = {"label": "Original report", "text": ""} | data
    return client.post(url(story), payload)


def test_an_editor_imports_pasted_text(client, editor, story):
    client.force_login(editor)
    response = post(client, story, text=ORIGINAL, outlet="Gazette")
    version = Version.objects.get(story=story)
    assert response.status_code == 302 and response.url == version.get_absolute_url()
    assert version.text == ORIGINAL
    assert version.sentences.count() > 4
    for s in version.sentences.all():
        piece = version.text[s.start : s.end]
        assert piece and piece == piece.strip()


def test_it_imports_a_txt_upload(client, editor, story):
    client.force_login(editor)
    upload = SimpleUploadedFile("v.txt", ORIGINAL.encode("utf-8"), content_type="text/plain")
    response = client.post(url(story), {"label": "Upload", "file": upload})
    assert response.status_code == 302
    assert Version.objects.get(story=story).text == ORIGINAL


def test_it_extracts_the_article_from_a_saved_web_page(client, editor, story):
    client.force_login(editor)
    upload = SimpleUploadedFile("page.html", HTML_PAGE.encode(), content_type="text/html")
    response = client.post(url(story), {"label": "Web page", "file": upload})
    assert response.status_code == 302
    version = Version.objects.get(story=story)
    assert "Mr. Allen said the vote" in version.text
    assert "Home | News" not in version.text and "Copyright" not in version.text
    assert version.outlet == "Porthallow Gazette"
    assert version.byline == "Ana Ruiz"


@pytest.mark.parametrize(
    "data, message",
    [
        ({"text": ""}, "The text is empty"),
        ({"text": "   \n\n \t "}, "The text is empty"),
        ({"label": ""}, "This field is required"),
        ({"url": "javascript:alert(1)"}, "Enter a web address starting with http"),
    ],
)
def test_it_rejects_bad_pasted_input_with_a_message(client, editor, story, data, message):
    client.force_login(editor)
    response = post(client, story, **({"text": ORIGINAL} | data))
    assert response.status_code == 200
    assert message in response.text
    assert not Version.objects.exists()


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("v.txt", b"\x00\x01\x02binary\x00", "binary file"),
        ("v.txt", "caf\u00e9 ol\u00e9".encode("latin-1"), "not UTF-8"),
        ("v.txt", b"   \n ", "The file is empty"),
        ("page.html", b"<html><body><nav>Menu</nav></body></html>", "No article text"),
        ("photo.jpg", b"plain words", "Upload a .txt file or a saved web page"),
    ],
)
def test_it_rejects_bad_uploads_with_a_message(client, editor, story, name, content, message):
    client.force_login(editor)
    upload = SimpleUploadedFile(name, content)
    response = client.post(url(story), {"label": "Bad", "file": upload})
    assert response.status_code == 200
    assert message in response.text
    assert not Version.objects.exists()


@override_settings(VERSION_UPLOAD_MAX_BYTES=100)
def test_it_rejects_a_file_over_the_size_limit(client, editor, story):
    client.force_login(editor)
    upload = SimpleUploadedFile("big.txt", b"word " * 100)
    response = client.post(url(story), {"label": "Big", "file": upload})
    assert "the limit is 100" in response.text
    assert not Version.objects.exists()


def test_it_rejects_a_duplicate_of_a_version_in_the_story(client, editor, original):
    client.force_login(editor)
    response = post(client, original.story, label="Copy", text=ORIGINAL)
    assert "already in the story as “Original report”" in response.text
    assert Version.objects.count() == 1


def test_it_rejects_a_duplicate_label(client, editor, original):
    client.force_login(editor)
    response = post(client, original.story, label="Original report", text="Other text here.")
    assert "already has a version labelled" in response.text
    assert Version.objects.count() == 1


def test_a_failed_import_leaves_nothing_half_written(editor, story, monkeypatch):
    from articles import models

    def explode(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(models.Sentence.objects, "bulk_create", explode)
    with pytest.raises(RuntimeError):
        import_version(story=story, text=ORIGINAL, label="Original report", created_by=editor)
    assert not Version.objects.exists()
    assert not Block.objects.exists() and not Sentence.objects.exists()


def test_reviewers_cannot_import(client, reviewer, story):
    client.force_login(reviewer)
    assert client.get(url(story)).status_code == 403
    assert post(client, story, text=ORIGINAL).status_code == 403
    assert not Version.objects.exists()
