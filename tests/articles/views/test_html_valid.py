"""The W3C Nu HTML Checker (vnu.jar, offline) finds no error on any app page."""

import json
import shutil
import subprocess

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from articles import reading
from articles.models import Claim, Publication
from articles.notes import note_add
from tests.articles.conftest import ORGANISATION
from tests.articles.test_export import JAVA_SHORT_RUN, _vnu_jar, needs_vnu
from tests.browser.test_export import build_demo
from tests.conftest import import_annotations

pytestmark = pytest.mark.django_db


def nu_errors(pages: dict[str, str], tmp_path) -> list[str]:
    """Errors the checker reports, for several documents in one run of Java."""
    paths = {}
    for i, (label, html) in enumerate(pages.items()):
        path = tmp_path / f"page-{i}.html"
        path.write_text(html, encoding="utf-8")
        paths[path.as_uri()] = label
    result = subprocess.run(  # noqa: S603 -- fixed arguments, our own files
        [
            shutil.which("java") or "/usr/bin/java",
            *JAVA_SHORT_RUN,
            "-jar",
            str(_vnu_jar()),
            "--format",
            "json",
            "--stdout",
            *(str(tmp_path / f"page-{i}.html") for i in range(len(pages))),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return [
        f"{paths.get(m.get('url'), m.get('url'))} line {m.get('lastLine')}: {m['message']} "
        f"[{m.get('extract', '').strip()[:80]}]"
        for m in json.loads(result.stdout)["messages"]
        if m["type"] == "error" or m.get("subType") == "fatal"
    ]


@needs_vnu
def test_every_app_page_is_valid_html(tmp_path, settings, monkeypatch):
    for name, value in ORGANISATION.items():
        setattr(settings, name, value)
    story = build_demo(tmp_path)
    original, rewritten = story.versions.order_by("created_at")
    settled = Claim.objects.filter(version=original, settled_rating__gt="").first()
    other = Claim.objects.filter(version=rewritten).first()
    anonymous = Client()
    client = Client()
    client.force_login(get_user_model().objects.get(username="editor"))

    editor = get_user_model().objects.get(username="editor")
    note_add(claim=settled, user=editor, text="A note in the thread.")
    Claim.objects.filter(pk=settled.pk).update(tags=["tagged"])
    pages = {"login": anonymous.get("/login/")}
    for label, path in {
        "stories": "/",
        "story": story.get_absolute_url(),
        "story form": "/stories/new/",
        "import form": f"/stories/{story.pk}/versions/new/",
        "reading": original.get_absolute_url(),
        "reading, claim open": f"{original.get_absolute_url()}?claim={settled.pk}",
        "compare": f"/versions/{original.pk}/compare/{rewritten.pk}/",
        "dashboard": f"/stories/{story.pk}/dashboard/",
        "history": f"/claims/{settled.pk}/history/",
        "delete": f"/claims/{other.pk}/delete/",
        "annotations import": f"/stories/{story.pk}/import/annotations/",
        "publication, unpublished": f"/stories/{story.pk}/publication/",
        "claimreview before publishing": f"/stories/{story.pk}/export/claimreview.json",
        "api tokens": "/account/tokens/",
    }.items():
        pages[label] = client.get(path)
    # A version with "many" claims: its text in windows, its list a page at a time.
    with monkeypatch.context() as patch:
        patch.setattr(reading, "LAZY_CLAIMS", 1)
        patch.setattr(reading, "CLAIM_PAGE", 1)
        pages["reading, many claims"] = client.get(original.get_absolute_url())
        assert "Show more claims" in pages["reading, many claims"].text
        first = original.claims.order_by("start", "-end", "pk").first()
        pages["reading, a later page of claims"] = client.get(
            f"{original.get_absolute_url()}?after={reading.claim_key(first)}"
        )
    pages["api tokens, a new key"] = client.post(
        "/account/tokens/", {"action": "create", "name": "x"}
    )
    client.post(f"/stories/{story.pk}/publication/", {"action": "publish"})
    pages["publication, published"] = client.get(f"/stories/{story.pk}/publication/")
    public = Publication.objects.get(story=story).get_absolute_url()
    pages["published fact-check"] = anonymous.get(public)
    client.post(f"/stories/{story.pk}/publication/", {"action": "unpublish"})
    pages["publication, withdrawn"] = client.get(f"/stories/{story.pk}/publication/")
    pages["published fact-check, withdrawn"] = anonymous.get(public)
    # The story page while one import runs and another has failed.
    from articles import import_jobs

    editor = get_user_model().objects.get(username="editor")
    for label, source in (("Running", b"One text."), ("Failed", b"Another text.")):
        job = import_jobs.job_create(
            story=story, created_by=editor, label=label, file_name="", source=source
        )
        import_jobs._claim(job.pk)
    import_jobs._finish(job.pk, 1, "failed", "One paragraph is too long.")
    pages["story with imports"] = client.get(story.get_absolute_url())
    assert "<progress" in pages["story with imports"].text
    pages["import form with errors"] = client.post(
        f"/stories/{story.pk}/versions/new/", {"label": "Third", "text": ""}
    )
    pages["verdict with errors"] = client.post(
        f"/claims/{other.pk}/verdict/",
        {
            "save": "1",
            "sources-TOTAL_FORMS": "1",
            "sources-INITIAL_FORMS": "0",
            "sources-0-url": "ftp://files.example/minutes",
            "sources-0-stance": "supports",
        },
    )
    pages["note with errors"] = client.post(f"/claims/{other.pk}/notes/", {"text": " "})
    hypothesis_file = json.dumps(
        {
            "total": 2,
            "rows": [
                {
                    "id": f"h{n}",
                    "user": "acct:ana@hypothes.is",
                    "uri": "https://x.example/",
                    "text": "A comment.",
                    "tags": ["t"],
                    "target": [
                        {
                            "source": "https://x.example/",
                            "selector": [{"type": "TextQuoteSelector", "exact": words}],
                        }
                    ],
                }
                for n, words in enumerate([other.exact, "words in no version"])
            ],
        }
    ).encode()
    job = import_annotations(client, story, hypothesis_file, "h.json")
    pages["annotations import report"] = client.get(
        f"/stories/{story.pk}/import/annotations/{job.annotation_import_id}/"
    )
    pages["story page with an annotation import"] = client.get(story.get_absolute_url())
    assert "Download this report" in pages["annotations import report"].content.decode()
    for label, response in pages.items():
        assert response.status_code in {200, 409, 410, 422}, label
    html = {label: r.content.decode() for label, r in pages.items()}
    errors = nu_errors(html, tmp_path)
    assert not errors, "\n".join(errors)
