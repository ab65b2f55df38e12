"""The dashboard of a big story: what it counts in SQL, what it keeps per revision, what it
shows of each page of claims."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from articles import dashboard
from articles.models import Assignment, Counterpart
from articles.ratings import Rating
from articles.reviewing import verdict_save
from articles.versions import import_version
from tests.articles.views.test_compare_dashboard import HTMX, mark

pytestmark = pytest.mark.django_db


def board_url(story):
    return reverse("articles:story_dashboard", args=[story.pk])


def candidate(version, words, score):
    start = version.text.index(words)
    return {
        "start": start,
        "end": start + len(words),
        "exact": words,
        "score": score,
        "confidence": "weak",
        "via": "similarity",
        "fact_diffs": [],
    }


def test_an_undecided_counterpart_shows_how_many_suggestions_wait(
    client, editor, reviewer, original, rewritten
):
    two = mark(original, reviewer, "takes eighteen months")
    words = [w for w in original.text.split() if len(w) > 5 and original.text.count(w) == 1]
    one = mark(original, reviewer, words[-1])
    first, second = rewritten.text.split()[:2]
    Counterpart.objects.filter(claim=two, version=rewritten).update(
        start=None,
        end=None,
        status=Counterpart.Status.SUGGESTED,
        candidates=[candidate(rewritten, first, 0.2), candidate(rewritten, second, 0.1)],
    )
    Counterpart.objects.filter(claim=one, version=rewritten).update(
        start=None,
        end=None,
        status=Counterpart.Status.SUGGESTED,
        candidates=[candidate(rewritten, first, 0.2)],
    )
    client.force_login(editor)
    response = client.get(board_url(original.story))
    counts = {
        e.claim.pk: [cp.candidate_count for cp, _ in e.counterparts]
        for e in response.context["entries"]
    }
    assert counts[two.pk] == [2] and counts[one.pk] == [1]
    assert "2 suggestions to review" in response.text
    assert "1 suggestion to review" in response.text


def test_settling_from_the_board_shows_the_counts_after_it(
    client, editor, reviewer, original, rewritten
):
    claim = mark(original, reviewer, "takes eighteen months")
    client.force_login(editor)
    before = client.get(board_url(original.story)).context["summary"]
    assert (before["contested"], before["settled"]) == (1, 0)
    claim.refresh_from_db()
    response = client.post(
        reverse("articles:claim_settle", args=[claim.pk]),
        {"action": "settle", "rating": Rating.INACCURATE, "note": "", "revision": claim.revision},
        **HTMX,
    )
    after = response.context["summary"]
    assert (after["contested"], after["settled"]) == (0, 1)
    assert [s["key"] for s in response.context["chart"][0]["segments"]] == [Rating.INACCURATE]


def test_the_figures_are_kept_until_the_story_changes(
    client, editor, reviewer, reviewer2, original, rewritten
):
    claim = mark(original, reviewer, "takes eighteen months")
    client.force_login(editor)
    url = board_url(original.story)
    with CaptureQueriesContext(connection) as first:
        client.get(url)
    with CaptureQueriesContext(connection) as again:
        response = client.get(url)
    # Chart and agreement (2), counters, reviewers, claims in one version only: not again.
    assert len(again.captured_queries) == len(first.captured_queries) - 5
    assert list(response.context["reviewers"]) == []
    verdict_save(
        claim=claim, user=reviewer2, rating=Rating.MIXED, rationale="", sources=[], revision=None
    )
    response = client.get(url)
    assert [r.username for r in response.context["reviewers"]] == [reviewer2.username]
    assert f'<option value="{reviewer2.pk}">' in response.text


def test_claims_in_one_version_only_name_every_version_without_them(
    client, editor, reviewer, story, original, rewritten, monkeypatch
):
    third = import_version(
        story=story,
        text="A different story altogether.\n\nNothing here matches the report.\n",
        label="Third copy",
        created_by=editor,
    )
    words = [w for w in original.text.split() if len(w) > 5 and original.text.count(w) == 1]
    early, late = sorted((mark(original, reviewer, w) for w in words[:2]), key=lambda c: c.start)
    kept = mark(original, reviewer, "takes eighteen months")
    for claim in (early, late):
        Counterpart.objects.filter(claim=claim).update(
            start=None, end=None, exact="", status=Counterpart.Status.NOT_FOUND
        )
    client.force_login(editor)
    response = client.get(board_url(story))
    only = response.context["only_one"]
    # The third version states none of them; the rewrite states only the kept claim.
    by_start = sorted((early, late, kept), key=lambda c: c.start)
    assert [e.pk for e in only] == [c.pk for c in by_start]
    missing = {e.pk: [v.label for v in e.missing_from] for e in only}
    assert missing[early.pk] == missing[late.pk] == ["Rewritten copy", "Third copy"]
    assert missing[kept.pk] == ["Third copy"]
    assert "not in Rewritten copy, Third copy" in response.text
    assert response.context["summary"]["one_version"] == 3

    monkeypatch.setattr(dashboard, "ONLY_ONE_SHOWN", 1)
    dashboard_cache_clear()
    response = client.get(board_url(story))
    assert [e.pk for e in response.context["only_one"]] == [by_start[0].pk]
    assert '<a href="?reason=one_version">All 3</a>' in response.text
    assert third.pk in [v.pk for v in response.context["only_one"][0].missing_from]


def dashboard_cache_clear():
    from django.core.cache import cache

    cache.clear()


def test_the_assignment_board_shows_the_page_of_claims_and_their_assignments(
    client, editor, reviewer, reviewer2, story, original, rewritten, monkeypatch
):
    monkeypatch.setattr(dashboard, "PAGE_SIZE", 1)
    words = [w for w in original.text.split() if len(w) > 5 and original.text.count(w) == 1]
    first, second = sorted((mark(original, reviewer, w) for w in words[:2]), key=lambda c: c.start)
    Assignment.objects.create(
        version=original, claim=second, assignee=reviewer2, assigned_by=editor
    )
    Assignment.objects.create(version=original, assignee=reviewer, assigned_by=editor)
    verdict_save(
        claim=first, user=reviewer, rating=Rating.ACCURATE, rationale="", sources=[], revision=None
    )
    client.force_login(editor)
    url = board_url(story)
    pages = {}
    for number in ("1", "2"):
        response = client.get(url, {"page": number})
        (entry,) = response.context["entries"]
        pages[entry.claim.pk] = response.text
    assert set(pages) == {first.pk, second.pk}
    # Each page's board: its own claim, everyone assigned to it (the whole version's
    # assignee too), who has judged it.
    assert f'id="assigned-{first.pk}"' in pages[first.pk]
    assert f'id="assigned-{second.pk}"' not in pages[first.pk]
    assert f'id="assigned-{second.pk}"' in pages[second.pk]
    board_first = pages[first.pk].split('id="assignment-board"')[1]
    board_second = pages[second.pk].split('id="assignment-board"')[1]
    assert "Rami" not in board_first and "Rami" in board_second
    assert "Rosa" in board_first and "Rosa" in board_second
    judged_first = board_first.split('class="judged"')[1].split("</td>")[0]
    judged_second = board_second.split('class="judged"')[1].split("</td>")[0]
    assert "Rosa" in judged_first and "Rosa" not in judged_second


def test_the_reading_view_links_every_other_version_and_its_comparison(
    client, reviewer, editor, story, original, rewritten
):
    third = import_version(
        story=story, text="A third telling.\n\nShort.\n", label="Third copy", created_by=editor
    )
    client.force_login(reviewer)
    response = client.get(original.get_absolute_url())
    assert [v.label for v in response.context["other_versions"]] == ["Rewritten copy", "Third copy"]
    for other in (rewritten, third):
        assert f'<a href="{other.get_absolute_url()}">{other.label}</a>' in response.text
        compare = reverse("articles:version_compare", args=[original.pk, other.pk])
        assert f'<a href="{compare}">compare</a>' in response.text
    assert original.label not in [v.label for v in response.context["other_versions"]]


def test_a_page_of_the_board_costs_ten_queries_whatever_it_shows(
    client, editor, reviewer, reviewer2, original, rewritten, django_assert_num_queries
):
    words = [w for w in original.text.split() if len(w) > 5 and original.text.count(w) == 1]
    claims = [mark(original, reviewer, w) for w in words[:5]]
    # These two cover each other's counterparts: each is shown beside the other.
    claims += [mark(original, reviewer, "takes eighteen months")]
    claims += [mark(rewritten, reviewer2, "will last eighteen years")]
    for claim in claims[:4]:
        for who, rating in ((reviewer, Rating.ACCURATE), (reviewer2, Rating.INACCURATE)):
            verdict_save(
                claim=claim, user=who, rating=rating, rationale="", sources=[], revision=None
            )
    client.force_login(editor)
    url = board_url(original.story)
    client.get(url)  # the figures, kept until the story changes
    # Session, user, story, versions, the page's count and claims, their verdicts (with
    # reviewers), counterparts (with the claims covering them), those claims (with their
    # ratings), assignments. SQLite finds the covering claims in a query of their own.
    queries = 10 + (connection.vendor == "sqlite")
    with django_assert_num_queries(queries) as captured:
        response = client.get(url)
    # The story's claims are found by their versions' ids (an index), not by joining every
    # claim of every story to its version.
    joined = 'FROM "articles_claim" INNER JOIN "articles_version"'
    assert not [q for q in captured.captured_queries if joined in q["sql"]]
    entries = response.context["entries"]
    assert len(entries) == 7
    assert response.text.count("verdict-line") == 8
    covered = [other for e in entries for _, other in e.counterparts if other is not None]
    assert sorted(other.pk for other in covered) == sorted(c.pk for c in claims[-2:])
    with django_assert_num_queries(queries):
        client.get(url, {"status": "contested", "page": "1"})
