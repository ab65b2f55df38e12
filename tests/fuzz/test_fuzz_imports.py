"""Fuzzing the import paths and the remaining forms with issue #16's hostile values:
deeply nested JSON, huge integers, NUL and bidirectional controls, long unbroken words.
Every answer is a clear refusal or a success, never a 500, and the database keeps its
invariants (``check`` in test_fuzz_endpoints)."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from articles.ratings import SCALE
from tests.conftest import run_queued_tasks
from tests.fuzz.test_fuzz_endpoints import (
    BIDI,
    assert_consistent,
    check,
    fuzz,
    long_word,
    nasty_text,
    nasty_url,
)

pytestmark = pytest.mark.django_db
CONTEXT = "http://www.w3.org/ns/anno.jsonld"

# ---------------------------------------------------------------------------- strategies

huge_int = st.one_of(
    st.integers(),
    st.sampled_from([2**31 - 1, 2**31, 2**63 - 1, 2**63, 2**64, -(2**63) - 1, 10**100]),
)
hostile_text = st.one_of(
    nasty_text,
    long_word,
    st.lists(st.sampled_from([*BIDI, "\x00", "wall", " "]), max_size=10).map("".join),
)
json_scalar = st.one_of(st.none(), st.booleans(), huge_int, st.floats(), hostile_text)
json_value = st.recursive(
    json_scalar,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)


def _deep(depth: int, kind: str) -> str:
    if kind == "array":
        return "[" * depth + "]" * depth
    return '{"a":' * depth + "1" + "}" * depth


deep_json = st.builds(_deep, st.integers(100, 12_000), st.sampled_from(["array", "object"]))


def maybe(valid, hostile=json_value):
    """Mostly the valid value, so the importer gets past its first checks."""
    return st.one_of(st.just(valid), st.just(valid), hostile)


WORDS = ["protects 3,400 homes", "The council voted on Tuesday", "takes eighteen months"]

claim_annotation = st.fixed_dictionaries(
    {
        "@context": st.just(CONTEXT),
        "id": maybe("urn:x:claim"),
        "type": maybe("Annotation"),
        "motivation": maybe("highlighting"),
        "target": st.fixed_dictionaries(
            {
                "source": st.one_of(nasty_url, json_value),
                "selector": st.lists(
                    st.one_of(
                        st.fixed_dictionaries(
                            {
                                "type": st.just("TextQuoteSelector"),
                                "exact": st.one_of(
                                    st.sampled_from(WORDS), hostile_text, json_value
                                ),
                            },
                            optional={"prefix": hostile_text, "suffix": hostile_text},
                        ),
                        st.fixed_dictionaries(
                            {
                                "type": st.just("TextPositionSelector"),
                                "start": huge_int,
                                "end": huge_int,
                            }
                        ),
                    ),
                    min_size=1,
                    max_size=2,
                ),
            },
            optional={"factcheck:version": json_value, "factcheck:textSha256": json_value},
        ),
    },
    optional={"factcheck:number": st.one_of(huge_int, json_value), "creator": json_value},
)

body = st.one_of(
    st.fixed_dictionaries(
        {"type": st.just("TextualBody"), "purpose": st.just("assessing"), "value": hostile_text}
    ),
    st.fixed_dictionaries(
        {"purpose": st.just("linking"), "id": st.one_of(nasty_url, json_value)},
        optional={
            "factcheck:title": hostile_text,
            "factcheck:publisher": hostile_text,
            "factcheck:quote": hostile_text,
            "factcheck:stance": json_value,
        },
    ),
    st.fixed_dictionaries(
        {"purpose": st.just("classifying"), "value": st.one_of(hostile_text, json_value)}
    ),
    json_value,
)

verdict_annotation = st.fixed_dictionaries(
    {
        "@context": st.just(CONTEXT),
        "id": maybe("urn:x:verdict"),
        "type": st.just("Annotation"),
        "motivation": maybe("assessing"),
        "target": maybe("urn:x:claim"),
        "factcheck:rating": st.one_of(st.sampled_from(list(SCALE)), json_value),
    },
    optional={
        "body": st.one_of(body, st.lists(body, max_size=25)),
        "bodyValue": hostile_text,
        "factcheck:final": st.one_of(st.booleans(), json_value),
        "creator": json_value,
    },
)

# Hypothesis's own JSON (no @context): mostly well-formed, with hostile values mixed in.
hypothesis_selector = st.fixed_dictionaries(
    {"type": st.just("TextQuoteSelector"), "exact": maybe(WORDS[0], hostile_text)},
    optional={"prefix": hostile_text, "suffix": hostile_text},
) | st.fixed_dictionaries(
    {"type": st.just("TextPositionSelector"), "start": huge_int, "end": huge_int}
)
hypothesis_annotation = st.fixed_dictionaries(
    {
        "id": maybe("h1", st.sampled_from(["h1", "h2", ""]) | json_value),
        "uri": maybe("https://x.example/", nasty_url),
        "user": maybe("acct:ana@hypothes.is", hostile_text),
        "target": st.lists(
            st.fixed_dictionaries(
                {"source": maybe("https://x.example/", nasty_url)},
                optional={"selector": st.lists(hypothesis_selector, max_size=3)},
            ),
            max_size=2,
        ),
    },
    optional={
        "text": hostile_text,
        "tags": st.lists(hostile_text, max_size=25) | json_value,
        "created": maybe("2024-05-01T10:20:30Z", hostile_text),
        "references": st.lists(st.sampled_from(["h1", "h2"]), max_size=2) | json_value,
        "user_info": st.fixed_dictionaries({"display_name": hostile_text}) | json_value,
    },
)
hypothesis_file = st.one_of(
    st.lists(hypothesis_annotation, max_size=4).map(
        lambda rows: json.dumps({"total": len(rows), "rows": rows})
    ),
    st.lists(hypothesis_annotation, max_size=4).map(
        lambda rows: json.dumps({"export_date": "2024-05-01", "annotations": rows})
    ),
    st.lists(hypothesis_annotation, min_size=1, max_size=3).map(json.dumps),
)

annotation_file = st.one_of(
    st.lists(st.one_of(claim_annotation, verdict_annotation), max_size=4).map(json.dumps),
    st.tuples(claim_annotation, verdict_annotation).map(lambda pair: json.dumps(list(pair))),
    st.lists(st.one_of(claim_annotation, verdict_annotation), max_size=3).map(
        lambda items: json.dumps(
            {
                "@context": CONTEXT,
                "type": "AnnotationCollection",
                "total": len(items),
                "first": {"type": "AnnotationPage", "items": items},
            }
        )
    ),
    deep_json,
    json_value.map(json.dumps),
)


# ---------------------------------------------------------------------------- tests


def check_job():
    """Run the queued annotation import as the worker does: it ends, never by a crash."""
    from articles import import_jobs
    from articles.models import ImportJob

    run_queued_tasks()
    job = ImportJob.objects.filter(kind="annotations").order_by("pk").last()
    if job is not None:
        assert job.status in ("succeeded", "failed"), job.status
        assert job.error != import_jobs.UNEXPECTED
    assert_consistent()
    return job


@fuzz(60)
@given(content=annotation_file)
def test_annotation_import_never_fails(client, editor, original, rewritten, content):
    client.force_login(editor)
    upload = SimpleUploadedFile("a.jsonld", content.encode("utf-8", "surrogatepass"))
    response = client.post(
        reverse("articles:story_import_annotations", args=[original.story_id]), {"file": upload}
    )
    check(response)
    check_job()


@fuzz(25)
@given(content=hypothesis_file)
def test_hypothesis_import_never_fails(client, editor, original, rewritten, content):
    client.force_login(editor)
    upload = SimpleUploadedFile("h.json", content.encode("utf-8", "surrogatepass"))
    response = client.post(
        reverse("articles:story_import_annotations", args=[original.story_id]), {"file": upload}
    )
    check(response)
    check_job()


@fuzz(15)
@given(depth=st.integers(900, 20_000), kind=st.sampled_from(["array", "object"]))
def test_deeply_nested_annotation_files_are_refused(client, editor, original, depth, kind):
    client.force_login(editor)
    upload = SimpleUploadedFile("a.jsonld", _deep(depth, kind).encode())
    response = client.post(
        reverse("articles:story_import_annotations", args=[original.story_id]), {"file": upload}
    )
    check(response)
    job = check_job()
    assert job.status == "failed" and "nested too deeply" in job.error


@fuzz(15)
@given(
    paragraph=st.integers(90_000, 400_000),
    label=hostile_text,
    outlet=hostile_text,
    byline=hostile_text,
)
def test_version_import_with_long_paragraphs_and_hostile_labels_never_fails(
    client, editor, story, paragraph, label, outlet, byline
):
    client.force_login(editor)
    text = "A sentence about the wall. " + "W" * paragraph + "\n\nA second paragraph."
    for payload in (
        {"label": label, "outlet": outlet, "byline": byline, "text": text},
        {
            "label": label,
            "outlet": outlet,
            "byline": byline,
            "file": SimpleUploadedFile("v.txt", text.encode("utf-8", "surrogatepass")),
        },
    ):
        check(client.post(reverse("articles:version_create", args=[story.pk]), payload))


@fuzz(20)
@given(username=hostile_text, password=hostile_text)
def test_login_never_fails(client, editor, username, password):
    check(client.post("/login/", {"username": username, "password": password}))
