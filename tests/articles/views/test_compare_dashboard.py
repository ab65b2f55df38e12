"""Compare page, link correction, dashboard, settling and reopening."""

import pytest
from django.urls import reverse

from articles import claim_status
from articles.models import Claim, SentenceLink, Verdict
from articles.ratings import Rating
from articles.reviewing import claim_create
from articles.versions import import_version
from tests.conftest import span_of

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def compare_url(a, b):
    return reverse("articles:version_compare", args=[a.pk, b.pk])


def mark(version, user, words):
    start, end = span_of(version, words)
    return claim_create(version=version, user=user, start=start, end=end, exact=words)[0]


def test_the_compare_page_shows_aligned_rows_word_diffs_and_fact_badges(
    client, reviewer, original, rewritten
):
    client.force_login(reviewer)
    html = client.get(compare_url(original, rewritten)).text
    assert "duration: eighteen months vs eighteen years" in html
    assert "<del>" in html and "<ins>" in html
    assert "Correct link" not in html  # reviewers cannot correct links


def test_comparing_a_version_with_itself_redirects_with_a_message(client, reviewer, original):
    client.force_login(reviewer)
    response = client.get(compare_url(original, original), follow=True)
    assert "Choose two different versions to compare." in response.text


def test_outsiders_cannot_compare(client, outsider, original, rewritten):
    client.force_login(outsider)
    assert client.get(compare_url(original, rewritten)).status_code == 404


def test_an_editor_corrects_a_link_and_it_survives(client, editor, original, rewritten):
    client.force_login(editor)
    work = next(
        s for s in original.sentences.all() if original.text[s.start : s.end].startswith("Work")
    )
    url = reverse("articles:link_correct", args=[original.pk, rewritten.pk])
    response = client.post(url, {"position": work.position, "other_positions": ""}, follow=True)
    assert "Link corrected" in response.text
    assert SentenceLink.objects.filter(manual=True).count() == 1
    bad = client.post(url, {"position": work.position, "other_positions": "999"}, follow=True)
    assert "must be a sentence of the other version" in bad.text
    assert SentenceLink.objects.filter(manual=True).count() == 1


def test_reviewers_cannot_correct_links(client, reviewer, original, rewritten):
    client.force_login(reviewer)
    url = reverse("articles:link_correct", args=[original.pk, rewritten.pk])
    assert client.post(url, {"position": 0, "other_positions": ""}).status_code == 403


def test_the_dashboard_lists_contested_claims_with_reasons(
    client, editor, reviewer, reviewer2, original, rewritten
):
    claim = mark(original, reviewer, "takes eighteen months")
    Verdict.objects.create(claim=claim, reviewer=reviewer, rating=Rating.ACCURATE)
    Verdict.objects.create(claim=claim, reviewer=reviewer2, rating=Rating.INACCURATE)
    claim_status.refresh([claim.pk])  # rows written directly, not through articles.reviewing
    client.force_login(editor)
    response = client.get(reverse("articles:story_dashboard", args=[original.story_id]))
    html = response.text
    entry = next(e for e in response.context["entries"] if e.claim == claim)
    assert set(entry.reasons) == {"facts", "reviewers"}
    assert "Reviewers disagree" in html and "eighteen months vs eighteen years" in html
    assert response.context["summary"]["contested"] == 1
    filtered = client.get(
        reverse("articles:story_dashboard", args=[original.story_id]), {"reason": "one_version"}
    )
    assert filtered.context["entries"] == []


def test_the_dashboard_uses_a_fixed_number_of_queries(
    client, editor, reviewer, original, rewritten, django_assert_num_queries
):
    client.force_login(editor)
    url = reverse("articles:story_dashboard", args=[original.story_id])
    words = [w for w in original.text.split() if len(w) > 4 and original.text.count(w) == 1]
    mark(original, reviewer, words[0])
    Verdict.objects.create(claim=Claim.objects.first(), reviewer=reviewer, rating=Rating.MIXED)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for w in words[1:12]:
        c = mark(original, reviewer, w)
        Verdict.objects.create(claim=c, reviewer=reviewer, rating=Rating.ACCURATE)
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert Claim.objects.count() >= 10
    assert len(many.captured_queries) == len(few.captured_queries)


def settle(client, claim, **data):
    payload = {
        "action": "settle",
        "rating": "inaccurate",
        "note": "Budget papers say £4.2m.",
        "revision": claim.revision,
    } | data
    return client.post(reverse("articles:claim_settle", args=[claim.pk]), payload, **HTMX)


def test_an_editor_settles_a_contested_claim_and_can_reopen_it(
    client, editor, reviewer, original, rewritten
):
    claim = mark(original, reviewer, "takes eighteen months")
    client.force_login(editor)
    response = settle(client, claim)
    assert response.status_code == 200 and "settled" in response.text
    claim.refresh_from_db()
    assert (claim.settled_rating, claim.settled_by, claim.is_settled) == (
        Rating.INACCURATE,
        editor,
        True,
    )
    again = client.post(
        reverse("articles:claim_settle", args=[claim.pk]),
        {"action": "reopen", "revision": claim.revision},
        **HTMX,
    )
    assert "reopened" in again.text
    claim.refresh_from_db()
    assert not claim.is_settled
    trail = [h.settled_rating for h in claim.history.order_by("history_date")]
    assert trail[-2:] == [Rating.INACCURATE, ""]


def test_settling_twice_reports_who_settled_first(client, editor, reviewer, original, rewritten):
    claim = mark(original, reviewer, "takes eighteen months")
    client.force_login(editor)
    settle(client, claim)
    response = settle(client, claim)  # same stale revision, as a second editor would send
    assert "settled this claim a moment ago" in response.text
    claim.refresh_from_db()
    assert claim.settled_note == "Budget papers say £4.2m."


def test_a_claim_that_is_not_contested_cannot_be_settled(
    client, editor, reviewer, original, rewritten
):
    claim = mark(original, reviewer, "3,400 homes")
    client.force_login(editor)
    response = settle(client, claim)
    assert "not contested" in response.text
    claim.refresh_from_db()
    assert not claim.is_settled


def test_reviewers_cannot_settle(client, reviewer, original, rewritten):
    claim = mark(original, reviewer, "takes eighteen months")
    client.force_login(reviewer)
    assert settle(client, claim).status_code == 403
    claim.refresh_from_db()
    assert not claim.is_settled


def test_a_story_with_one_version_has_nothing_to_compare(client, editor, original):
    client.force_login(editor)
    html = client.get(original.story.get_absolute_url()).text
    assert "Import a second version to compare" in html
    other = import_version(
        story=original.story, text="A second text. It differs.", label="B", created_by=editor
    )
    assert "Compare Original report and B" in client.get(original.story.get_absolute_url()).text
    assert other


def test_a_reviewer_links_a_claim_to_a_chosen_counterpart_claim(
    client, reviewer, original, rewritten
):
    claim = mark(original, reviewer, "takes eighteen months")
    other = mark(rewritten, reviewer, "will last eighteen years")
    unrelated = mark(rewritten, reviewer, "3,400 homes")
    counterpart = claim.counterparts.get()
    client.force_login(reviewer)
    url = reverse("articles:counterpart_update", args=[counterpart.pk])
    response = client.post(url, {"action": "link", "other_claim": unrelated.pk}, **HTMX)
    assert "Linked to claim #2" in response.text
    counterpart.refresh_from_db()
    assert (counterpart.exact, counterpart.status) == ("3,400 homes", "confirmed")
    client.post(url, {"action": "link", "other_claim": other.pk}, **HTMX)
    counterpart.refresh_from_db()
    assert counterpart.exact == "will last eighteen years"
    assert [d["text"] for d in counterpart.fact_diffs] == [
        "duration: eighteen months vs eighteen years"
    ]
    # A claim of the same version is not a counterpart.
    response = client.post(url, {"action": "link", "other_claim": claim.pk}, **HTMX)
    assert "Choose one of the claims" in response.text
    counterpart.refresh_from_db()
    assert counterpart.exact == "will last eighteen years"
    # Confirmed counterparts survive re-proposal.
    from articles.comparison import align_versions

    align_versions(original, rewritten)
    counterpart.refresh_from_db()
    assert counterpart.exact == "will last eighteen years"


@pytest.mark.parametrize("value", ["", "abc", "-1", "99999999999999999999999", "1.5"])
def test_linking_to_a_malformed_claim_id_is_a_clear_message(
    client, reviewer, original, rewritten, value
):
    claim = mark(original, reviewer, "takes eighteen months")
    counterpart = claim.counterparts.get()
    client.force_login(reviewer)
    url = reverse("articles:counterpart_update", args=[counterpart.pk])
    before = counterpart.revision
    response = client.post(url, {"action": "link", "other_claim": value}, **HTMX)
    assert response.status_code == 422  # swapped in by htmx: the panel shows why
    assert "Choose one of the claims" in response.text
    counterpart.refresh_from_db()
    assert counterpart.revision == before and counterpart.status != "confirmed"


def test_pages_and_exports_show_a_claim_whose_counterpart_is_still_undecided(
    client, editor, reviewer, original, rewritten
):
    """A counterpart left between suggestions has no span: no page may compare with it."""
    from articles.models import Counterpart

    claim = mark(original, reviewer, "It protects 3,400 homes.")
    mark(rewritten, reviewer, "The wall shields 3,400 homes.")
    Counterpart.objects.filter(claim=claim).update(start=None, end=None, status="suggested")
    client.force_login(editor)
    story = original.story
    for url in [
        reverse("articles:story_list"),
        reverse("articles:story_dashboard", args=[story.pk]),
        reverse("articles:story_export_html", args=[story.pk]),
        reverse("articles:story_export_csv", args=[story.pk]),
        reverse("articles:story_export_annotations", args=[story.pk]),
    ]:
        assert client.get(url).status_code == 200, url


def test_the_dashboard_pages_its_claims_and_counts_them_all(
    client, editor, reviewer, original, rewritten, monkeypatch
):
    from articles import dashboard

    monkeypatch.setattr(dashboard, "PAGE_SIZE", 2)
    words = [w for w in original.text.split() if len(w) > 4 and original.text.count(w) == 1]
    claims = [mark(original, reviewer, w) for w in words[:5]]
    client.force_login(editor)
    url = reverse("articles:story_dashboard", args=[original.story_id])
    first = client.get(url)
    html = first.text
    assert len(first.context["entries"]) == 2 and first.context["summary"]["claims"] == 5
    assert "Claims 1–2 of 5" in html and "Page 1 of 3" in html
    assert 'rel="next" href="?page=2"' in html and 'rel="prev"' not in html
    last = client.get(url, {"page": "3"})
    assert len(last.context["entries"]) == 1
    # Every claim is on exactly one page; filters are kept from page to page.
    seen = [
        e.claim.pk for p in ("1", "2", "3") for e in client.get(url, {"page": p}).context["entries"]
    ]
    assert sorted(seen) == sorted(c.pk for c in claims)
    filtered = client.get(url, {"status": "open", "page": "2"}).text
    assert 'href="?status=open&amp;page=1"' in filtered
    # A page number past the end shows the last page, not an error.
    assert client.get(url, {"page": "99"}).context["page"].number == 3


def test_the_compare_page_shows_rows_a_page_at_a_time(
    client, editor, original, rewritten, monkeypatch
):
    from articles import views

    monkeypatch.setattr(views, "COMPARE_PAGE_SIZE", 3)
    client.force_login(editor)
    first = client.get(compare_url(original, rewritten))
    rows = first.context["page"].paginator.count
    assert rows > 3 and len(first.context["rows"]) == 3
    assert 'rel="next" href="?page=2"' in first.text
    # The summary counts every row, not the page's.
    summary = first.context["summary"]
    assert summary["aligned"] + summary["left_only"] + summary["right_only"] == rows
    # ?at= opens the page holding a sentence (where a corrected link sends the editor).
    last = client.get(compare_url(original, rewritten), {"at": "4"})
    assert last.context["page"].number == 2 and 'id="row-4"' in last.text


def test_the_panel_offers_claims_near_the_counterpart_for_a_link(
    client, reviewer, original, rewritten, monkeypatch
):
    from articles import views

    claim = mark(original, reviewer, "takes eighteen months")
    near = mark(rewritten, reviewer, "will last eighteen years")
    far = mark(rewritten, reviewer, "3,400 homes")
    counterpart = claim.counterparts.get()
    assert abs(far.start - counterpart.start) > 2
    monkeypatch.setattr(views, "NEARBY_CHARS", abs(near.start - counterpart.start) + 1)
    wide = abs(far.start - counterpart.start) > views.NEARBY_CHARS
    client.force_login(reviewer)
    html = client.get(reverse("articles:claim_detail", args=[claim.pk]), **HTMX).text
    assert f'<option value="{near.pk}">' in html
    assert (f'<option value="{far.pk}">' in html) is not wide


def test_the_dashboard_chart_follows_a_new_verdict(client, editor, reviewer, original, rewritten):
    claim = mark(original, reviewer, "takes eighteen months")
    client.force_login(editor)
    url = reverse("articles:story_dashboard", args=[original.story_id])
    before = client.get(url).context["chart"]
    assert sum(row["total"] for row in before) == 1
    client.force_login(reviewer)
    client.post(
        reverse("articles:verdict_save", args=[claim.pk]),
        {
            "rating": Rating.ACCURATE,
            "rationale": "",
            "revision": "",
            "sources-TOTAL_FORMS": "0",
            "sources-INITIAL_FORMS": "0",
        },
    )
    client.force_login(editor)
    after = client.get(url).context
    keys = {seg["key"] for row in after["chart"] for seg in row["segments"]}
    assert "unrated" not in keys and after["chart"][0]["version"] == original
