"""Importing a version: paste, .txt or .html upload; bad input loses nothing."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from articles.models import Block, ImportJob, Sentence, Version
from articles.versions import import_version
from tests.conftest import ORIGINAL, run_queued_tasks

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
    assert response.status_code == 302 and response.url == f"{story.get_absolute_url()}#imports"
    job = ImportJob.objects.get(story=story)
    assert job.status == "queued" and not Version.objects.exists()  # the worker imports it
    assert run_queued_tasks() == 1
    version = Version.objects.get(story=story)
    assert version.text == ORIGINAL and version.outlet == "Gazette"
    assert version.sentences.count() > 4
    for s in version.sentences.all():
        piece = version.text[s.start : s.end]
        assert piece and piece == piece.strip()
    job.refresh_from_db()
    assert (job.status, job.version, job.progress) == ("succeeded", version, 100)
    assert job.sentence_count == version.sentences.count() and bytes(job.source) == b""


def test_it_imports_a_txt_upload(client, editor, story):
    client.force_login(editor)
    upload = SimpleUploadedFile("v.txt", ORIGINAL.encode("utf-8"), content_type="text/plain")
    response = client.post(url(story), {"label": "Upload", "file": upload})
    assert response.status_code == 302
    run_queued_tasks()
    assert Version.objects.get(story=story).text == ORIGINAL


def test_it_extracts_the_article_from_a_saved_web_page(client, editor, story):
    client.force_login(editor)
    upload = SimpleUploadedFile("page.html", HTML_PAGE.encode(), content_type="text/html")
    response = client.post(url(story), {"label": "Web page", "file": upload})
    assert response.status_code == 302
    run_queued_tasks()
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
        ("v.txt", "Ends in the middle of a character: \u00e9".encode()[:-1], "cut off"),
        ("v.txt", b"   \n ", "The file is empty"),
        ("photo.jpg", b"plain words", "Upload a .txt file or a saved web page"),
    ],
)
def test_it_rejects_bad_uploads_with_a_message(client, editor, story, name, content, message):
    client.force_login(editor)
    upload = SimpleUploadedFile(name, content)
    response = client.post(url(story), {"label": "Bad", "file": upload})
    assert response.status_code == 200
    assert message in response.text
    assert not Version.objects.exists() and not ImportJob.objects.exists()


def test_a_web_page_without_an_article_fails_its_job_with_a_message(client, editor, story):
    client.force_login(editor)
    upload = SimpleUploadedFile("page.html", b"<html><body><nav>Menu</nav></body></html>")
    client.post(url(story), {"label": "Menu", "file": upload})
    run_queued_tasks()
    job = ImportJob.objects.get()
    assert job.status == "failed" and job.error == "No article text was found in this web page."
    assert not Version.objects.exists()
    page = client.get(story.get_absolute_url()).text
    assert "Not imported. No article text was found in this web page." in page


def test_an_upload_cut_off_mid_way_gets_a_page_that_says_so(client, editor, story):
    import io

    from django.test.client import BOUNDARY, MULTIPART_CONTENT, ClientHandler, encode_multipart

    client.force_login(editor)
    upload = SimpleUploadedFile("v.txt", ORIGINAL.encode() * 50)
    body = encode_multipart(BOUNDARY, {"label": "Cut", "file": upload})
    # The request announced the whole body and the connection ended half way.
    environ = client._base_environ(
        REQUEST_METHOD="POST",
        PATH_INFO=url(story),
        CONTENT_TYPE=MULTIPART_CONTENT,
        CONTENT_LENGTH=str(len(body)),
        **{"wsgi.input": io.BytesIO(body[: len(body) // 2])},
    )
    response = ClientHandler()(environ)
    assert response.status_code == 400
    assert "The upload was cut off" in response.content.decode()
    assert not ImportJob.objects.exists() and not Version.objects.exists()


@override_settings(VERSION_UPLOAD_MAX_BYTES=100)
def test_it_rejects_a_file_over_the_size_limit(client, editor, story):
    client.force_login(editor)
    upload = SimpleUploadedFile("big.txt", b"word " * 100)
    response = client.post(url(story), {"label": "Big", "file": upload})
    assert "the limit is 100" in response.text
    assert not Version.objects.exists()


def test_it_rejects_a_duplicate_of_a_version_in_the_story(client, editor, original):
    client.force_login(editor)
    post(client, original.story, label="Copy", text=ORIGINAL)
    run_queued_tasks()
    job = ImportJob.objects.get()
    assert job.status == "failed"
    assert job.error == "This text is already in the story as “Original report”."
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


# ---------------------------------------------------------------------------- where errors show


def test_a_failed_import_lists_its_errors_at_the_top_linked_to_the_fields(client, editor, story):
    client.force_login(editor)
    response = post(client, story, label="", text="")
    html = response.content.decode()
    summary = html.index('class="error-summary"')
    assert summary < html.index('id="id_label"')  # above the first field
    assert 'autofocus aria-labelledby="form-errors-title"' in html
    assert '<a href="#id_label">Label: This field is required.</a>' in html
    html = post(client, story, text="").content.decode()
    assert '<a href="#id_text">Paste the text: The text is empty' in html
    assert 'id="id_text_error"' in html and 'id="id_text_helptext"' in html


def test_the_text_and_file_fields_say_one_of_them_is_needed(client, editor, story):
    client.force_login(editor)
    html = client.get(url(story)).content.decode()
    assert html.count("(optional)") == 4  # outlet, byline, URL, date; not text or file
    assert "one of the two is needed" in html


def test_every_aria_describedby_id_exists(client, editor, story):
    import re

    client.force_login(editor)
    for response in (client.get(url(story)), post(client, story, label="", text="")):
        html = response.content.decode()
        for ids in re.findall(r'aria-describedby="([^"]*)"', html):
            for id_ in ids.split():
                assert f'id="{id_}"' in html, id_


@override_settings(VERSION_UPLOAD_MAX_BYTES=1000, DATA_UPLOAD_MAX_MEMORY_SIZE=4000)
def test_a_paste_over_the_limit_gets_the_forms_message(client, editor, story):
    client.force_login(editor)
    response = post(client, story, text="word " * 500)  # 2,500 bytes: over 1000, under 4000
    assert response.status_code == 200
    assert "The text is longer than 1000" in response.content.decode()
    assert not Version.objects.exists()


@override_settings(VERSION_UPLOAD_MAX_BYTES=1000, DATA_UPLOAD_MAX_MEMORY_SIZE=4000, DEBUG=True)
def test_a_post_too_large_to_read_gets_a_page_that_says_what_to_do(client, editor, story):
    client.force_login(editor)
    response = post(client, story, text="word " * 2000)  # 10,000 bytes: over 4000
    html = response.content.decode()
    assert response.status_code == 413
    assert "Too much text at once" in html and "upload the text as a file" in html
    assert "RequestDataTooBig" not in html and "Traceback" not in html
    assert not Version.objects.exists()


def test_a_paste_a_little_over_the_limit_is_answered_by_the_form(settings):
    """A paste up to 1 MiB over VERSION_UPLOAD_MAX_BYTES still reaches the form's message."""
    limit = settings.VERSION_UPLOAD_MAX_BYTES
    assert limit == 20 * 1024 * 1024
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE - limit == 1024 * 1024
