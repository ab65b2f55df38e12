"""The dashboard's lists written without the template engine (dashboard_html) are what the
template's loops wrote (tests/articles/data/*_template.html: the loops as they were), every
value escaped; best_claim picks the claim counterpart_claim picks."""

import datetime
import random
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.template import Context, Template
from django.urls import get_script_prefix, reverse, set_script_prefix

from articles import claim_status, dashboard, dashboard_html
from articles.models import Claim, Counterpart
from articles.ratings import Rating
from articles.text.anchoring import MAX_CLAIM_CHARS

LOOP = (Path(__file__).parent / "data" / "dashboard_rows_template.html").read_text().strip()
TEMPLATE = Template("{% load l10n verdicts %}{% localize off %}" + LOOP + "{% endlocalize %}")
ROWS = Template("{% load dashboard %}{% entry_rows entries %}")
NASTY = "<script>alert(\"x\")</script> & 'quoted'"


def user(username, first="", last=""):
    return get_user_model()(pk=len(username), username=username, first_name=first, last_name=last)


def version(pk, label):
    return SimpleNamespace(pk=pk, label=label, get_absolute_url=lambda: f"/versions/{pk}/?a=1&b=2")


ORIGINAL = version(1, "Original <b>report</b>")
REWRITE = version(2, 'Rewrite "copy" & co')


def counterpart(status, *, start=None, exact="", confidence="", count=0, diffs=()):
    absent = start is None and status in ("confirmed", "not_found")
    return SimpleNamespace(
        version=REWRITE,
        version_id=REWRITE.pk,
        status=status,
        start=start,
        chosen=start is not None,
        absent=absent,
        undecided=start is None and status == "suggested",
        exact=exact,
        confidence=confidence,
        candidate_count=count,
        fact_diffs=list(diffs),
    )


def other(pk, rating):
    return SimpleNamespace(pk=pk, number=pk + 100, version=REWRITE, display_rating=rating)


def entry(pk, *, reasons=(), settled=None, by=None, verdicts=(), counterparts=(), exact=NASTY):
    claim = SimpleNamespace(
        pk=pk,
        number=pk * 3,
        version=ORIGINAL,
        version_id=ORIGINAL.pk,
        exact=exact,
        is_settled=settled is not None,
        settled_rating=settled or "",
        settled_by=by,
        revision=pk + 7,
        # What the template read; dashboard_html reads Entry.verdicts.
        verdicts=SimpleNamespace(
            all=lambda: [SimpleNamespace(rating=r, reviewer=u) for r, u in verdicts]
        ),
        start=pk,
    )
    return dashboard.Entry(claim, list(reasons), list(counterparts), list(verdicts))


ANN = user("ann", "Ann <i>", "O'Neil & co")
BOB = user("<bob>")
FIGURE = {"kind": "number", "text": "2,000 vs <20,000> & more", "material": True}
MINOR = {"kind": "word", "text": "shown nowhere", "material": False}

ENTRIES = [
    entry(
        1,
        reasons=["facts", "reviewers", "cross"],
        verdicts=[(Rating.ACCURATE, ANN), (Rating.INACCURATE, BOB), ('"><x', ANN)],
        counterparts=[
            counterpart("confirmed", start=5, exact="x" * 300, diffs=[FIGURE, MINOR]),  # long: cut
        ],
    ),
    entry(
        2,
        settled=Rating.MIXED,
        by=ANN,
        reasons=["facts"],
        counterparts=[counterpart("proposed", start=9, exact=NASTY, confidence="strong")],
    ),
    entry(3, settled=Rating.INACCURATE, by=BOB, verdicts=[(Rating.MIXED, BOB)]),
    entry(4, counterparts=[counterpart("suggested", count=1)], exact="e\u0301" * 3),
    entry(5, counterparts=[counterpart("suggested", count=3), counterpart("not_found")]),
    entry(6, reasons=["cross"], counterparts=[counterpart("confirmed")]),
    entry(7, reasons=["reviewers"], counterparts=[counterpart("suggested", count=0)]),
]
OTHERS = {1: other(41, Rating.ACCURATE), 2: other(42, None)}
for e in ENTRIES:
    e.counterparts = [(cp, OTHERS.get(e.claim.pk) if cp.start else None) for cp in e.counterparts]
CHOICES = [(Rating.ACCURATE, "A · Accurate"), ("<odd>", 'Odd & "strange"')]


@pytest.mark.parametrize("is_editor", [True, False])
def test_the_rows_are_what_the_template_loop_wrote(is_editor):
    context = {
        "entries": ENTRIES,
        "is_editor": is_editor,
        "settle_choices": CHOICES,
        "csrf_token": "tok<en>",
    }
    expected = TEMPLATE.render(Context(context))
    written = ROWS.render(Context(context))
    assert written == expected
    assert "<script>" not in written and "&lt;script&gt;" in written
    assert ("Settle claim" in written) is is_editor
    assert ("Reopen" in written) is is_editor
    assert written.count("<tr ") == len(ENTRIES)


def test_every_branch_of_the_rows_is_written():
    written = ROWS.render(
        Context({"entries": ENTRIES, "is_editor": True, "settle_choices": CHOICES})
    )
    for text in (
        "nothing similar found",
        "not decided",
        "proposed (strong)",
        "1 suggestion to review",
        "3 suggestions to review",
        "0 suggestions to review",
        "Not in this version",
        "No other version",
        "None yet",
        'class="badge badge--open"',
        "by Ann &lt;i&gt; O&#x27;Neil &amp; co",
        "by &lt;bob&gt;</p>",
        "2,000 vs &lt;20,000&gt; &amp; more",
        "Claim <a href=",
        "x" * 219 + "…",
    ):
        assert text in written, text
    assert "shown nowhere" not in written


def test_a_claim_whose_settler_was_deleted_is_settled_by_nobody_named():
    # The template failed on it (a filter's argument looked up on None).
    orphan = entry(9, settled=Rating.MIXED, by=None)
    written = ROWS.render(Context({"entries": [orphan], "is_editor": False}))
    assert '<p class="muted small">by </p>' in written


ONLY_ONE_LOOP = Template(
    "{% load verdicts %}"
    '{% for e in only_one %}<li><a href="{{ e.version.get_absolute_url }}?claim={{ e.pk }}">'
    '#{{ e.number }}</a> <span class="muted small">added in {{ e.version.label }} · not in '
    "{% for v in e.missing_from %}{{ v.label }}{% if not forloop.last %}, {% endif %}"
    "{% endfor %}</span> — {{ e.exact|quote_chars:140 }}</li>{% endfor %}"
)


def test_the_claims_in_one_version_only_are_what_the_template_loop_wrote():
    third = version(3, "Third <i>")
    only_one = [
        dashboard.OnlyOne(5, 2, 1, NASTY, [2], ORIGINAL, [REWRITE]),
        dashboard.OnlyOne(6, 4, 2, "y" * 200, [1, 3], REWRITE, [ORIGINAL, third]),
        dashboard.OnlyOne(7, 9, 1, "e\u0301", [], ORIGINAL, []),
    ]
    written = Template("{% load dashboard %}{% only_one_items only_one %}").render(
        Context({"only_one": only_one})
    )
    assert written == ONLY_ONE_LOOP.render(Context({"only_one": only_one}))
    assert "not in Original &lt;b&gt;report&lt;/b&gt;, Third &lt;i&gt;</span>" in written
    assert "<script>" not in written


@pytest.mark.parametrize("prefix", ["/", "/news/", "/9081726354/"])
def test_pk_url_is_reverse_for_every_pk(prefix):
    before = get_script_prefix()
    set_script_prefix(prefix)
    try:
        settle_url = dashboard_html.pk_url("articles:claim_settle")
        for pk in (1, 7, 42, 9081726354, 10**12):
            assert settle_url(pk) == reverse("articles:claim_settle", args=[pk])
    finally:
        set_script_prefix(before)


ASSIGNMENT_LOOP = Template(
    "{% load l10n %}{% localize off %}"
    + (Path(__file__).parent / "data" / "assignment_rows_template.html").read_text().strip()
    + "{% endlocalize %}"
)


@pytest.mark.parametrize("language", ["en", "de"])
def test_the_assignment_board_rows_are_what_the_template_loop_wrote(language):
    from django.utils import translation

    from articles.workflow import BoardRow

    march, may = datetime.date(2026, 3, 4), datetime.date(987, 5, 31)
    claim = SimpleNamespace(pk=12, number=4, version=ORIGINAL)
    rows = [
        BoardRow(claim, [(ANN, march), (BOB, None)], [BOB, ANN], [ANN]),
        BoardRow(SimpleNamespace(pk=13, number=5, version=REWRITE), [(BOB, may)], [], []),
        BoardRow(SimpleNamespace(pk=14, number=6, version=REWRITE), [], [ANN], [ANN, BOB]),
    ]
    tag = Template("{% load dashboard %}{% assignment_rows rows %}")
    with translation.override(language):
        written = tag.render(Context({"rows": rows}))
        assert written == ASSIGNMENT_LOOP.render(Context({"board_rows": rows}))
    assert '<time datetime="2026-03-04">4 M' in written
    assert '<time datetime="0987-05-31">31 Ma' in written
    assert "Late: &lt;bob&gt;</span> " in written and "<bob>" not in written


# ---------------------------------------------------------------------------- best_claim


@pytest.mark.django_db
def test_best_claim_picks_the_claim_counterpart_claim_picks(editor, original, rewritten):
    rng = random.Random(11)
    spans = set()
    while len(spans) < 60:
        start = rng.randint(0, 12000)
        length = rng.choice([1, 5, 40, 300, MAX_CLAIM_CHARS])
        spans.add((start, start + length))
    # Ties: same start, longer ends; nested; the same span twice over in other claims.
    spans |= {(6000, 6100), (6000, 6200), (6050, 6100), (5950, 6100)}
    others = Claim.objects.bulk_create(
        Claim(version=rewritten, number=n, start=s, end=e, exact="x", created_by=editor)
        for n, (s, e) in enumerate(sorted(spans), start=1)
    )
    wanted = [(6000, 6100), (6040, 6060), (0, 1), (11990, 12500), (3000, 3300)]
    wanted += [(s, s + rng.randint(1, 400)) for s in rng.sample(range(0, 12500), 40)]
    mine = Claim.objects.bulk_create(
        Claim(version=original, number=n, start=n, end=n + 1, exact="x", created_by=editor)
        for n in range(1, len(wanted) + 2)
    )
    Counterpart.objects.bulk_create(
        [
            Counterpart(claim=c, version=rewritten, start=s, end=e, status="proposed")
            for c, (s, e) in zip(mine, wanted, strict=False)
        ]
        + [Counterpart(claim=mine[-1], version=rewritten, status="not_found")]
    )
    by_version = {rewritten.pk: claim_status.Sorted(others)}
    # In Python (what SQLite runs: it cannot order a correlated subquery by the outer
    # row), and in SQL where the database can.
    in_python = list(Counterpart.objects.all())
    dashboard._find_best_claims(in_python)
    in_sql = {}
    if connection.vendor != "sqlite":
        in_sql = dict(
            Counterpart.objects.annotate(other_pk=dashboard.best_claim()).values_list(
                "pk", "other_pk"
            )
        )
        assert len(in_sql) == len(in_python)
    found = 0
    for cp in in_python:
        expected = claim_status.counterpart_claim(cp, by_version)
        wanted_pk = expected.pk if expected else None
        assert cp.other_pk == wanted_pk, (cp.start, cp.end)
        assert in_sql.get(cp.pk, wanted_pk) == wanted_pk, (cp.start, cp.end)
        found += expected is not None
    assert found > 10
