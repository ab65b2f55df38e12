"""The claim panel written partly without the template engine (panel_html) is what the
template wrote (tests/articles/data/claim_panel_template.html: the template as it was, its
loops included), byte for byte, in every state of the panel (CSRF tokens aside), with every
user text escaped; and the panel's queries do not grow."""

import copy
import datetime
import re
from pathlib import Path

import pytest
from django.contrib.humanize.templatetags import humanize
from django.db import connection
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from articles import live, reviewing, views
from articles.forms import SourceFormSet, VerdictForm
from articles.models import Claim, Counterpart, Note, Story, Verdict
from articles.ratings import Rating
from articles.versions import import_version
from tests.articles.test_export import judge
from tests.conftest import ORIGINAL, span_of

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data"
OLD = "claim_panel_template.html"
NEW = "articles/claim_panel.html"
NASTY = "<b>bold</b> & \"double\" 'single' café 🚀"
TOKEN = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]*"')
NOW = datetime.datetime(2026, 3, 4, 12, 0, tzinfo=datetime.UTC)
HTMX = {"HTTP_HX_REQUEST": "true"}


class FrozenDateTime(datetime.datetime):
    """naturaltime's clock, stopped: both renders of a state write the same "ago"."""

    @classmethod
    def now(cls, tz=None):
        return NOW.astimezone(tz) if tz else NOW.replace(tzinfo=None)


@pytest.fixture(autouse=True)
def old_template(settings, monkeypatch):
    """The old template, loadable beside the current one; naturaltime's clock stopped."""
    templates = copy.deepcopy(settings.TEMPLATES)
    templates[0]["DIRS"] = [*templates[0]["DIRS"], DATA]
    settings.TEMPLATES = templates
    monkeypatch.setattr(humanize, "datetime", FrozenDateTime)


def rendered(name, context, request=None) -> str:
    return TOKEN.sub(r'\1TOKEN"', render_to_string(name, context, request))


def assert_same(part, context, request=None) -> str:
    new = rendered(NEW + part, context, request)
    old = rendered(OLD + part, context, request)
    assert new == old
    return new


def mark(version, user, words) -> Claim:
    start, end = span_of(version, words)
    claim, _ = reviewing.claim_create(
        version=version, user=user, start=start, end=end, exact=version.text[start:end]
    )
    return claim


FIGURE = {"kind": "number", "text": f"£4.2m vs £42m {NASTY}", "material": True}
CONTEXT = {"kind": "<place>", "text": "shown in one only & more", "material": False}
BARE = {"text": "no kind, no material"}


def candidate(start, end, exact, **more):
    return {"start": start, "end": end, "exact": exact} | more


@pytest.fixture
def world(story, original, rewritten, editor, reviewer, reviewer2):
    """Claims on the original in every state a panel shows, judged, noted, settled, with
    counterparts in the rewrite in each status, and claims in the rewrite to link to."""
    for user, first, last in ((reviewer2, NASTY, "O'Neil & co"), (editor, "Edith", "")):
        user.first_name, user.last_name = first, last
        user.save()
    words = "spend £4.2m on the wall"
    main = mark(original, reviewer, words)
    others = [
        mark(rewritten, reviewer2, w)
        for w in ("approved £42m for the wall", "shields 3,400 homes", "Work begins in April")
    ]
    Claim.objects.filter(pk=others[0].pk).update(exact=NASTY)
    Claim.objects.filter(pk=others[1].pk).update(exact="e\u0301" * 40 + "x" * 80)  # cut
    settled = mark(original, reviewer2, "It protects 3,400 homes")
    plain = mark(original, reviewer, "Work starts in April")
    absent = mark(original, reviewer2, "takes eighteen months")
    lone = mark(original, editor, "Harbour town votes")

    shields = span_of(rewritten, "The wall shields 3,400 homes")
    approved = span_of(rewritten, "approved £42m for the wall")
    candidates = [
        candidate(
            *approved,
            f"approved {NASTY}",
            score=0.125,
            confidence="strong",
            via="alignment",
            fact_diffs=[FIGURE, CONTEXT, BARE],
        ),
        candidate(*shields, "The wall shields", score=0.5, confidence="possible", fact_diffs=[]),
        candidate(0, 5, "Coast", confidence="weak"),  # no score, no via
    ]
    cps = {
        main: dict(
            status="confirmed",
            start=approved[0],
            end=approved[1],
            exact=f"approved {NASTY}",
            fact_diffs=[FIGURE, CONTEXT],
            candidates=candidates,
            confirmed_by=reviewer2,
            backend=NASTY,
        ),
        settled: dict(
            status="proposed",
            start=shields[0],
            end=shields[1],
            exact="shields",
            fact_diffs=[],
            confidence="strong",
            candidates=candidates[1:],
            backend="",
        ),
        plain: dict(
            status="suggested", start=None, end=None, exact="", candidates=candidates, confidence=""
        ),
        absent: dict(
            status="confirmed", start=None, end=None, exact="", candidates=[], confirmed_by=None
        ),
        lone: dict(status="not_found", start=None, end=None, exact="", candidates=[]),
    }
    for claim, fields in cps.items():
        Counterpart.objects.filter(claim=claim).update(**fields)

    judge(main, reviewer2, Rating.INACCURATE, "First", [{"url": "https://e.org/<x>"}])
    judge(
        main,
        reviewer2,
        Rating.MIXED,
        f"Edited {NASTY}\nline two\n\nthree",
        [
            {
                "url": 'https://example.org/a?x=1&y="2"',
                "title": NASTY,
                "publisher": NASTY,
                "quote": NASTY,
                "stance": "refutes",
            },
            {"url": "https://example.org/bare", "title": "", "publisher": "", "quote": ""},
        ],
        1,
    )
    judge(main, editor, Rating.ACCURATE)
    Verdict.objects.filter(claim=main, reviewer=editor).update(imported_by_name=NASTY, revision=2)
    judge(
        main,
        reviewer,
        Rating.MOSTLY_ACCURATE,
        NASTY,
        [
            {"url": "https://example.org/mine", "title": "Mine", "quote": "q & a"},
            {"url": "https://example.org/two", "stance": "context"},
        ],
    )
    judge(settled, reviewer, Rating.MIXED, "")
    Claim.objects.filter(pk=settled.pk).update(
        settled_rating=Rating.INACCURATE,
        settled_note=f"Settled {NASTY}\nsee",
        settled_by=editor,
        settled_at=NOW,
        status="settled",
    )
    Claim.objects.filter(pk=main.pk).update(
        tags=[NASTY, "x&y"], imported_by_name=NASTY, imported_created=NOW
    )
    Note.objects.create(claim=main, author=reviewer2, text=f"Note {NASTY}\nline", tags=["<t>"])
    Note.objects.create(
        claim=main, author=reviewer, text="Imported", imported_author=NASTY, imported_created=NOW
    )
    past = NOW - datetime.timedelta(days=3, hours=2)
    Verdict.objects.update(updated_at=past)
    Claim.objects.update(created_at=past)
    Note.objects.update(created_at=past)
    return {"main": main, "settled": settled, "plain": plain, "absent": absent, "lone": lone}


def request_for(user):
    request = RequestFactory().get("/", **HTMX)
    request.user = user
    return request


VIEWERS = ["reviewer", "reviewer2", "editor"]
CLAIMS = ["main", "settled", "plain", "absent", "lone"]


@pytest.mark.parametrize("who", VIEWERS)
@pytest.mark.parametrize("which", CLAIMS)
def test_the_panel_is_what_the_template_wrote(world, request, who, which):
    user = request.getfixturevalue(who)
    claim = Claim.objects.with_verdicts().get(pk=world[which].pk)
    req = request_for(user)
    context = views._panel_context(req, claim)
    html = assert_same("", context, req)
    assert_same("#verdicts", context, req)
    assert_same("#my-verdict", context, req)
    assert "<b>bold</b>" not in html
    assert html.count('class="counterpart counterpart--') == 1


def test_every_state_of_the_read_only_parts_is_written(world, reviewer):
    html = "".join(
        rendered(NEW, views._panel_context(request_for(reviewer), c))
        for c in Claim.objects.with_verdicts().filter(pk__in=[c.pk for c in world.values()])
    )
    escaped = "&lt;b&gt;bold&lt;/b&gt; &amp; &quot;double&quot; &#x27;single&#x27; café 🚀"
    for text in (
        "<strong>Counterpart confirmed</strong> by rami",
        "<strong>Not in this version</strong> by a reviewer",
        "<strong>Proposed counterpart</strong>",
        "<strong>No strong match.</strong>",
        "<strong>Nothing similar found:</strong>",
        "score 0.13 · linked in the alignment",  # floatformat rounds half up
        "score 0.50 · similar wording",
        "score  · similar wording",
        " is-current",
        'fact--context" title="Mentioned in one version only',
        f"Matched by {escaped}.",
        "Matched by the alignment.",
        "This is the counterpart</button>",
        "Confirm proposed</button>",
        f"#1 · {escaped}</option>",
        "x" * 29 + "…</option>",
        f'<p class="verdict__rationale">Edited {escaped}<br>line two<br><br>three</p>',
        f'<p class="verdict__rationale">{escaped}</p>',
        f"· edited · imported, given by {escaped}",
        'href="https://example.org/a?x=1&amp;y=&quot;2&quot;"',
        ">https://example.org/bare</a>",
        f'<span class="muted">· {escaped}</span>',
        f"<blockquote>{escaped}</blockquote>",
        "Final verdict:",
        f"Settled {escaped}<br>see",
        "3\xa0days, 2\xa0hours ago",
    ):
        assert text in html, text
    assert "<b>bold</b>" not in html


def test_a_story_with_one_version_says_so(story, editor, reviewer):
    lone_story = Story.objects.create(title="One", created_by=editor)
    lone_story.members.add(reviewer)
    version = import_version(story=lone_story, text=ORIGINAL, label="Only", created_by=editor)
    claim = Claim.objects.with_verdicts().get(pk=mark(version, reviewer, "sea wall").pk)
    req = request_for(reviewer)
    html = assert_same("", views._panel_context(req, claim), req)
    assert "This story has one version" in html
    # Two versions, no counterpart yet (an import still ranking): no such line.
    second = import_version(story=lone_story, text=ORIGINAL + "x", label="2", created_by=editor)
    Counterpart.objects.filter(version=second).delete()
    claim = Claim.objects.with_verdicts().get(pk=claim.pk)
    html = assert_same("", views._panel_context(req, claim), req)
    assert "This story has one version" not in html


def bound(data_sources, rating="", rationale="x"):
    data = {
        "rating": rating,
        "rationale": rationale,
        "revision": "3",
        "sources-TOTAL_FORMS": str(len(data_sources)),
        "sources-INITIAL_FORMS": "0",
        "sources-MIN_NUM_FORMS": "0",
        "sources-MAX_NUM_FORMS": "1000",
    }
    for i, source in enumerate(data_sources):
        for key, value in source.items():
            data[f"sources-{i}-{key}"] = value
    return VerdictForm(data), SourceFormSet(data, prefix="sources")


@pytest.mark.parametrize(
    "extra",
    [
        {"notice": NASTY, "notice_is_error": True},
        {"notice": NASTY, "text_swapped": True},
        {"verdict_notice": "Verdict saved."},
        {"conflict": NASTY},
        {"errors": True},
        {"errors": True, "adding_source": True},
        {"errors": True, "conflict": NASTY, "current": True},
    ],
)
def test_notices_conflicts_and_form_errors_are_what_the_template_wrote(world, reviewer, extra):
    claim = Claim.objects.with_verdicts().get(pk=world["main"].pk)
    req = request_for(reviewer)
    extra = dict(extra)
    form = formset = None
    if extra.pop("errors", False):
        form, formset = bound(
            [{"url": "not a url", "title": NASTY, "stance": "supports"}, {"url": NASTY}],
            rating="<odd>",
            rationale=NASTY,
        )
    if extra.pop("current", False):
        extra["conflict_current"] = Verdict.objects.get(claim=claim, reviewer=reviewer)
    context = views._panel_context(req, claim, form, formset) | extra
    for part in ("", "#my-verdict", "#verdict-saved"):
        html = assert_same(part, context, req)
        assert "<b>bold</b>" not in html


def test_a_panel_after_a_mark_is_what_the_template_wrote(world, rewritten, reviewer):
    claim = world["plain"]
    req = request_for(reviewer)
    context = views.marked_context(req, claim.version, claim, f"Claim #{claim.number} marked.")
    html = assert_same("#panel-with-regions", context, req)
    assert "marked." in html and "hx-swap-oob" in html


def test_pushed_verdicts_are_what_the_template_wrote(world):
    claims = list(Claim.objects.with_verdicts().filter(pk__in=[c.pk for c in world.values()]))
    for claim in claims:
        assert_same("#verdicts", {"claim": claim})
    panels = live.render_panels(claims)
    assert set(panels) == {c.pk for c in claims}


def test_the_panel_takes_as_many_queries_as_before(client, world, reviewer):
    client.force_login(reviewer)
    url = reverse("articles:claim_detail", args=[world["main"].pk])
    client.get(url, **HTMX)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, **HTMX)
    assert response.status_code == 200
    # Session, user; the claim, its verdicts, their sources, its counterparts; its notes,
    # the claims nearby to link to.
    assert len(ctx.captured_queries) == 8, "\n".join(q["sql"] for q in ctx.captured_queries)
