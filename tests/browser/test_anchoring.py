"""Apache Annotator's matchers (npm @apache-annotator/dom and /selector, bundled with esbuild)
anchor every exported claim annotation where it says it is: in the real reading view and in
the exported HTML summary, each selector alternative found exactly once, at the claim's
offsets in the version's text."""

import json
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from django.contrib.auth.models import Group

from articles import reviewing
from articles.models import EDITORS_GROUP, REVIEWERS_GROUP, Claim, Story
from articles.ratings import Rating
from articles.versions import import_version
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
ENTRY = ROOT / "tests" / "browser" / "js" / "annotator.mjs"
ESBUILD = ROOT / "node_modules" / ".bin" / "esbuild"

# Texts written for this test: emoji outside the Basic Multilingual Plane (a code point is
# two UTF-16 units), a line break inside a block, a sentence repeated four times (its
# 32-character context is the same at the 2nd and 3rd time), a paragraph both versions
# share word for word (a claim's 32-character context is the same in both), claims across
# blocks, nested claims, and claims at the very start and the very end of a text.
ORIGINAL = """Harbour 🌊 town votes to rebuild its sea wall

By Ana Ruiz · Porthallow

The council voted on Tuesday to spend £4.2m on the wall. Mr. Allen said the vote was “a turning point.” It protects 3,400 homes 🏠 and the old harbour.

Reporting from
Porthallow, Zoë Okafor writes that figures will be published next week.

Residents said the wall had cracked. Residents said the wall had cracked. Residents said the wall had cracked. Residents said the wall had cracked.

The wall is the town's only defence against the sea.

Storms in 2014 and 2022 broke through the old wall. Insurance claims rose each year. The harbour master kept a log of every breach.

Work starts in April and takes eighteen months.
"""

REWRITTEN = """Coastal 🌊 town backs a new sea wall

By Ana Ruiz

On Tuesday the council approved £42m for the wall. Mr. Allen called it “a turning point.” The wall shields 3,400 homes.

The wall is the town's only defence against the sea.

Residents said the wall had cracked. Residents said the wall had cracked.

Storms in 2014 and 2022 broke through the old wall. Insurance claims rose each year. The harbour master kept a log of every breach.

Work begins in April and will last eighteen years."""

# (version, words, which occurrence)
CLAIMS = [
    ("original", "Harbour 🌊 town votes", 0),
    ("original", "spend £4.2m on the wall", 0),
    ("original", "£4.2m", 0),
    ("original", "“a turning point.”", 0),
    ("original", "It protects 3,400 homes 🏠 and the old harbour.", 0),
    ("original", "3,400 homes 🏠", 0),
    ("original", "Reporting from\nPorthallow", 0),
    ("original", "figures will be published next week.\n\nResidents said", 0),
    ("original", "Residents said the wall had cracked.", 0),
    ("original", "Residents said the wall had cracked.", 1),
    ("original", "Residents said the wall had cracked.", 2),
    ("original", "Residents said the wall had cracked.", 3),
    ("original", "the wall had cracked. Residents", 1),
    ("original", "The wall is the town's only defence against the sea.", 0),
    ("original", "only defence", 0),
    ("original", "Insurance claims rose each year.", 0),
    ("original", "takes eighteen months", 0),
    ("original", "eighteen months.", 0),
    ("rewritten", "Coastal 🌊 town", 0),
    ("rewritten", "approved £42m for the wall", 0),
    ("rewritten", "“a turning point.”", 0),
    ("rewritten", "The wall shields 3,400 homes.", 0),
    ("rewritten", "The wall is the town's only defence against the sea.", 0),
    ("rewritten", "Residents said the wall had cracked.", 0),
    ("rewritten", "Residents said the wall had cracked.", 1),
    ("rewritten", "Insurance claims rose each year.", 0),
    ("rewritten", "will last eighteen years.", 0),
    ("rewritten", "eighteen years.", 0),
]


@pytest.fixture(scope="session")
def annotator_js(tmp_path_factory) -> str:
    """Apache Annotator bundled for the browser (esbuild; `npm ci` installs both)."""
    if not ESBUILD.exists() or not (ROOT / "node_modules" / "@apache-annotator" / "dom").is_dir():
        pytest.fail("Apache Annotator or esbuild is missing: run `npm ci` (scripts/test does).")
    out = tmp_path_factory.mktemp("annotator") / "annotator.js"
    subprocess.run(  # noqa: S603 -- fixed arguments
        [ESBUILD, ENTRY, "--bundle", "--format=iife", f"--outfile={out}", "--log-level=warning"],
        check=True,
        cwd=ROOT,
    )
    return out.read_text(encoding="utf-8")


def _user(django_user_model, username, group):
    user = django_user_model.objects.create_user(username=username, password=PASSWORD)
    user.groups.add(Group.objects.get_or_create(name=group)[0])
    return user


@pytest.fixture
def anchored_story(prebuilt):
    """A two-version story with the CLAIMS above, verdicts of every kind and a settled claim:
    (story, editor, claims). Built once a session, copied in for each test (tests/conftest.py)."""
    claims = [prebuilt[f"claim {i}"] for i in range(len(CLAIMS))]
    return prebuilt["story"], prebuilt["editor"], claims


def build_anchored_world() -> dict:
    """anchored_story's rows, by name: the story, its editor and each claim."""
    from django.contrib.auth import get_user_model

    django_user_model = get_user_model()
    editor = _user(django_user_model, "edith", EDITORS_GROUP)
    rosa = _user(django_user_model, "rosa", REVIEWERS_GROUP)
    rami = _user(django_user_model, "rami", REVIEWERS_GROUP)
    story = Story.objects.create(title="Sea wall", created_by=editor)
    story.members.add(rosa, rami)
    versions = {
        "original": import_version(
            story=story, text=ORIGINAL, label="Original report", created_by=editor
        ),
        "rewritten": import_version(
            story=story, text=REWRITTEN, label="Rewritten copy", created_by=editor
        ),
    }
    claims = []
    for key, words, occurrence in CLAIMS:
        version = versions[key]
        start = -1
        for _ in range(occurrence + 1):
            start = version.text.index(words, start + 1)
        claim, created = reviewing.claim_create(
            version=version, user=rosa, start=start, end=start + len(words), exact=words
        )
        assert created and (claim.start, claim.end) == (start, start + len(words)), words
        claims.append(claim)
    ratings = [Rating.ACCURATE, Rating.MOSTLY_INACCURATE, Rating.UNVERIFIABLE, Rating.MIXED]
    for i, claim in enumerate(claims[:12]):
        reviewing.verdict_save(
            claim=claim, user=rosa, rating=ratings[i % 4], rationale="", sources=[], revision=None
        )
        if i % 3 == 0:  # agree, disagree (contested) ...
            other = Rating.INACCURATE if i % 2 else ratings[i % 4]
            reviewing.verdict_save(
                claim=claim, user=rami, rating=other, rationale="", sources=[], revision=None
            )
    settled = claims[1]
    settled.refresh_from_db()
    reviewing.claim_settle(
        claim=settled, user=editor, rating=Rating.ACCURATE, note="", revision=settled.revision
    )
    return {"story": story, "editor": editor} | {
        f"claim {i}": claim for i, claim in enumerate(claims)
    }


def _claim_annotations(collection) -> list[dict]:
    items = collection.get("first", {}).get("items", [])
    return [a for a in items if a.get("motivation") == "highlighting"]


def _kind(selector) -> str:
    kind = selector["type"]
    while "refinedBy" in selector:
        selector = selector["refinedBy"]
        kind += " > " + selector["type"]
    return kind


def _anchor_all(page, annotator_js, annotations, within_of) -> tuple[Counter, Counter, list]:
    """Run every selector of every annotation on the open page, scoped to the whole body.

    Returns (tried, right, failures) per selector kind; "right" means exactly one match,
    at the claim's offsets in the version's text element (``within_of(version_pk)``).
    Prints how many matched the claim's words once, wherever that was.
    """
    if not page.evaluate("typeof window.apacheAnnotator === 'object'"):
        page.evaluate(annotator_js)
    tried, right, once, failures = Counter(), Counter(), Counter(), []
    jobs = [
        (ann, expected, selector)
        for ann, expected in annotations
        for selector in ann["target"]["selector"]
    ]
    results = page.evaluate(
        """async (jobs) => {
          const out = [];
          for (const [s, within] of jobs) out.push(await window.apacheAnnotator.anchor(s, "body", within));
          return out;
        }""",
        [[selector, within_of(expected[0])] for _, expected, selector in jobs],
    )
    for (ann, (_pk, start, end, exact), selector), found in zip(jobs, results, strict=True):
        kind = _kind(selector)
        tried[kind] += 1
        once[kind] += len(found) == 1 and found[0]["text"] == exact
        if found == [{"text": exact, "start": start, "end": end}]:
            right[kind] += 1
        else:
            failures.append(f"{ann['id']} {kind}: expected [{start}, {end}), found {found}")
    print(f"matched the words once: {dict(once)}")
    return tried, right, failures


def _expected(story, collection):
    """Each claim annotation with (version pk, start, end, exact) of its claim."""
    claims = {c.pk: c for c in Claim.objects.filter(version__story=story)}
    result = []
    for ann in _claim_annotations(collection):
        pk = int(ann["id"].rstrip("/").rsplit("/", 1)[1])
        claim = claims[pk]
        result.append((ann, (claim.version_id, claim.start, claim.end, claim.exact)))
    return result


def _export(page, live_server, story, name: str) -> str:
    """A download of the story's export, as the logged-in user gets it."""
    response = page.request.get(f"{live_server.url}/stories/{story.pk}/export/{name}")
    assert response.ok
    return response.text()


KINDS = {
    "TextQuoteSelector": len(CLAIMS),
    "CssSelector > TextQuoteSelector": len(CLAIMS),
    "CssSelector > TextPositionSelector": len(CLAIMS),
}


def test_every_exported_selector_anchors_in_the_reading_view(
    page, live_server, login, anchored_story, annotator_js
):
    story, editor, claims = anchored_story
    login(page, editor)
    annotations = _expected(
        story, json.loads(_export(page, live_server, story, "annotations.jsonld"))
    )
    assert len(annotations) == len(CLAIMS)
    tried, right = Counter(), Counter()
    failures = []
    for version in story.versions.all():
        page.goto(f"{live_server.url}{version.get_absolute_url()}")
        # The text element's text is the stored text, character for character.
        assert page.eval_on_selector("#version-text", "e => e.textContent") == version.text
        mine = [(a, e) for a, e in annotations if e[0] == version.pk]
        t, r, f = _anchor_all(page, annotator_js, mine, lambda _: "#version-text")
        tried, right, failures = tried + t, right + r, failures + f
    print(f"reading view: {dict(right)} right of {dict(tried)}")
    assert failures == []
    assert tried == KINDS


def test_every_exported_selector_anchors_in_the_summary(
    page, live_server, login, anchored_story, annotator_js, tmp_path
):
    story, editor, claims = anchored_story
    login(page, editor)
    annotations = _expected(
        story, json.loads(_export(page, live_server, story, "annotations.jsonld"))
    )
    path = tmp_path / "summary.html"
    path.write_text(_export(page, live_server, story, "summary.html"), encoding="utf-8")
    page.goto(path.as_uri())  # opened from disk, as a reader opens the download
    for version in story.versions.all():
        within = f"#text-{version.pk} .text"
        assert page.eval_on_selector(within, "e => e.textContent") == version.text
    tried, right, failures = _anchor_all(
        page, annotator_js, annotations, lambda pk: f"#text-{pk} .text"
    )
    print(f"summary: {dict(right)} right of {dict(tried)}")
    assert failures == []
    assert tried == KINDS
