"""Importing annotations from Hypothesis and other W3C tools: every format, the version each
annotation names, comments as notes, tags, original authors and times, a report per
annotation that says why in words, and its CSV download."""

import csv
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from articles import import_jobs, notes
from articles.models import AnnotationImport, Claim, ImportJob, Note, Story, Verdict, Version
from articles.versions import import_version
from tests.articles.test_export import ANNOTATION_MUSTS, failures
from tests.conftest import ORIGINAL, REWRITTEN, import_annotations, run_queued_tasks

pytestmark = pytest.mark.django_db
CONTEXT = "http://www.w3.org/ns/anno.jsonld"
GAZETTE = "https://gazette.example/sea-wall"
COAST = "https://coast.example/wall"
WHEN = "2024-05-01T10:20:30.123456+00:00"


@pytest.fixture
def fresh(editor, reviewer, reviewer2):
    story = Story.objects.create(title="Elsewhere", created_by=editor)
    story.members.add(reviewer, reviewer2)
    for text, label, url in ((ORIGINAL, "Original", GAZETTE), (REWRITTEN, "Rewrite", COAST)):
        import_version(story=story, text=text, label=label, url=url, created_by=editor)
    return story


def version(story, label) -> Version:
    return story.versions.get(label=label)


def hyp(exact, *, hid="h1", uri=COAST, prefix="", suffix="", text="", tags=(), **extra):
    """One annotation as Hypothesis's API returns it."""
    selectors = [
        {
            "type": "RangeSelector",
            "startContainer": "/main[1]/p[2]",
            "startOffset": 0,
            "endContainer": "/main[1]/p[2]",
            "endOffset": len(exact),
        },
        {"type": "TextPositionSelector", "start": 900, "end": 900 + len(exact)},
        {"type": "TextQuoteSelector", "exact": exact, "prefix": prefix, "suffix": suffix},
    ]
    return {
        "id": hid,
        "created": WHEN,
        "updated": WHEN,
        "user": "acct:ana@hypothes.is",
        "uri": uri,
        "text": text,
        "tags": list(tags),
        "group": "__world__",
        "permissions": {"read": ["group:__world__"]},
        "target": [{"source": uri, "selector": selectors}],
        "document": {"title": ["Sea wall"]},
        "links": {
            "html": f"https://hypothes.is/a/{hid}",
            "json": f"https://hypothes.is/api/annotations/{hid}",
        },
        "user_info": {"display_name": "Ana Hyp"},
        "flagged": False,
        "hidden": False,
        **extra,
    }


def reply(parent, *, hid="r1", text="Agreed, the minutes say so."):
    return {
        "id": hid,
        "created": WHEN,
        "user": "acct:ben@hypothes.is",
        "uri": COAST,
        "text": text,
        "tags": [],
        "references": [parent],
        "target": [{"source": COAST}],
        "user_info": {"display_name": "Ben"},
    }


def w3c(exact, *, ann_id="urn:x:1", source=COAST, prefix="", suffix="", **extra):
    selector = {"type": "TextQuoteSelector", "exact": exact, "prefix": prefix, "suffix": suffix}
    return {
        "@context": CONTEXT,
        "id": ann_id,
        "type": "Annotation",
        "target": {"source": source, "selector": selector},
        **extra,
    }


def send(client, story, doc, name="annotations.json"):
    """Upload the file and let the worker import it; return the job."""
    data = doc if isinstance(doc, bytes) else json.dumps(doc).encode()
    return import_annotations(client, story, data, name)


def post(client, story, doc, name="annotations.json"):
    """Import the file in the background; return its report page."""
    job = send(client, story, doc, name)
    assert job.status == "succeeded", job.error
    return client.get(
        reverse("articles:story_import_report_page", args=[story.pk, job.annotation_import_id])
    )


def rows(response):
    return response.context["report"].rows


# ---------------------------------------------------------------------------- formats


def test_a_hypothesis_export_with_comments_imports_into_the_right_versions_as_notes(
    client, editor, fresh
):
    """The issue's "done when": each annotation in the version its page names, comments
    as notes with their writer and time, tags kept, a reply joining the thread."""
    doc = {
        "export_date": "2024-05-02T08:00:00.000Z",
        "export_userid": "acct:ana@hypothes.is",
        "client_version": "1.1500.0",
        "annotations": [
            # "By Ana Ruiz" is in both versions: the page's address decides.
            hyp("Ana Ruiz", hid="a1", uri=GAZETTE, text="Check the byline.", tags=["byline"]),
            hyp("approved £42m for the wall", hid="a2", text="Ten times the other figure?"),
            reply("a2"),
        ],
    }
    client.force_login(editor)
    response = post(client, fresh, doc)
    assert response.status_code == 200
    assert "Read as a Hypothesis export: 3 annotations." in response.text
    assert "2 new claims" in response.text and "3 notes" in response.text
    byline = Claim.objects.get(version__story=fresh, exact="Ana Ruiz")
    money = Claim.objects.get(version__story=fresh, exact="approved £42m for the wall")
    assert byline.version == version(fresh, "Original")
    assert money.version == version(fresh, "Rewrite")
    assert byline.tags == ["byline"]
    assert byline.imported_by_name == "Ana Hyp (acct:ana@hypothes.is)"
    assert byline.imported_created.isoformat() == WHEN
    assert byline.created_by == editor  # a Hypothesis account is nobody here
    thread = [(n.text, n.imported_author) for n in Note.objects.filter(claim=money)]
    assert thread == [
        ("Ten times the other figure?", "Ana Hyp (acct:ana@hypothes.is)"),
        ("Agreed, the minutes say so.", "Ben (acct:ben@hypothes.is)"),
    ]
    assert Note.objects.get(claim=byline).imported_created.isoformat() == WHEN
    assert [r.outcome for r in rows(response)] == ["created", "created", "added"]


@pytest.mark.parametrize(
    ("kind", "wrap"),
    [
        ("a Hypothesis API search result", lambda a: {"total": 1, "rows": [a]}),
        ("a Hypothesis export", lambda a: {"export_date": "x", "annotations": [a]}),
        ("Hypothesis annotations (a list)", lambda a: [a]),
        ("one Hypothesis annotation", lambda a: a),
        (
            "a Web Annotation page",
            lambda a: {
                "type": "AnnotationPage",
                "items": [{**w3c("It protects", source=GAZETTE), "id": "u:1"}],
            },
        ),
        (
            "a Web Annotation collection",
            lambda a: {
                "@context": CONTEXT,
                "type": "AnnotationCollection",
                "total": 1,
                "first": {"type": "AnnotationPage", "items": [w3c("It protects", source=GAZETTE)]},
            },
        ),
        ("Web Annotations (a list)", lambda a: [w3c("It protects", source=GAZETTE)]),
        ("one Web Annotation", lambda a: w3c("It protects", source=GAZETTE)),
    ],
)
def test_every_format_is_accepted(client, editor, fresh, kind, wrap):
    client.force_login(editor)
    response = post(client, fresh, wrap(hyp("It protects", uri=GAZETTE)))
    assert response.status_code == 200, response.text
    assert f"Read as {kind}" in response.text
    claim = Claim.objects.get(version__story=fresh)
    assert (claim.exact, claim.version.label) == ("It protects", "Original")


def test_this_installations_own_version_page_names_the_version(client, editor, fresh):
    """The bug: an annotation of /versions/<second>/ went to the first version with the words."""
    rewrite = version(fresh, "Rewrite")
    client.force_login(editor)
    own = f"http://testserver/versions/{rewrite.pk}/"
    response = post(client, fresh, w3c("Ana Ruiz", source=own))  # in both versions
    claim = Claim.objects.get(version__story=fresh)
    assert claim.version == rewrite
    assert "Placed in “Rewrite” by its address, the version&#x27;s page here." in response.text


def test_another_hosts_version_page_is_not_taken_for_ours(client, editor, fresh):
    rewrite = version(fresh, "Rewrite")
    client.force_login(editor)
    response = post(
        client, fresh, w3c("Ana Ruiz", source=f"https://other.example/versions/{rewrite.pk}/")
    )
    assert not Claim.objects.filter(version__story=fresh).exists()
    assert "names none of them: not placed, so as not to guess" in rows(response)[0].reason


def test_words_in_one_version_only_are_placed_there_by_their_text(client, editor, fresh):
    client.force_login(editor)
    response = post(client, fresh, w3c("will last eighteen years", source="https://x.example/"))
    claim = Claim.objects.get(version__story=fresh)
    assert claim.version.label == "Rewrite"
    assert "the one version whose text holds the words" in rows(response)[0].reason


# ---------------------------------------------------------------------------- skip reasons


@pytest.mark.parametrize(
    ("doc", "reason"),
    [
        (
            w3c("spend £4.2m on the wall", source=COAST),
            "The words are not in “Rewrite” (named by its address, the version's published "
            "URL): its text changed since it was annotated. The words are in “Original”, but "
            "an annotation of “Rewrite” is not moved to another version.",
        ),
        (
            w3c("The mayor resigned.", source="https://x.example/a"),
            "Its address (https://x.example/a) is not one of this story's versions, and no "
            "version contains the words.",
        ),
        (
            w3c("Ana Ruiz", source="https://x.example/a"),
            "The words are in “Original” and “Rewrite”, and its address (https://x.example/a) "
            "names none of them: not placed, so as not to guess.",
        ),
        (
            w3c("wall", source=GAZETTE),
            "The words appear 2 times in “Original” and the annotation gives no prefix, suffix "
            "or position to tell which: not placed, so as not to guess.",
        ),
        (
            {**hyp("x", text="A note on the page."), "target": [{"source": COAST}]},
            "It comments on a whole page, not on words of it; notes here belong to claims.",
        ),
        (
            {"@context": CONTEXT, "id": "urn:x:p", "type": "Annotation", "target": COAST},
            "It does not select words of a text (no TextQuoteSelector)",
        ),
        (
            [w3c("The mayor resigned.", source="https://x.example/a"), reply("urn:x:1")],
            "Its claim is not in the file or could not be placed.",
        ),
        (
            [
                w3c("The mayor resigned.", source="https://x.example/a", ann_id="urn:x:m"),
                {
                    "@context": CONTEXT,
                    "id": "urn:x:c",
                    "type": "Annotation",
                    "motivation": "commenting",
                    "bodyValue": "Sure?",
                    "target": "urn:x:m",
                },
            ],
            "Its claim (annotation 1) could not be placed.",
        ),
    ],
    ids=[
        "changed",
        "nowhere",
        "two-versions",
        "twice",
        "page-note",
        "no-words",
        "reply-lost",
        "comment-lost",
    ],
)
def test_each_skipped_annotation_says_why_in_words(client, editor, fresh, doc, reason):
    client.force_login(editor)
    response = post(client, fresh, doc)
    assert response.status_code == 200
    skipped = [r for r in rows(response) if r.outcome == "skipped"]
    assert skipped and reason in skipped[-1].reason, [r.reason for r in skipped]
    assert not Claim.objects.filter(version__story=fresh).exists()
    assert not Note.objects.exists()


def test_a_version_of_another_story_is_named_as_such(client, editor, fresh, original):
    client.force_login(editor)
    response = post(
        client, fresh, w3c("nowhere words", source=f"http://testserver/versions/{original.pk}/")
    )
    assert "Its address is a version of another story" in rows(response)[0].reason


def test_a_comment_over_the_note_limit_keeps_the_claim_and_says_so(client, editor, fresh):
    client.force_login(editor)
    response = post(client, fresh, hyp("It protects", uri=GAZETTE, text="x" * 2001))
    row = rows(response)[0]
    assert row.outcome == "created" and "Its comment was not kept" in row.detail
    assert "the limit is 2,000" in response.text
    assert Claim.objects.filter(version__story=fresh).count() == 1 and not Note.objects.exists()


def test_the_ambiguity_is_resolved_by_context_when_there_is_some(client, editor, fresh):
    client.force_login(editor)
    post(client, fresh, w3c("wall", source=GAZETTE, prefix="spend £4.2m on the "))
    claim = Claim.objects.get(version__story=fresh)
    assert claim.start == ORIGINAL.index("wall", ORIGINAL.index("£4.2m"))


# ---------------------------------------------------------------------------- bad files


@pytest.mark.parametrize("depth", [40, 5000])
def test_deeply_nested_json_is_refused_with_a_message(client, editor, fresh, depth):
    client.force_login(editor)
    job = send(client, fresh, ("[" * depth + "]" * depth).encode())
    assert job.status == "failed"
    assert job.error.startswith("The file cannot be read as annotations; nothing was stored.")
    assert "nested too deeply" in job.error
    assert not AnnotationImport.objects.exists()
    page = client.get(fresh.get_absolute_url()).text  # the story page says so
    assert "Not imported. The file cannot be read as annotations; nothing was stored." in page


def test_a_malformed_annotation_among_good_ones_stores_nothing(client, editor, fresh):
    bad = {
        **w3c("It protects", ann_id="urn:x:2"),
        "target": {"source": COAST, "selector": {"type": "TextQuoteSelector", "exact": 5}},
    }
    client.force_login(editor)
    job = send(client, fresh, [w3c("It protects", source=GAZETTE), bad])
    assert job.status == "failed" and "exact is not text" in job.error
    assert not Claim.objects.exists() and not AnnotationImport.objects.exists()


# ---------------------------------------------------------------------------- report


def test_the_report_is_downloadable_as_csv_with_a_row_per_annotation(client, editor, fresh):
    client.force_login(editor)
    doc = [
        hyp("It protects", hid="a1", uri=GAZETTE, text="Which homes?"),
        hyp("=cmd nowhere", hid="a2", uri="https://x.example/"),
    ]
    response = post(client, fresh, doc)
    record = AnnotationImport.objects.get()
    link = reverse("articles:story_import_report", args=[fresh.pk, record.pk])
    assert f'href="{link}"' in response.text
    download = client.get(link)
    assert download.status_code == 200
    assert download["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in download["Content-Disposition"]
    table = list(csv.DictReader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert [(r["annotation"], r["outcome"]) for r in table] == [("1", "created"), ("2", "skipped")]
    assert table[0]["id"] == "https://hypothes.is/a/a1"
    assert "Its comment is now a note on the claim." in table[0]["detail"]
    assert "no version contains the words" in table[1]["why"]
    form = client.get(reverse("articles:story_import_annotations", args=[fresh.pk])).text
    assert "Earlier imports" in form and f'href="{link}"' in form  # reports stay downloadable
    assert table[1]["what"] == "claim “=cmd nowhere”"


def test_only_editors_download_reports_of_stories_they_see(client, editor, reviewer, fresh, story):
    client.force_login(editor)
    post(client, fresh, hyp("It protects", uri=GAZETTE))
    record = AnnotationImport.objects.get()
    client.force_login(reviewer)
    assert (
        client.get(reverse("articles:story_import_report", args=[fresh.pk, record.pk])).status_code
        == 403
    )
    client.force_login(editor)
    assert (
        client.get(reverse("articles:story_import_report", args=[story.pk, record.pk])).status_code
        == 404
    )


def test_importing_the_same_hypothesis_file_twice_adds_nothing(client, editor, fresh):
    doc = {
        "total": 2,
        "rows": [hyp("It protects", hid="a1", uri=GAZETTE, text="Which homes?"), reply("a1")],
    }
    client.force_login(editor)
    post(client, fresh, doc)
    response = post(client, fresh, doc)
    assert [r.outcome for r in rows(response)] == ["matched", "matched"]
    assert "Its comment is already a note on the claim." in rows(response)[0].detail
    assert Note.objects.count() == 2 and Claim.objects.filter(version__story=fresh).count() == 1


def test_the_claim_panel_shows_imported_notes_and_tags(client, editor, fresh):
    client.force_login(editor)
    post(
        client,
        fresh,
        hyp("It protects", uri=GAZETTE, text="Which homes?", tags=["housing", "<b>x</b>"]),
    )
    claim = Claim.objects.get(version__story=fresh)
    html = client.get(
        reverse("articles:claim_detail", args=[claim.pk]), HTTP_HX_REQUEST="true"
    ).text
    assert '<span class="tag">housing</span>' in html and "&lt;b&gt;x&lt;/b&gt;" in html
    assert "Ana Hyp (acct:ana@hypothes.is)" in html and "imported by Edith" in html
    assert "imported: made by Ana Hyp (acct:ana@hypothes.is)" in html  # the claim's line
    assert 'datetime="2024-05-01T10:20:30+00:00"' in html


# ---------------------------------------------------------------------------- times, round trip


def test_original_times_are_kept_for_claims_verdicts_and_settlements(client, editor, fresh):
    claim = {**w3c("It protects", source=GAZETTE), "created": "2023-01-02T03:04:05Z"}
    verdict = {
        "@context": CONTEXT,
        "id": "urn:x:v",
        "type": "Annotation",
        "motivation": "assessing",
        "creator": {"name": "Someone Elsewhere"},
        "created": "2023-01-03T00:00:00Z",
        "body": [{"type": "TextualBody", "purpose": "assessing", "value": "Survey."}],
        "target": "urn:x:1",
        "factcheck:rating": "accurate",
    }
    final = {**verdict, "id": "urn:x:f", "created": "2023-02-01T12:00:00Z", "factcheck:final": True}
    client.force_login(editor)
    post(client, fresh, [claim, verdict, final])
    stored = Claim.objects.get(version__story=fresh)
    assert stored.imported_created.isoformat() == "2023-01-02T03:04:05+00:00"
    assert stored.settled_at.isoformat() == "2023-02-01T12:00:00+00:00"
    imported = Verdict.objects.get(claim=stored)
    assert imported.imported_created.isoformat() == "2023-01-03T00:00:00+00:00"
    assert imported.imported_by_name == "Someone Elsewhere"


def test_notes_and_tags_survive_export_and_import(client, editor, reviewer, judged, fresh):
    """Notes export as W3C "commenting" annotations and come back as notes, with tags."""
    claim = Claim.objects.get(version__story=judged, exact="It protects 3,400 homes.")
    Claim.objects.filter(pk=claim.pk).update(tags=["housing"])
    notes.note_add(claim=claim, user=reviewer, text="Survey is from 2019.")
    notes.note_add(claim=claim, user=editor, text="Ask for the 2023 one.")
    client.force_login(editor)
    exported = client.get(reverse("articles:story_export_annotations", args=[judged.pk])).getvalue()
    items = json.loads(exported)["first"]["items"]
    commenting = [i for i in items if i["motivation"] == "commenting"]
    assert [i["body"][0]["value"] for i in commenting] == [
        "Survey is from 2019.",
        "Ask for the 2023 one.",
    ]
    for item in commenting:
        assert failures(item, ANNOTATION_MUSTS) == [], item
    response = post(client, fresh, exported)
    assert "2 notes" in response.text
    again = Claim.objects.get(version__story=fresh, exact="It protects 3,400 homes.")
    assert again.tags == ["housing"]
    assert [
        (n.text, n.author.username, n.imported_author) for n in Note.objects.filter(claim=again)
    ] == [
        ("Survey is from 2019.", "rosa", ""),
        ("Ask for the 2023 one.", "edith", ""),
    ]


def test_the_settle_and_reopen_trail_survives_export_and_import(
    client, editor, reviewer, original, rewritten, fresh
):
    from articles import history, reviewing

    words = "takes eighteen months"
    start = original.text.index(words)
    claim, _ = reviewing.claim_create(
        version=original, user=reviewer, start=start, end=start + len(words), exact=words
    )
    client.force_login(editor)  # through the dashboard's form: the history names the editor
    steps = [
        ("settle", "inaccurate"),
        ("reopen", ""),
        ("settle", "mixed"),
        ("reopen", ""),
        ("settle", "mixed"),
    ]
    for action, rating in steps:
        claim.refresh_from_db()
        data = {
            "action": action,
            "rating": rating,
            "note": f"Call {rating}",
            "revision": claim.revision,
        }
        assert (
            client.post(reverse("articles:claim_settle", args=[claim.pk]), data).status_code == 302
        )
    exported = client.get(
        reverse("articles:story_export_annotations", args=[original.story_id])
    ).getvalue()
    response = post(client, fresh, exported)
    assert response.status_code == 200
    again = Claim.objects.get(version__story=fresh, exact=words)
    claim.refresh_from_db()

    def trail(c):
        return [
            (
                e["action"],
                e["rating"],
                e["note"],
                e["who"].username if e["who"] else None,
                e["when"].replace(microsecond=0),
            )
            for e in history.settlement_trails([c.version_id])[c.pk]
        ]

    assert trail(again) == trail(claim)
    assert [a for a, *_ in trail(again)] == [
        "settled",
        "reopened",
        "settled",
        "reopened",
        "settled",
    ]
    assert again.settled_rating == "mixed" and again.settled_at.replace(
        microsecond=0
    ) == claim.settled_at.replace(microsecond=0)
    row = next(r for r in rows(response) if r.what.startswith("final verdict"))
    assert row.outcome == "settled" and "earlier settlements and reopenings" in row.detail


# ---------------------------------------------------------------------------- in the background


def upload(client, story, doc, name="annotations.json"):
    data = json.dumps(doc).encode()
    return client.post(
        reverse("articles:story_import_annotations", args=[story.pk]),
        {"file": SimpleUploadedFile(name, data, content_type="application/json")},
    )


def test_the_upload_is_queued_and_the_story_page_shows_its_progress(
    client, editor, reviewer, fresh
):
    client.force_login(editor)
    response = upload(client, fresh, hyp("It protects", uri=GAZETTE), name="hyp.json")
    assert response.status_code == 302
    assert response["Location"] == f"{fresh.get_absolute_url()}#imports"
    assert not Claim.objects.exists()  # nothing is imported inside the request
    job = ImportJob.objects.get(story=fresh)
    assert (job.kind, job.status, job.file_name, job.site) == (
        "annotations", "queued", "hyp.json", "http://testserver"
    )  # fmt: skip
    page = client.get(response["Location"]).text
    assert "Importing the annotations of “hyp.json” in the background" in page
    assert 'data-hx-trigger="every 1000ms"' in page and "<strong>Annotations</strong>" in page
    for stage in ("Reading the annotations", "Placing them in the versions",
                  "Proposing counterparts"):  # fmt: skip
        assert stage in page
    assert "Segmenting into sentences" not in page
    import_jobs._claim(job.pk)
    ImportJob.objects.filter(pk=job.pk).update(
        stage="placing", progress=20, detail="(3 of 9 claims)"
    )
    region = client.get(reverse("articles:story_imports", args=[fresh.pk]), HTTP_HX_REQUEST="true")
    assert "Placing them in the versions (3 of 9 claims): 20%." in region.text
    assert 'aria-current="step">Placing' in region.text and "Cancel import" in region.text


def test_the_finished_job_links_to_its_report_for_editors(client, editor, reviewer, fresh):
    client.force_login(editor)
    job = send(client, fresh, [hyp("It protects", uri=GAZETTE, text="Which homes?"), reply("h1")])
    link = reverse("articles:story_import_report_page", args=[fresh.pk, job.annotation_import_id])
    region = client.get(reverse("articles:story_imports", args=[fresh.pk]), HTTP_HX_REQUEST="true")
    assert "data-hx-trigger" not in region.text  # polling stops
    assert "Imported: 1 new claim, 2 notes, 0 verdicts, 0 final verdicts; 0 skipped." in region.text
    assert f'<a href="{link}">What became of each annotation</a>' in region.text
    report = client.get(link)
    assert "Read as Hypothesis annotations (a list): 2 annotations." in report.text
    client.force_login(reviewer)
    assert "What became of each annotation" not in client.get(fresh.get_absolute_url()).text
    assert client.get(link).status_code == 403


def test_an_editor_cancels_an_annotation_import_from_the_story_page(client, editor, fresh):
    client.force_login(editor)
    upload(client, fresh, hyp("It protects", uri=GAZETTE), name="hyp.json")
    job = ImportJob.objects.get(story=fresh)
    response = client.post(reverse("articles:import_cancel", args=[job.pk]), follow=True)
    assert "The import of “hyp.json” was cancelled. Nothing was stored." in response.text
    run_queued_tasks()
    assert ImportJob.objects.get().status == "cancelled" and not Claim.objects.exists()


def test_the_same_file_uploaded_again_while_importing_is_refused_on_the_form(client, editor, fresh):
    client.force_login(editor)
    upload(client, fresh, hyp("It protects", uri=GAZETTE))
    response = upload(client, fresh, hyp("It protects", uri=GAZETTE), name="again.json")
    assert response.status_code == 400
    assert "This file is already being imported into the story" in response.text
    assert ImportJob.objects.count() == 1
