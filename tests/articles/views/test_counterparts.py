"""Counterparts across versions: ranked suggestions, reviewer decisions, what counts as contested."""

import pytest
from django.urls import reverse

from articles.models import Counterpart, Story
from articles.reviewing import claim_create
from articles.versions import import_version
from tests.articles import seedset
from tests.conftest import span_of

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def mark(version, user, words):
    start, end = span_of(version, words)
    return claim_create(version=version, user=user, start=start, end=end, exact=words)[0]


def decide(client, counterpart, **data):
    url = reverse("articles:counterpart_update", args=[counterpart.pk])
    return client.post(url, data, **HTMX)


def test_the_panel_shows_ranked_suggestions_with_a_readable_confidence(
    client, reviewer, original, rewritten
):
    claim = mark(original, reviewer, "takes eighteen months")
    cp = claim.counterparts.get()
    assert 1 <= len(cp.candidates) <= 3
    assert cp.candidates[0]["confidence"] in {"strong", "possible", "weak"}
    client.force_login(reviewer)
    html = client.get(reverse("articles:claim_detail", args=[claim.pk]), **HTMX).text
    assert "Suggested counterparts in Rewritten copy, best first" in html
    assert "What “strong”, “possible” and “weak” mean" in html
    assert "duration: eighteen months vs eighteen years" in html
    assert "lemmas + character n-grams + context" in html  # which backend suggested them


def test_a_strong_match_is_proposed_and_its_facts_make_the_claim_contested(
    reviewer, original, rewritten
):
    claim = mark(original, reviewer, "takes eighteen months")
    cp = claim.counterparts.get()
    assert cp.status == Counterpart.Status.PROPOSED and cp.confidence == "strong"
    assert "eighteen years" in cp.exact
    assert claim.status == "contested"
    assert claim.contest_summary == "Versions state different facts"


def test_an_unchecked_claim_without_counterpart_is_not_contested(story, editor, reviewer):
    a = import_version(story=story, text="Cats sleep a lot. Dogs bark at night.", label="A", created_by=editor)  # fmt: skip
    import_version(story=story, text="Cats sleep a lot. Parliament passed a budget.", label="B", created_by=editor)  # fmt: skip
    claim = mark(a, reviewer, "Dogs bark at night")
    cp = claim.counterparts.get()
    assert cp.status == Counterpart.Status.NOT_FOUND and cp.absent
    assert claim.status == "unreviewed"
    assert [v.label for v in claim.missing_from] == ["B"]


def test_choosing_a_suggestion_confirms_it_and_recomputes_the_facts(
    client, reviewer, original, rewritten
):
    claim = mark(original, reviewer, "It protects 3,400 homes")
    cp = claim.counterparts.get()
    client.force_login(reviewer)
    response = decide(client, cp, action="choose", candidate=0, revision=cp.revision)
    assert response.status_code == 200
    cp.refresh_from_db()
    assert cp.status == "confirmed" and cp.confirmed_by == reviewer
    assert cp.exact == cp.candidates[0]["exact"]
    assert cp.revision == 2


def test_a_stale_decision_is_refused_and_shows_the_current_state(
    client, reviewer, reviewer2, original, rewritten
):
    claim = mark(original, reviewer, "It protects 3,400 homes")
    cp = claim.counterparts.get()
    client.force_login(reviewer2)
    assert decide(client, cp, action="absent", revision=cp.revision).status_code == 200
    client.force_login(reviewer)
    response = decide(client, cp, action="choose", candidate=0, revision=cp.revision)
    assert response.status_code == 409
    assert "rami changed this counterpart a moment ago" in response.text
    cp.refresh_from_db()
    assert cp.absent and cp.confirmed_by.username == "rami"


def test_a_reviewer_sets_the_counterpart_by_its_words(client, reviewer, original, rewritten):
    claim = mark(original, reviewer, "It protects 3,400 homes")
    cp = claim.counterparts.get()
    client.force_login(reviewer)
    response = decide(
        client, cp, action="words", words="The  wall shields\n3,400 homes", revision=1
    )
    assert response.status_code == 200
    cp.refresh_from_db()
    assert cp.exact == "The wall shields 3,400 homes" and cp.status == "confirmed"


@pytest.mark.parametrize(
    ("words", "message"),
    [
        ("Nothing like this", "These words are not in “Rewritten copy”"),
        ("3,400 homes.\n\nWork begins", "A counterpart must lie within one paragraph"),
        ("", "Type or paste the counterpart"),
    ],
)
def test_bad_words_get_a_clear_message_and_change_nothing(
    client, reviewer, original, rewritten, words, message
):
    claim = mark(original, reviewer, "It protects 3,400 homes")
    cp = claim.counterparts.get()
    client.force_login(reviewer)
    response = decide(client, cp, action="words", words=words, revision=1)
    assert response.status_code == 422
    assert message in response.text
    cp.refresh_from_db()
    assert cp.status != "confirmed" and cp.revision == 1


def test_not_in_this_version_puts_the_claim_in_its_own_dashboard_list(
    client, reviewer, original, rewritten
):
    claim = mark(original, reviewer, "It protects 3,400 homes")
    cp = claim.counterparts.get()
    client.force_login(reviewer)
    decide(client, cp, action="absent", revision=1)
    html = client.get(reverse("articles:story_dashboard", args=[original.story_id])).text
    assert "In one version only" in html
    assert "added in Original report · not in Rewritten copy" in html
    claim.refresh_from_db()
    assert claim.status == "unreviewed"  # not a red flag


def test_the_story_page_compares_any_pair_of_three_versions(client, editor, reviewer, original, rewritten):  # fmt: skip
    third = import_version(
        story=original.story,
        text="Sea wall approved\n\nThe council approved £4.2m for the wall on Tuesday.",
        label="Wire copy",
        created_by=editor,
    )
    client.force_login(reviewer)
    html = client.get(reverse("articles:story_detail", args=[original.story_id])).text
    assert 'name="left"' in html and 'name="right"' in html
    url = reverse("articles:story_compare", args=[original.story_id])
    response = client.get(url, {"left": rewritten.pk, "right": third.pk})
    assert response.url == reverse("articles:version_compare", args=[rewritten.pk, third.pk])
    claim = mark(original, reviewer, "spend £4.2m on the wall")
    assert {cp.version.label for cp in claim.counterparts.all()} == {"Rewritten copy", "Wire copy"}
    board = client.get(reverse("articles:story_dashboard", args=[original.story_id])).text
    assert "Rewritten copy · " in board and "Wire copy · " in board


@pytest.mark.parametrize(
    "query", [{"left": "1"}, {"left": "x", "right": "y"}, {"left": "²", "right": "1"}, {}]
)
def test_the_pair_picker_refuses_bad_choices_clearly(client, reviewer, original, rewritten, query):
    client.force_login(reviewer)
    url = reverse("articles:story_compare", args=[original.story_id])
    response = client.get(url, query, follow=True)
    assert "Choose two" in response.text


def test_a_one_version_story_says_there_is_nothing_to_compare(client, editor, reviewer, original):
    claim = mark(original, reviewer, "It protects 3,400 homes")
    client.force_login(reviewer)
    html = client.get(reverse("articles:claim_detail", args=[claim.pk]), **HTMX).text
    assert "This story has one version" in html


@pytest.mark.skipif(not seedset.available(), reason="../shared/seeds is not beside this checkout")
def test_on_the_seed_story_the_hardware_claim_finds_its_blog_counterpart(client, editor, reviewer):
    gold = seedset.DATA.read_text(encoding="utf-8")
    import json

    files = json.loads(gold)
    story = Story.objects.create(title="DeepSeek", created_by=editor)
    story.members.add(reviewer)
    bbc = import_version(
        story=story,
        text=(seedset.SEEDS / files["left_file"]).read_text(encoding="utf-8"),
        label="BBC copy",
        created_by=editor,
    )
    import_version(
        story=story,
        text=(seedset.SEEDS / files["right_file"]).read_text(encoding="utf-8"),
        label="Blog",
        created_by=editor,
    )
    start = bbc.text.index("DeepSeek says it trained")
    end = bbc.text.index("lower-grade chips") + len("lower-grade chips")
    claim, _ = claim_create(
        version=bbc, user=reviewer, start=start, end=end, exact=bbc.text[start:end]
    )
    cp = claim.counterparts.get()
    hits = [
        c for c in cp.candidates if "Huawei" in c["exact"] or "reportedly trained" in c["exact"]
    ]
    assert hits, [c["exact"] for c in cp.candidates]
    assert hits[0]["fact_diffs"], "the blog names other hardware than the BBC copy's figures"
    client.force_login(reviewer)
    index = cp.candidates.index(hits[0])
    decide(client, cp, action="choose", candidate=index, revision=cp.revision)
    board = client.get(reverse("articles:story_dashboard", args=[story.pk]) + "?reason=facts").text
    assert "Versions state different facts" in board
    assert f"entry-{claim.pk}" in board


def test_a_third_version_imported_mid_review_adds_counterparts_and_keeps_decisions(
    client, editor, reviewer, original, rewritten
):
    claim = mark(original, reviewer, "It protects 3,400 homes")
    cp = claim.counterparts.get()
    client.force_login(reviewer)
    decide(client, cp, action="absent", revision=cp.revision)
    import_version(
        story=original.story,
        text="Wall approved\n\nThe wall protects 3,400 homes, the council said.",
        label="Wire copy",
        created_by=editor,
    )
    cps = {c.version.label: c for c in claim.counterparts.select_related("version")}
    assert set(cps) == {"Rewritten copy", "Wire copy"}
    assert cps["Rewritten copy"].absent and cps["Rewritten copy"].confirmed_by == reviewer
    assert "3,400 homes" in cps["Wire copy"].candidates[0]["exact"]


def test_a_claim_is_stored_with_its_counterparts_in_one_revision(reviewer, original, rewritten):
    """Open pages see the new claim once, already with its counterparts and its status."""
    before = Story.objects.get(pk=original.story_id).revision
    claim = mark(original, reviewer, "takes eighteen months")
    story = Story.objects.get(pk=original.story_id)
    assert story.revision == before + 1
    stored = type(claim).objects.get(pk=claim.pk)
    assert stored.created_revision == stored.changed_revision == story.revision
    assert stored.counterparts.get().status == Counterpart.Status.PROPOSED
    assert stored.status == "contested"


def test_a_moved_claim_gets_the_counterpart_of_its_new_words(reviewer, original, rewritten):
    from articles.reviewing import claim_update_span

    claim = mark(original, reviewer, "takes eighteen months")
    before = Story.objects.get(pk=original.story_id).revision
    start, end = span_of(original, "3,400 homes")
    moved = claim_update_span(
        claim=claim, user=reviewer, start=start, end=end, exact="3,400 homes", revision=1
    )
    assert Story.objects.get(pk=original.story_id).revision == before + 1
    cp = moved.counterparts.get()
    assert "homes" in cp.exact and "eighteen" not in cp.exact
