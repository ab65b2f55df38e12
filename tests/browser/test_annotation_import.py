"""An editor uploads a Hypothesis export; the worker imports it while the story page shows
its progress, then links to the report of each annotation."""

import json
import re

import pytest
from playwright.sync_api import expect

from articles.models import Claim, ImportJob, Story
from articles.versions import import_version
from tests.conftest import ORIGINAL, REWRITTEN

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
GAZETTE = "https://gazette.example/sea-wall"
COAST = "https://coast.example/wall"


def annotation(hid, exact, uri, text=""):
    return {
        "id": hid,
        "user": "acct:ana@hypothes.is",
        "uri": uri,
        "text": text,
        "target": [{"source": uri, "selector": [{"type": "TextQuoteSelector", "exact": exact}]}],
    }


def test_an_annotation_file_is_imported_in_the_background_with_its_report(
    page, live_server, login, editor, worker
):
    story = Story.objects.create(title="Sea wall", created_by=editor)
    for text, label, url in ((ORIGINAL, "Original", GAZETTE), (REWRITTEN, "Rewrite", COAST)):
        import_version(story=story, text=text, label=label, url=url, created_by=editor)
    export = {
        "export_date": "2024-05-02T08:00:00.000Z",
        "annotations": [
            annotation("a1", "approved £42m for the wall", COAST, "Ten times the other?"),
            annotation("a2", "It protects", GAZETTE),
            annotation("a3", "words in no version", "https://x.example/"),
        ],
    }
    login(page, editor)
    page.goto(f"{live_server.url}/stories/{story.pk}/import/annotations/")
    page.set_input_files(
        "#id_file",
        files=[
            {
                "name": "hypothesis.json",
                "mimeType": "application/json",
                "buffer": json.dumps(export).encode(),
            }
        ],
    )
    page.get_by_role("button", name="Import annotations").click()

    expect(page).to_have_url(f"{live_server.url}/stories/{story.pk}/#imports")
    expect(page.locator("#messages")).to_contain_text(
        "Importing the annotations of “hypothesis.json” in the background"
    )
    # The imports region polls until the worker is done, then sums up and links the report.
    report = page.get_by_role("link", name="What became of each annotation")
    report.wait_for(timeout=60_000)
    expect(page.locator("#imports")).to_contain_text(
        "Imported: 2 new claims, 1 note, 0 verdicts, 0 final verdicts; 1 skipped."
    )
    assert ImportJob.objects.get(story=story).status == "succeeded"
    assert Claim.objects.filter(version__story=story).count() == 2
    report.click()
    expect(page).to_have_url(re.compile(rf"/stories/{story.pk}/import/annotations/\d+/$"))
    expect(page.locator(".import-report")).to_contain_text(
        "Read as a Hypothesis export: 3 annotations."
    )
    expect(page.locator(".import-row--skipped")).to_contain_text("no version contains the words")
    expect(page.get_by_role("link", name="Download this report (CSV)")).to_be_visible()
