"""Suggested claims in the reading view: list, accept, dismiss, every permission path."""

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from articles.models import Claim, SuggestionDismissal, Version
from articles.reviewing import claim_create
from tests.conftest import span_of

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
COUNCIL = "The council voted on Tuesday to spend £4.2m on the wall."


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()


def list_url(version):
    return reverse("articles:version_suggestions", args=[version.pk])


def accept(client, version, words, **extra):
    start, end = span_of(version, words)
    return client.post(
        reverse("articles:suggestion_accept", args=[version.pk]),
        {"start": start, "end": end},
        **extra,
    )


def dismiss(client, version, words, reason="not_worth", **extra):
    start, end = span_of(version, words)
    return client.post(
        reverse("articles:suggestion_dismiss", args=[version.pk]),
        {"start": start, "end": end, "reason": reason},
        **extra,
    )


def test_the_list_ranks_checkable_sentences(client, reviewer, original, rewritten):
    client.force_login(reviewer)
    response = client.get(list_url(original), **HTMX)
    assert response.status_code == 200
    text = response.text
    assert text.lstrip().startswith('<div id="suggestion-list"')
    assert COUNCIL in text
    assert "By Ana Ruiz" not in text  # a byline is not a claim
    assert "differs from the other version" in text  # £4.2m vs £42m


def test_without_htmx_it_is_a_page(client, reviewer, original):
    client.force_login(reviewer)
    response = client.get(list_url(original))
    assert response.status_code == 200
    assert "<h1>Suggested claims</h1>" in response.text


def test_the_reading_view_loads_the_list_and_its_script(client, reviewer, original):
    client.force_login(reviewer)
    text = client.get(original.get_absolute_url()).text
    assert f'data-hx-get="{list_url(original)}"' in text
    assert "js/suggestions.js" in text


def test_accepting_makes_a_claim_and_drops_the_suggestion(client, reviewer, original):
    client.force_login(reviewer)
    response = accept(client, original, COUNCIL, **HTMX)
    assert response.status_code == 200
    claim = Claim.objects.get()
    assert (claim.exact, claim.created_by) == (COUNCIL, reviewer)
    assert "Claim #1 marked from a suggestion." in response.text
    assert 'id="suggestion-list" class="suggestion-list" data-hx-swap-oob="true"' in response.text
    assert f'data-start="{claim.start}"' not in response.text.split('id="suggestion-list"')[1]
    # Accepting it again (a second click, another reviewer): the same claim, said so.
    again = accept(client, original, COUNCIL, **HTMX)
    assert "already claim #1" in again.text
    assert Claim.objects.count() == 1


def test_accepting_without_htmx_redirects_to_the_claim(client, reviewer, original):
    client.force_login(reviewer)
    response = accept(client, original, COUNCIL)
    claim = Claim.objects.get()
    assert response.url == f"{original.get_absolute_url()}?claim={claim.pk}"


def test_a_span_that_is_not_a_suggestion_is_refused(client, reviewer, original):
    client.force_login(reviewer)
    response = accept(client, original, "By Ana Ruiz", **HTMX)
    assert response.status_code == 422
    assert "not a suggested claim" in response.text
    assert not Claim.objects.exists()
    bad = client.post(
        reverse("articles:suggestion_accept", args=[original.pk]), {"start": "x"}, **HTMX
    )
    assert bad.status_code == 422


def test_dismissing_needs_a_reason_and_hides_it_for_everyone(client, reviewer, reviewer2, original):
    client.force_login(reviewer)
    response = dismiss(client, original, COUNCIL, reason="", **HTMX)
    assert "Choose why" in response.text
    assert not SuggestionDismissal.objects.exists()
    response = dismiss(client, original, COUNCIL, **HTMX)
    assert "Suggestion dismissed." in response.text
    assert COUNCIL not in response.text
    assert SuggestionDismissal.objects.get().reason == "not_worth"
    client.force_login(reviewer2)
    assert COUNCIL not in client.get(list_url(original), **HTMX).text


def test_dismissing_without_htmx_redirects_to_the_list(client, reviewer, original):
    client.force_login(reviewer)
    response = dismiss(client, original, COUNCIL)
    assert response.url == list_url(original)


def test_a_version_with_no_sentences_says_so(client, editor, story):
    empty = Version.objects.create(
        story=story, label="Empty", text="…", text_sha256="0" * 64, created_by=editor
    )
    client.force_login(editor)
    response = client.get(list_url(empty), **HTMX)
    assert "This version has no sentences" in response.text
    assert dismiss(client, empty, "…", **HTMX).status_code == 200
    assert accept(client, empty, "…", **HTMX).status_code == 422


@pytest.mark.parametrize("method", ["list", "accept", "dismiss"])
def test_a_non_member_gets_404(client, outsider, original, method):
    client.force_login(outsider)
    if method == "list":
        response = client.get(list_url(original))
    elif method == "accept":
        response = accept(client, original, COUNCIL)
    else:
        response = dismiss(client, original, COUNCIL)
    assert response.status_code == 404
    assert not Claim.objects.exists() and not SuggestionDismissal.objects.exists()


def test_anonymous_users_are_sent_to_log_in(client, original):
    assert client.get(list_url(original)).status_code == 302
    assert accept(client, original, COUNCIL).status_code == 302


def test_accept_and_dismiss_need_post(client, reviewer, original):
    client.force_login(reviewer)
    assert client.get(reverse("articles:suggestion_accept", args=[original.pk])).status_code == 405
    assert client.get(reverse("articles:suggestion_dismiss", args=[original.pk])).status_code == 405


def test_a_version_with_too_many_sentences_gets_no_suggestions(
    client, reviewer, original, monkeypatch
):
    """Ranking 50,000 sentences ran past the request timeout: it is not done at all."""
    from articles import suggestions
    from articles.text import checkworthy

    monkeypatch.setattr(suggestions, "MAX_SENTENCES", original.sentences.count() - 1)

    def never(*args, **kwargs):
        raise AssertionError("ranked while the reader waits")

    monkeypatch.setattr(checkworthy, "rank", never)
    client.force_login(reviewer)
    html = client.get(list_url(original), **HTMX).content.decode()
    assert "too many to suggest claims from" in html
    assert 'class="suggestion"' not in html
    page = client.get(original.get_absolute_url()).content.decode()
    assert "too many to suggest claims from" in page
    # The reading view does not ask for them when it loads or when claims change.
    assert list_url(original) not in page.split('id="suggestions"')[1].split(">")[0]


def fingerprint_in(html: str) -> str:
    marker = 'id="suggestions-fp" name="fp" value="'
    return html.split(marker)[1].split('"')[0]


def test_a_refetch_of_an_unchanged_list_is_answered_204(client, reviewer, reviewer2, original):
    """Open pages refetch the list at every change of the story's claims, sending the
    fingerprint of the list they show: nothing is rendered again until it changes."""
    client.force_login(reviewer)
    html = client.get(list_url(original), **HTMX).text
    assert 'data-hx-include="#suggestions-fp"' in client.get(original.get_absolute_url()).text
    fp = fingerprint_in(html)
    assert client.get(list_url(original), {"fp": fp}, **HTMX).status_code == 204
    # A claim on words outside every suggested sentence changes nothing in the list.
    start, end = span_of(original, "By Ana Ruiz")
    claim_create(version=original, user=reviewer2, start=start, end=end, exact="By Ana Ruiz")
    assert client.get(list_url(original), {"fp": fp}, **HTMX).status_code == 204
    # A claim inside a suggested sentence takes it out of the list: the list is sent again.
    start, end = span_of(original, "£4.2m")
    claim_create(version=original, user=reviewer2, start=start, end=end, exact="£4.2m")
    response = client.get(list_url(original), {"fp": fp}, **HTMX)
    assert response.status_code == 200
    assert COUNCIL not in response.text
    assert fingerprint_in(response.text) != fp
    # A stale or made-up fingerprint gets the list; so does a page without one.
    assert client.get(list_url(original), {"fp": "x"}, **HTMX).status_code == 200
    assert client.get(list_url(original), **HTMX).status_code == 200


def test_a_refetch_of_an_unchanged_list_reads_seven_rows(
    client, reviewer, reviewer2, original, django_assert_num_queries
):
    """Every open page refetches the list at every change of claims: the session, the
    user, the version, its sentence count, its claims and dismissals (one query), and the
    key of the ranked sentences (versions, manual links), however many claims there are."""
    start, end = span_of(original, "By Ana Ruiz")
    claim_create(version=original, user=reviewer2, start=start, end=end, exact="By Ana Ruiz")
    start, end = span_of(original, COUNCIL)
    SuggestionDismissal.objects.create(
        version=original, start=start, end=end, reason="not_worth", dismissed_by=reviewer2
    )
    client.force_login(reviewer)
    fp = fingerprint_in(client.get(list_url(original), **HTMX).text)
    with django_assert_num_queries(7):
        assert client.get(list_url(original), {"fp": fp}, **HTMX).status_code == 204


def test_a_dismissal_by_someone_else_changes_the_fingerprint(client, reviewer, reviewer2, original):
    client.force_login(reviewer)
    fp = fingerprint_in(client.get(list_url(original), **HTMX).text)
    other = Client()
    other.force_login(reviewer2)
    dismiss(other, original, COUNCIL, **HTMX)
    response = client.get(list_url(original), {"fp": fp}, **HTMX)
    assert response.status_code == 200 and COUNCIL not in response.text


def suggested_spans(html: str) -> list[tuple[int, int]]:
    import re

    return [
        (int(a), int(b))
        for a, b in re.findall(
            r'class="suggestion" tabindex="0" data-start="(\d+)" data-end="(\d+)"', html
        )
    ]


def test_the_panel_shows_the_best_few_and_the_page_shows_them_all(
    client, reviewer, original, monkeypatch
):
    """The reading view's list is bounded: its first SHOWN items, then a link to the list's
    own page, which shows every open suggestion (and keeps doing so when it refetches)."""
    from articles import suggestions

    client.force_login(reviewer)
    every = suggested_spans(client.get(list_url(original)).text)
    assert len(every) >= 3
    monkeypatch.setattr(suggestions, "SHOWN", 2)
    panel = client.get(list_url(original), **HTMX).text
    assert suggested_spans(panel) == every[:2]
    assert f'href="{list_url(original)}">All suggested claims</a>' in panel
    page = client.get(list_url(original)).text
    assert suggested_spans(page) == every
    assert f'data-hx-get="{list_url(original)}?every=1"' in page
    assert "All suggested claims" not in page
    assert suggested_spans(client.get(list_url(original), {"every": "1"}, **HTMX).text) == every
    # Its forms say so too: acting on the page's list answers with the whole list again.
    assert page.count('<input type="hidden" name="every" value="1">') == 2 * len(every)
    monkeypatch.setattr(suggestions, "SHOWN", len(every))
    assert "All suggested claims" not in client.get(list_url(original), **HTMX).text


def test_a_claim_below_the_shown_few_leaves_the_panel_alone(
    client, reviewer, reviewer2, original, monkeypatch
):
    from articles import suggestions

    monkeypatch.setattr(suggestions, "SHOWN", 1)
    client.force_login(reviewer)
    every = suggested_spans(client.get(list_url(original)).text)
    panel = client.get(list_url(original), **HTMX).text
    fp = fingerprint_in(panel)
    start, end = every[-1]  # the least check-worthy: not shown in the panel
    claim_create(
        version=original, user=reviewer2, start=start, end=end, exact=original.text[start:end]
    )
    assert client.get(list_url(original), {"fp": fp}, **HTMX).status_code == 204
    # The page of every suggestion did change.
    assert (start, end) not in suggested_spans(client.get(list_url(original)).text)
    # Marking the one shown brings the next one in.
    start, end = every[0]
    claim_create(
        version=original, user=reviewer2, start=start, end=end, exact=original.text[start:end]
    )
    response = client.get(list_url(original), {"fp": fp}, **HTMX)
    assert response.status_code == 200
    assert suggested_spans(response.text) == [every[1]]


def test_dismissing_from_the_page_of_every_suggestion_answers_with_them_all(
    client, reviewer, original, monkeypatch
):
    from articles import suggestions

    monkeypatch.setattr(suggestions, "SHOWN", 1)
    client.force_login(reviewer)
    every = suggested_spans(client.get(list_url(original)).text)
    start, end = every[0]
    response = client.post(
        reverse("articles:suggestion_dismiss", args=[original.pk]),
        {"start": start, "end": end, "reason": "not_worth", "every": "1"},
        **HTMX,
    )
    assert suggested_spans(response.text) == every[1:]
    start, end = every[1]
    response = client.post(
        reverse("articles:suggestion_dismiss", args=[original.pk]),
        {"start": start, "end": end, "reason": "not_worth"},
        **HTMX,
    )
    assert suggested_spans(response.text) == every[2:3]


def test_the_list_context_fingerprint_is_the_one_the_reading_view_list_carries(
    client, reviewer, original, monkeypatch
):
    """What a pushed update tells pages about their list (articles/live_push.py)."""
    from articles import suggestions

    client.force_login(reviewer)
    for shown in (1, 100):
        monkeypatch.setattr(suggestions, "SHOWN", shown)
        panel = client.get(list_url(original), **HTMX).text
        assert fingerprint_in(panel) == suggestions.list_context(original)["fingerprint"]
    monkeypatch.setattr(suggestions, "MAX_SENTENCES", 0)
    assert suggestions.list_context(original)["fingerprint"] == ""


def test_a_resegmented_version_is_ranked_again(reviewer, original):
    """The ranking is cached per text; re-segmenting (articles/resegmenting.py) records the
    new segmenter, and the sentences it made are ranked, not those cached before."""
    from articles import suggestions

    before = suggestions.ranked(original)
    gone = before[0]
    original.sentences.filter(start=gone.start, end=gone.end).delete()
    assert suggestions.ranked(original) == before  # cached: the text did not change
    Version.objects.filter(pk=original.pk).update(segmenter="another segmenter")
    after = suggestions.ranked(original)
    assert (gone.start, gone.end) not in {(s.start, s.end) for s in after}
