"""Verdicts with sources: one per reviewer, atomic, conflict-checked, escaped."""

import pytest
from django.urls import reverse

from articles import claim_status
from articles.models import Claim, Source, Verdict
from articles.ratings import Rating
from tests.conftest import span_of

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def claim(original, reviewer):
    start, end = span_of(original, "3,400 homes")
    return Claim.objects.create(
        version=original, number=1, start=start, end=end, exact="3,400 homes", created_by=reviewer
    )


def form(
    rating="mostly_accurate", rationale="Census says 3,380.", sources=(), revision="", initial=0
):
    data = {
        "rating": rating,
        "rationale": rationale,
        "revision": revision,
        "sources-TOTAL_FORMS": str(len(sources)),
        "sources-INITIAL_FORMS": str(initial),
        "sources-MIN_NUM_FORMS": "0",
        "sources-MAX_NUM_FORMS": "1000",
    }
    for i, source in enumerate(sources):
        for key, value in ({"stance": "supports"} | source).items():
            data[f"sources-{i}-{key}"] = value
    return data


def save(client, claim, data, htmx=True):
    return client.post(
        reverse("articles:verdict_save", args=[claim.pk]), data, **(HTMX if htmx else {})
    )


def test_a_reviewer_saves_a_verdict_with_two_sources_in_one_go(client, reviewer, claim):
    client.force_login(reviewer)
    response = save(
        client,
        claim,
        form(
            sources=[
                {"url": "HTTPS://Stats.Example.ORG:443/census#t2", "title": "Census 2021"},
                {"url": "example.com/report", "stance": "refutes", "quote": "about 3,000 homes"},
            ]
        ),
    )
    assert response.status_code == 200
    assert "Verdict saved." in response.text
    # The panel's verdicts come with the form, out of band, at the claim's new revision:
    # no region refetches (not the suggestions either: no span changed).
    assert "HX-Trigger" not in response.headers
    claim.refresh_from_db()
    verdicts = response.text.split('<div id="verdicts"')[1]
    assert verdicts.startswith(
        f' class="verdicts" data-hx-get="/claims/{claim.pk}/verdicts/?rev={claim.changed_revision}"'
    )
    assert 'data-hx-swap-oob="true">' in verdicts.split(">")[0] + ">"
    assert 'data-reviewer="rosa"' in verdicts
    verdict = Verdict.objects.get()
    assert (verdict.reviewer, verdict.rating) == (reviewer, Rating.MOSTLY_ACCURATE)
    urls = sorted(s.url for s in verdict.sources.all())
    assert urls == ["https://example.com/report", "https://stats.example.org/census#t2"]


def test_the_panel_shows_every_reviewers_verdict_side_by_side(client, reviewer, reviewer2, claim):
    Verdict.objects.create(claim=claim, reviewer=reviewer, rating=Rating.ACCURATE)
    Verdict.objects.create(
        claim=claim, reviewer=reviewer2, rating=Rating.INACCURATE, rationale="No."
    )
    claim_status.refresh([claim.pk])  # rows written directly, not through articles.reviewing
    client.force_login(reviewer)
    html = client.get(reverse("articles:claim_verdicts", args=[claim.pk]), **HTMX).text
    assert 'data-reviewer="rosa"' in html and 'data-reviewer="rami"' in html
    assert "ACC" in html and "INA" in html
    assert "Contested" in html


def test_user_text_is_rendered_as_text_never_markup(client, reviewer, claim):
    client.force_login(reviewer)
    payload = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    save(
        client,
        claim,
        form(
            rationale=payload,
            sources=[
                {
                    "url": "https://example.com/",
                    "title": payload,
                    "quote": payload,
                    "publisher": payload,
                }
            ],
        ),
    )
    html = client.get(reverse("articles:claim_verdicts", args=[claim.pk]), **HTMX).text
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert 'rel="noopener noreferrer"' in html


@pytest.mark.parametrize(
    "data, message",
    [
        (form(rating="brilliant"), "Choose a rating on the scale"),
        (form(rating=""), "Choose a rating on the scale"),
        (form(sources=[{"url": "javascript:alert(1)"}]), "starting with http"),
        (form(sources=[{"url": "http://"}]), "starting with http"),
        (form(sources=[{"url": "ftp://example.com/file"}]), "starting with http"),
        (form(rationale="x" * 10_001), "at most 10000 characters"),
    ],
)
def test_bad_verdicts_get_a_message_and_change_nothing(client, reviewer, claim, data, message):
    client.force_login(reviewer)
    response = save(client, claim, data)
    assert response.status_code == 422
    assert message in response.text
    assert not Verdict.objects.exists() and not Source.objects.exists()


def test_a_verdict_and_its_sources_are_saved_together_or_not_at_all(client, reviewer, claim):
    client.force_login(reviewer)
    save(client, claim, form(sources=[{"url": "https://ok.example/"}, {"url": "javascript:x"}]))
    assert not Verdict.objects.exists() and not Source.objects.exists()


def test_editing_keeps_earlier_versions_and_replaces_sources(client, reviewer, claim):
    client.force_login(reviewer)
    save(
        client, claim, form(sources=[{"url": "https://a.example/"}, {"url": "https://b.example/"}])
    )
    verdict = Verdict.objects.get()
    keep = verdict.sources.get(url="https://a.example/")
    data = form(
        rating="inaccurate",
        rationale="Changed my mind.",
        revision=str(verdict.revision),
        sources=[{"id": str(keep.pk), "url": "https://a.example/", "title": "Kept"}],
    )
    assert save(client, claim, data).status_code == 200
    verdict.refresh_from_db()
    assert (verdict.rating, verdict.revision) == (Rating.INACCURATE, 2)
    assert [(s.pk, s.title) for s in verdict.sources.all()] == [(keep.pk, "Kept")]
    assert [h.rating for h in verdict.history.order_by("history_date")] == [
        Rating.MOSTLY_ACCURATE,
        Rating.INACCURATE,
    ]


def test_a_stale_edit_is_told_about_the_conflict_and_overwrites_nothing(client, reviewer, claim):
    client.force_login(reviewer)
    save(client, claim, form(rating="accurate"))
    verdict = Verdict.objects.get()
    # Another window saves first.
    save(client, claim, form(rating="mixed", rationale="Other window", revision="1"))
    response = save(
        client, claim, form(rating="inaccurate", rationale="Stale window", revision="1")
    )
    assert response.status_code == 409
    assert "changed in another window" in response.text
    assert "Other window" in response.text  # the newer state is shown
    assert "Stale window" in response.text  # and the user's input kept
    assert 'name="revision" value="2"' in response.text
    verdict.refresh_from_db()
    assert (verdict.rating, verdict.rationale) == (Rating.MIXED, "Other window")


def test_a_second_new_verdict_from_the_same_reviewer_is_a_conflict(client, reviewer, claim):
    client.force_login(reviewer)
    save(client, claim, form(rating="accurate"))
    response = save(client, claim, form(rating="inaccurate"))
    assert response.status_code == 409
    assert Verdict.objects.get().rating == Rating.ACCURATE


def test_a_form_left_open_on_a_deleted_claim_gets_a_clear_message(client, reviewer, claim):
    client.force_login(reviewer)
    url = reverse("articles:verdict_save", args=[claim.pk])
    claim.delete()
    response = client.post(url, form(), **HTMX)
    assert response.status_code == 409
    assert "This claim was deleted" in response.text
    assert not Verdict.objects.exists()


def test_outsiders_cannot_judge_claims_of_stories_they_cannot_see(client, outsider, claim):
    client.force_login(outsider)
    assert save(client, claim, form()).status_code == 404
    assert (
        client.get(reverse("articles:claim_verdicts", args=[claim.pk]), **HTMX).status_code == 404
    )
    assert not Verdict.objects.exists()


def test_add_source_returns_another_blank_row_without_saving(client, reviewer, claim):
    client.force_login(reviewer)
    data = form(sources=[{"url": "https://a.example/"}]) | {"add_source": "1"}
    response = save(client, claim, data)
    assert 'name="sources-1-url"' in response.text
    assert 'value="https://a.example/"' in response.text
    assert not Verdict.objects.exists()


def test_without_htmx_a_saved_verdict_redirects_to_the_claim(client, reviewer, claim):
    client.force_login(reviewer)
    response = save(client, claim, form(), htmx=False)
    assert response.status_code == 302 and f"?claim={claim.pk}" in response.url


def test_the_panels_verdicts_are_sent_again_only_when_the_claim_changed(
    client, reviewer, reviewer2, original, claim
):
    """Open panels refetch their verdicts at every change of the story, with the claim's
    revision they show: 204 until a write stamps this claim."""
    from articles import reviewing

    client.force_login(reviewer)
    url = reverse("articles:claim_verdicts", args=[claim.pk])
    panel = client.get(reverse("articles:claim_detail", args=[claim.pk]), **HTMX).text
    claim.refresh_from_db()
    assert f'{url}?rev={claim.changed_revision}"' in panel
    shown = claim.changed_revision
    # Another claim judged: the story's revision moves on, this claim's does not.
    start, end = span_of(original, "£4.2m")
    other, _ = reviewing.claim_create(
        version=original, user=reviewer2, start=start, end=end, exact="£4.2m"
    )
    reviewing.verdict_save(
        claim=other, user=reviewer2, rating="accurate", rationale="", sources=[], revision=None
    )
    assert client.get(url, {"rev": shown}, **HTMX).status_code == 204
    # A verdict on this claim by someone else: sent again, with the new revision.
    reviewing.verdict_save(
        claim=claim, user=reviewer2, rating="inaccurate", rationale="No.", sources=[], revision=None
    )
    response = client.get(url, {"rev": shown}, **HTMX)
    assert response.status_code == 200 and 'data-reviewer="rami"' in response.text
    claim.refresh_from_db()
    assert f"?rev={claim.changed_revision}" in response.text
    assert client.get(url, {"rev": claim.changed_revision}, **HTMX).status_code == 204
    # Without a revision (an older page), or a deleted claim: as before.
    assert client.get(url, **HTMX).status_code == 200
    Claim.objects.filter(pk=claim.pk).delete()
    gone = client.get(url, {"rev": shown}, **HTMX)
    assert gone.status_code == 200 and "deleted" in gone.text.lower()


def test_a_saved_verdict_redraws_the_form_and_the_verdicts_not_the_notes(client, reviewer, claim):
    client.force_login(reviewer)
    response = save(client, claim, form(sources=[{"url": "https://a.example/"}]))
    verdict = Verdict.objects.get()
    assert response.text.lstrip().startswith('<div id="my-verdict"')
    assert f'name="revision" value="{verdict.revision}"' in response.text
    assert 'value="https://a.example/"' in response.text
    assert response.text.count('id="verdicts"') == 1 and 'id="note-list"' not in response.text
