"""Web Annotation import: reading and validating files, re-anchoring, attribution, round trip."""

import json

import pytest

from articles import export, webannotation
from articles.models import Claim, Source, Story, Verdict, Version
from articles.ratings import Rating
from articles.versions import import_version
from tests.articles.test_export import bundle_of
from tests.conftest import ORIGINAL, REWRITTEN

pytestmark = pytest.mark.django_db
CONTEXT = "http://www.w3.org/ns/anno.jsonld"


@pytest.fixture(autouse=True)
def _hosts(settings):
    settings.ALLOWED_HOSTS = ["fc.example", "testserver"]


@pytest.fixture
def fresh(editor, reviewer, reviewer2):
    """Another story with the same two texts, as on another installation."""
    story = Story.objects.create(title="Sea wall, elsewhere", created_by=editor)
    story.members.add(reviewer, reviewer2)
    for text, label in ((ORIGINAL, "Original"), (REWRITTEN, "Rewrite")):
        import_version(story=story, text=text, label=label, created_by=editor)
    return story


def exported(story) -> bytes:
    return export.annotations_json(bundle_of(story), "http://fc.example/a.jsonld").encode()


def claim_ann(
    exact,
    *,
    source="https://elsewhere.example/a",
    prefix="",
    suffix="",
    start=None,
    ann_id="urn:x:claim-1",
    **extra,
):
    selectors = [{"type": "TextQuoteSelector", "exact": exact, "prefix": prefix, "suffix": suffix}]
    if start is not None:
        selectors.append(
            {"type": "TextPositionSelector", "start": start, "end": start + len(exact)}
        )
    return {
        "@context": CONTEXT,
        "id": ann_id,
        "type": "Annotation",
        "motivation": "highlighting",
        "target": {"source": source, "selector": selectors},
        **extra,
    }


def verdict_ann(target, rating="accurate", *, ann_id="urn:x:verdict-1", creator=None, **extra):
    ann = {
        "@context": CONTEXT,
        "id": ann_id,
        "type": "Annotation",
        "motivation": "assessing",
        "body": [{"type": "TextualBody", "purpose": "assessing", "value": "Because."}],
        "target": target,
        "factcheck:rating": rating,
        **extra,
    }
    if creator:
        ann["creator"] = creator
    return ann


def as_file(*annotations) -> bytes:
    return json.dumps(
        {"@context": CONTEXT, "type": "AnnotationPage", "items": list(annotations)}
    ).encode()


def snapshot(story):
    """Claims and verdicts of a story, independent of pks and version labels."""
    return sorted(
        (
            c.version.text_sha256,
            c.number,
            c.start,
            c.end,
            c.exact,
            c.prefix,
            c.suffix,
            c.created_by.username,
            c.settled_rating,
            c.settled_note,
            c.settled_by.username if c.settled_by else None,
            tuple(
                sorted(
                    (
                        v.reviewer.username,
                        v.rating,
                        v.rationale,
                        tuple(
                            sorted(
                                (s.url, s.title, s.publisher, s.quote, s.stance)
                                for s in v.sources.all()
                            )
                        ),
                    )
                    for v in c.verdicts.all()
                )
            ),
        )
        for c in Claim.objects.filter(version__story=story)
    )


# ---------------------------------------------------------------------------- round trip


def test_a_round_trip_reproduces_claims_and_verdicts(judged, fresh, editor):
    report = webannotation.annotations_import(story=fresh, user=editor, data=exported(judged))
    assert report.skipped == []
    assert (report.claims_created, report.verdicts_created, report.claims_settled) == (4, 5, 1)
    assert snapshot(fresh) == snapshot(judged)


def test_importing_the_same_file_twice_adds_nothing(judged, fresh, editor):
    data = exported(judged)
    webannotation.annotations_import(story=fresh, user=editor, data=data)
    before = snapshot(fresh)
    report = webannotation.annotations_import(story=fresh, user=editor, data=data)
    assert (report.claims_created, report.claims_matched, report.verdicts_created) == (0, 4, 0)
    assert "already has a verdict" in report.skipped[0].reason
    assert any("already settled" in s.reason for s in report.skipped)
    assert snapshot(fresh) == before


def test_imported_claims_get_counterparts(judged, fresh, editor):
    webannotation.annotations_import(story=fresh, user=editor, data=exported(judged))
    claim = Claim.objects.get(version__story=fresh, exact="spend £4.2m on the wall")
    assert claim.counterparts.get().fact_diffs


# ---------------------------------------------------------------------------- attribution


def test_verdicts_of_unknown_people_are_attributed_to_the_importer(fresh, editor):
    data = as_file(
        claim_ann("It protects 3,400 homes."),
        verdict_ann("urn:x:claim-1", creator={"type": "Person", "name": "Someone Else"}),
    )
    webannotation.annotations_import(story=fresh, user=editor, data=data)
    verdict = Verdict.objects.get(claim__version__story=fresh)
    assert verdict.reviewer == editor and verdict.rationale == "Because."


def test_verdicts_go_to_a_member_with_the_creators_nickname_or_name(fresh, editor, reviewer):
    data = as_file(
        claim_ann("It protects 3,400 homes."),
        claim_ann("Work starts in April", ann_id="urn:x:claim-2"),
        verdict_ann("urn:x:claim-1", creator={"type": "Person", "nickname": "rosa"}),
        verdict_ann("urn:x:claim-2", ann_id="urn:x:v2", creator={"type": "Person", "name": "Rosa"}),
    )
    webannotation.annotations_import(story=fresh, user=editor, data=data)
    assert {v.reviewer for v in Verdict.objects.filter(claim__version__story=fresh)} == {reviewer}


def test_people_who_cannot_see_the_story_are_not_credited(fresh, editor, outsider):
    data = as_file(
        claim_ann("It protects 3,400 homes."),
        verdict_ann("urn:x:claim-1", creator={"type": "Person", "nickname": outsider.username}),
    )
    webannotation.annotations_import(story=fresh, user=editor, data=data)
    assert Verdict.objects.get(claim__version__story=fresh).reviewer == editor


def test_a_final_verdict_by_a_non_editor_is_credited_to_the_importer(fresh, editor, reviewer):
    data = as_file(
        claim_ann("It protects 3,400 homes."),
        verdict_ann(
            "urn:x:claim-1", "mixed", creator={"nickname": "rosa"}, **{"factcheck:final": True}
        ),
    )
    report = webannotation.annotations_import(story=fresh, user=editor, data=data)
    claim = Claim.objects.get(version__story=fresh)
    assert report.claims_settled == 1
    assert (claim.settled_rating, claim.settled_by, claim.settled_note) == (
        "mixed",
        editor,
        "Because.",
    )


# ---------------------------------------------------------------------------- anchoring


@pytest.mark.parametrize("hint", ["context", "position"])
def test_a_repeated_quote_is_placed_by_its_context_or_position(fresh, editor, hint):
    text = fresh.versions.get(label="Original").text
    first = text.index("wall")
    second = text.index("wall", first + 1)
    if hint == "context":
        ann = claim_ann(
            "wall", prefix=text[second - 10 : second], suffix=text[second + 4 : second + 9]
        )
    else:
        ann = claim_ann("wall", start=second)
        # A position alone does not say which version: the label does.
        ann["target"]["factcheck:version"] = "Original"
    webannotation.annotations_import(story=fresh, user=editor, data=as_file(ann))
    claim = Claim.objects.get(version__story=fresh)
    assert (claim.start, claim.end) == (second, second + 4)


def test_a_hypothesis_style_annotation_is_placed_by_its_source_url(fresh, editor):
    rewrite = fresh.versions.get(label="Rewrite")
    Version.objects.filter(pk=rewrite.pk).update(url="https://coast.example/wall")
    data = json.dumps(claim_ann("Ana Ruiz", source="https://coast.example/wall")).encode()
    webannotation.annotations_import(story=fresh, user=editor, data=data)
    assert Claim.objects.get(version__story=fresh).version_id == rewrite.pk


def test_words_not_in_any_version_are_skipped_with_the_reason(fresh, editor):
    data = as_file(
        claim_ann("The mayor resigned."),
        verdict_ann("urn:x:claim-1"),
        claim_ann("It protects 3,400 homes.", ann_id="urn:x:claim-2"),
    )
    report = webannotation.annotations_import(story=fresh, user=editor, data=data)
    assert report.claims_created == 1
    reasons = {s.id: s.reason for s in report.skipped}
    assert "no version contains the words" in reasons["urn:x:claim-1"]
    assert "could not be placed" in reasons["urn:x:verdict-1"]


def test_words_missing_from_the_named_version_are_skipped(judged, editor, fresh):
    data = exported(judged).replace("spend £4.2m".encode(), "spend £9.9m".encode())
    report = webannotation.annotations_import(story=fresh, user=editor, data=data)
    assert any("are not in “Original”" in s.reason for s in report.skipped)
    assert report.claims_created == 3


def test_annotations_without_a_text_selector_are_skipped(fresh, editor):
    page_note = {
        "@context": CONTEXT,
        "id": "urn:x:note",
        "type": "Annotation",
        "target": "https://example.org/page",
    }
    report = webannotation.annotations_import(story=fresh, user=editor, data=as_file(page_note))
    assert report.skipped[0].id == "urn:x:note"
    assert "TextQuoteSelector" in report.skipped[0].reason


# ---------------------------------------------------------------------------- bad files


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\xff\xfe\x00", "not UTF-8"),
        (b"{not json", "not JSON"),
        (b'{"hello": "world"}', "JSON but not annotations"),
        (b'[{"id": "x"}]', "JSON but not annotations"),
        (
            json.dumps(
                {
                    "@context": CONTEXT,
                    "type": "AnnotationCollection",
                    "total": 3,
                    "first": "https://example.org/page1",
                }
            ).encode(),
            "pages are not in the file",
        ),
    ],
)
def test_unreadable_files_are_refused(fresh, editor, data, message):
    with pytest.raises(webannotation.InvalidFile) as exc:
        webannotation.annotations_import(story=fresh, user=editor, data=data)
    assert message in str(exc.value)


def test_a_file_over_the_limit_is_refused(fresh, editor, monkeypatch):
    monkeypatch.setattr(webannotation, "MAX_IMPORT_BYTES", 100)
    with pytest.raises(webannotation.InvalidFile, match="the limit is 100 bytes"):
        webannotation.read_items(b" " * 101)


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"type": "Annotation", "target": "x"}, 'has no "id"'),
        ({"id": "urn:x:b", "type": "Note", "target": "x"}, '"type": "Annotation"'),
        ({"id": "urn:x:b", "type": "Annotation"}, 'no "target"'),
        (verdict_ann("urn:x:claim-1", "pretty good", ann_id="urn:x:b"), "no rating on the scale"),
        (
            verdict_ann(
                "urn:x:claim-1",
                ann_id="urn:x:b",
                body=[
                    {
                        "type": "SpecificResource",
                        "source": "javascript:alert(1)",
                        "purpose": "linking",
                    }
                ],
            ),
            "not an http(s) address",
        ),
        (
            {
                **claim_ann("homes", ann_id="urn:x:b"),
                "target": {"source": "s", "selector": [{"type": "TextQuoteSelector", "exact": 5}]},
            },
            "exact is not text",
        ),
        (
            {
                **claim_ann("homes", ann_id="urn:x:b"),
                "target": {
                    "source": "s",
                    "selector": [
                        {"type": "TextQuoteSelector", "exact": "homes"},
                        {"type": "TextPositionSelector", "start": "1", "end": 3},
                    ],
                },
            },
            "must be integers",
        ),
        (claim_ann("homes", ann_id="urn:x:claim-1"), "appears twice"),
    ],
)
def test_a_malformed_annotation_refuses_the_whole_file(fresh, editor, bad, message):
    data = as_file(claim_ann("It protects 3,400 homes."), verdict_ann("urn:x:claim-1"), bad)
    with pytest.raises(webannotation.InvalidFile) as exc:
        webannotation.annotations_import(story=fresh, user=editor, data=data)
    assert any(message in e for e in exc.value.errors), exc.value.errors
    assert not Claim.objects.filter(version__story=fresh).exists()
    assert not Verdict.objects.exists() and not Source.objects.exists()


def test_a_story_without_versions_refuses_annotations(editor):
    story = Story.objects.create(title="Empty", created_by=editor)
    with pytest.raises(webannotation.InvalidFile, match="no versions yet"):
        webannotation.annotations_import(story=story, user=editor, data=as_file(claim_ann("homes")))


def test_a_rating_can_come_from_a_classifying_body(fresh, editor):
    verdict = verdict_ann("urn:x:claim-1")
    del verdict["factcheck:rating"]
    verdict["body"].append({"type": "TextualBody", "purpose": "classifying", "value": "MIN"})
    data = as_file(claim_ann("It protects 3,400 homes."), verdict)
    webannotation.annotations_import(story=fresh, user=editor, data=data)
    assert Verdict.objects.get().rating == Rating.MOSTLY_INACCURATE
