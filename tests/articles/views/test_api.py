"""The JSON API: token authentication, the pages' permissions, writes through the domain
functions (nothing stored half-way), and the OpenAPI schema."""

import json

import pytest
from django.core.management import call_command

from articles import api as api_module
from articles.models import ApiToken, Claim, Publication, Story, Verdict, Version
from tests.conftest import ORIGINAL, run_queued_tasks

pytestmark = pytest.mark.django_db


def bearer(user):
    _, key = ApiToken.issue(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def send(client, method, path, auth, body=None):
    kwargs = dict(auth)
    if body is not None:
        kwargs |= {"data": json.dumps(body), "content_type": "application/json"}
    response = getattr(client, method)(f"/api/v1{path}", **kwargs)
    return response, json.loads(response.content or b"null")


# ---------------------------------------------------------------------------- tokens


def test_it_needs_a_valid_token(client, editor, judged):
    assert client.get("/api/v1/stories").status_code == 401
    wrong = {"HTTP_AUTHORIZATION": "Bearer fct_not-a-token"}
    response, body = send(client, "get", "/stories", wrong)
    assert response.status_code == 401 and body == {"detail": "Unauthorized"}
    # A session is not enough either: the API takes tokens only (no CSRF for scripts).
    client.force_login(editor)
    assert client.get("/api/v1/stories").status_code == 401


def test_only_a_hash_of_the_key_is_stored(editor):
    token, key = ApiToken.issue(user=editor, name="cms")
    assert key.startswith("fct_") and len(key) > 40
    assert key not in (token.key_hash, token.hint) and key.startswith(token.hint)
    assert ApiToken.objects.for_key(key) == token


def test_a_revoked_token_or_an_inactive_user_is_refused(client, editor, judged):
    auth = bearer(editor)
    assert send(client, "get", "/stories", auth)[0].status_code == 200
    editor.is_active = False
    editor.save()
    assert send(client, "get", "/stories", auth)[0].status_code == 401
    editor.is_active = True
    editor.save()
    ApiToken.objects.all().delete()
    assert send(client, "get", "/stories", auth)[0].status_code == 401


def test_the_token_page_shows_a_new_key_once_and_revokes(client, reviewer):
    client.force_login(reviewer)
    response = client.post("/account/tokens/", {"action": "create", "name": "my script"})
    token = ApiToken.objects.get(user=reviewer)
    assert response.status_code == 200 and token.name == "my script"
    key = response.text.split('id="new-key" class="token-key" type="text" value="')[1].split('"')[0]
    assert ApiToken.objects.for_key(key) == token
    assert key not in client.get("/account/tokens/").text
    client.post("/account/tokens/", {"action": "revoke", "token": token.pk})
    assert not ApiToken.objects.exists()


def test_the_token_page_refuses_an_empty_name_and_other_users_tokens(client, reviewer, editor):
    theirs, _ = ApiToken.issue(user=editor, name="editor's")
    client.force_login(reviewer)
    assert client.post("/account/tokens/", {"action": "create", "name": " "}).status_code == 422
    client.post("/account/tokens/", {"action": "revoke", "token": theirs.pk})
    assert ApiToken.objects.filter(pk=theirs.pk).exists()
    assert client.get("/account/tokens/").status_code == 200


def test_the_command_prints_a_working_key(client, editor, capsys):
    call_command("create_api_token", "--user", editor.username, "--name", "nightly export")
    key = capsys.readouterr().out.strip()
    assert ApiToken.objects.for_key(key).name == "nightly export"


# ---------------------------------------------------------------------------- permissions


def test_a_reviewer_not_member_of_the_story_gets_404_everywhere(client, outsider, judged):
    auth = bearer(outsider)
    version = judged.versions.first()
    claim = Claim.objects.filter(version=version).first()
    assert send(client, "get", "/stories", auth)[1]["count"] == 0
    for path in (
        f"/stories/{judged.pk}",
        f"/stories/{judged.pk}/versions",
        f"/stories/{judged.pk}/dashboard",
        f"/versions/{version.pk}",
        f"/versions/{version.pk}/claims",
        f"/claims/{claim.pk}",
        f"/claims/{claim.pk}/verdicts",
    ):
        response, body = send(client, "get", path, auth)
        assert response.status_code == 404, path
        assert body == {"detail": "Not found, or not in a story you are a member of."}
    before = Verdict.objects.count()
    response, _ = send(client, "put", f"/claims/{claim.pk}/verdict", auth, {"rating": "accurate"})
    assert response.status_code == 404 and Verdict.objects.count() == before
    response, _ = send(client, "post", f"/versions/{version.pk}/claims", auth, {"quote": "homes"})
    assert response.status_code == 404


def test_reviewers_cannot_do_what_only_editors_do(client, reviewer, judged):
    auth = bearer(reviewer)
    claim = Claim.objects.get(exact="will last eighteen years")
    for method, path, body in (
        ("post", "/stories", {"title": "Mine"}),
        ("post", f"/stories/{judged.pk}/versions", {"label": "Third", "text": "Some text."}),
        ("post", f"/claims/{claim.pk}/settle", {"rating": "accurate", "revision": claim.revision}),
        ("post", f"/stories/{judged.pk}/publication", None),
        ("delete", f"/stories/{judged.pk}/publication", None),
    ):
        response, answer = send(client, method, path, auth, body)
        assert response.status_code == 403, path
        assert answer["detail"] == "Only editors can do this."
    assert Story.objects.count() == 1 and Version.objects.count() == 2
    assert Publication.objects.get().is_live


# ---------------------------------------------------------------------------- reads


def test_a_member_reads_stories_versions_claims_verdicts_and_sources(client, reviewer, judged):
    auth = bearer(reviewer)
    stories = send(client, "get", "/stories", auth)[1]
    assert stories["count"] == 1
    story = stories["items"][0]
    assert story["title"] == "Sea wall" and story["claim_count"] == 4
    assert story["published_url"].startswith("http://testserver/fact-checks/")
    versions = send(client, "get", f"/stories/{judged.pk}/versions", auth)[1]
    assert [v["label"] for v in versions] == ["Original report", "Rewritten copy"]
    detail = send(client, "get", f"/versions/{versions[0]['id']}", auth)[1]
    assert (
        detail["text"].startswith("Harbour town votes") and detail["blocks"][0]["kind"] == "heading"
    )
    claims = send(client, "get", f"/versions/{versions[0]['id']}/claims", auth)[1]
    money = next(c for c in claims if c["exact"] == "spend £4.2m on the wall")
    assert detail["text"][money["start"] : money["end"]] == money["exact"]
    assert money["status"] == "settled" and money["settled"]["rating"] == "accurate"
    full = send(client, "get", f"/claims/{money['id']}", auth)[1]
    assert {v["rating"] for v in full["verdicts"]} == {"accurate", "inaccurate"}
    assert full["verdicts"][0]["sources"][0]["url"] == "https://council.example/minutes"
    assert full["counterparts"][0]["fact_differences"] == ["money: £4.2m vs £42m"]


def test_the_dashboard_data_matches_the_dashboard(client, reviewer, judged):
    auth = bearer(reviewer)
    data = send(client, "get", f"/stories/{judged.pk}/dashboard", auth)[1]
    assert data["summary"]["claims"] == 4 and data["summary"]["settled"] == 1
    assert len(data["claims"]) == 4
    contested = send(client, "get", f"/stories/{judged.pk}/dashboard?status=contested", auth)[1]
    assert {c["status"] for c in contested["claims"]} == {"contested"}
    assert contested["summary"] == data["summary"]


def test_the_story_list_pages(client, editor, judged):
    auth = bearer(editor)
    for n in range(3):
        Story.objects.create(title=f"Story {n}", created_by=editor)
    page = send(client, "get", "/stories?limit=2&offset=1", auth)[1]
    assert page["count"] == 4 and len(page["items"]) == 2
    assert send(client, "get", "/stories?limit=0", auth)[0].status_code == 422


# ---------------------------------------------------------------------------- writes


def test_an_editor_creates_a_story_and_imports_a_version(
    client, editor, reviewer, monkeypatch, django_user_model
):
    auth = bearer(editor)
    response, story = send(
        client, "post", "/stories", auth, {"title": "Sea wall", "members": [reviewer.pk]}
    )
    assert response.status_code == 201 and story["members"][0]["username"] == "rosa"
    calls = []
    real = api_module.version_import
    monkeypatch.setattr(api_module, "version_import", lambda **kw: calls.append(kw) or real(**kw))
    response, job = send(
        client,
        "post",
        f"/stories/{story['id']}/versions",
        auth,
        {
            "label": "Original report",
            "text": ORIGINAL,
            "outlet": "Gazette",
            "published_on": "2025-03-04",
        },
    )
    # Queued for the background worker: the request does no segmenting or aligning.
    assert response.status_code == 202 and len(calls) == 1
    assert job["status"] == "queued" and job["version_id"] is None
    assert job["url"].endswith(f"/api/v1/imports/{job['id']}")
    assert not Version.objects.exists()
    # The same text again while it is queued is refused at once.
    again = send(
        client, "post", f"/stories/{story['id']}/versions", auth, {"label": "B", "text": ORIGINAL}
    )
    assert again[0].status_code == 422 and "already being imported" in again[1]["detail"]
    run_queued_tasks()
    response, job = send(client, "get", f"/imports/{job['id']}", auth)
    assert response.status_code == 200 and job["status"] == "succeeded"
    version = send(client, "get", f"/versions/{job['version_id']}", auth)[1]
    assert version["sentence_count"] > 3 and version["published_on"] == "2025-03-04"
    assert Version.objects.get(pk=version["id"]).created_by == editor
    # Another user's token does not see the job (not a member of the story).
    outsider = django_user_model.objects.create_user("otto", password="x")
    assert send(client, "get", f"/imports/{job['id']}", bearer(outsider))[0].status_code == 404


def test_a_refused_import_says_why_and_stores_nothing(client, editor, original):
    auth = bearer(editor)
    path = f"/stories/{original.story_id}/versions"
    # A text already in the story is found by the worker: the job fails, saying why.
    response, job = send(client, "post", path, auth, {"label": "Again", "text": ORIGINAL})
    assert response.status_code == 202
    run_queued_tasks()
    job = send(client, "get", f"/imports/{job['id']}", auth)[1]
    assert job["status"] == "failed" and job["version_id"] is None
    assert "already in the story as “Original report”" in job["error"]
    response, body = send(client, "post", path, auth, {"label": "Empty", "text": "  "})
    assert response.status_code == 422 and "The text is empty" in body["detail"]
    response, body = send(
        client, "post", path, auth, {"label": "Bad", "text": "x", "url": "javascript:x"}
    )
    assert response.status_code == 422 and "http" in body["detail"]
    assert Version.objects.count() == 1


def test_a_member_marks_a_claim_and_saves_a_verdict(client, reviewer, judged):
    auth = bearer(reviewer)
    version = judged.versions.get(label="Rewritten copy")
    path = f"/versions/{version.pk}/claims"
    response, claim = send(client, "post", path, auth, {"quote": "The wall shields 3,400 homes."})
    assert response.status_code == 201 and claim["created_by"]["username"] == "rosa"
    again, same = send(
        client,
        "post",
        path,
        auth,
        {"start": claim["start"], "end": claim["end"], "exact": claim["exact"]},
    )
    assert again.status_code == 200 and same["id"] == claim["id"]
    verdict_path = f"/claims/{claim['id']}/verdict"
    body = {
        "rating": "mostly_accurate",
        "rationale": "Census figures.",
        "sources": [
            {"url": "https://census.example/homes", "title": "Census", "stance": "supports"}
        ],
    }
    response, verdict = send(client, "put", verdict_path, auth, body)
    assert response.status_code == 200 and verdict["revision"] == 1
    assert verdict["sources"][0]["title"] == "Census"
    record = Verdict.history.filter(id=verdict["id"]).first()
    assert record.history_user == reviewer  # the history names the token's user
    # A second "new" verdict is a conflict, not an overwrite.
    response, answer = send(client, "put", verdict_path, auth, body | {"rating": "mixed"})
    assert response.status_code == 409 and "another window" in answer["detail"]
    response, _ = send(client, "put", verdict_path, auth, body | {"rating": "mixed", "revision": 1})
    assert response.status_code == 200 and Verdict.objects.get(pk=verdict["id"]).rating == "mixed"


def test_a_selection_that_does_not_match_the_text_is_refused(client, reviewer, judged):
    auth = bearer(reviewer)
    version = judged.versions.first()
    path = f"/versions/{version.pk}/claims"
    before = Claim.objects.count()
    for body in (
        {"start": 0, "end": 5, "exact": "nope!"},
        {"quote": "not in the text"},
        {"start": 0},
    ):
        response, answer = send(client, "post", path, auth, body)
        assert response.status_code == 422 and answer["detail"], body
    assert Claim.objects.count() == before


def test_a_bad_verdict_is_refused_with_its_reason(client, reviewer, judged):
    auth = bearer(reviewer)
    claim = Claim.objects.get(exact="will last eighteen years")
    path = f"/claims/{claim.pk}/verdict"
    response, body = send(client, "put", path, auth, {"rating": "true-ish"})
    assert response.status_code == 422 and isinstance(body["detail"], list)
    response, body = send(
        client, "put", path, auth, {"rating": "accurate", "sources": [{"url": "ftp://x.example/"}]}
    )
    assert response.status_code == 422 and "http" in body["detail"]
    assert not Verdict.objects.filter(claim=claim, reviewer__username="rosa").exists()


def test_text_the_database_cannot_store_is_a_400(client, reviewer, judged):
    auth = bearer(reviewer) | {"content_type": "application/json"}
    claim = Claim.objects.get(exact="will last eighteen years")
    response = client.put(
        f"/api/v1/claims/{claim.pk}/verdict",
        data='{"rating": "mixed", "rationale": "\\ud800"}',
        **auth,
    )
    assert response.status_code == 400
    deep = "[" * 100_000 + "]" * 100_000
    assert client.put(f"/api/v1/claims/{claim.pk}/verdict", data=deep, **auth).status_code == 400


def test_an_editor_settles_and_reopens(client, editor, judged):
    auth = bearer(editor)
    claim = Claim.objects.get(exact="will last eighteen years")
    path = f"/claims/{claim.pk}/settle"
    response, body = send(
        client,
        "post",
        path,
        auth,
        {"rating": "inaccurate", "note": "Months.", "revision": claim.revision},
    )
    assert response.status_code == 200 and body["settled"]["note"] == "Months."
    response, body = send(
        client, "post", path, auth, {"rating": "inaccurate", "revision": claim.revision}
    )
    assert response.status_code == 409
    claim.refresh_from_db()
    response, body = send(
        client, "post", f"/claims/{claim.pk}/reopen", auth, {"revision": claim.revision}
    )
    assert response.status_code == 200 and body["settled"] is None


def test_publishing_through_the_api(client, editor, unpublished, settings):
    auth = bearer(editor)
    path = f"/stories/{unpublished.pk}/publication"
    settings.FACTCHECK_ORGANISATION = ""
    response, body = send(client, "post", path, auth)
    assert response.status_code == 409 and "FACTCHECK_ORGANISATION" in body["detail"]
    assert not Publication.objects.exists()
    assert send(client, "delete", path, auth)[0].status_code == 404
    settings.FACTCHECK_ORGANISATION = "Porthallow Fact Desk"
    settings.FACTCHECK_ORGANISATION_URL = "https://factdesk.example/"
    settings.FACTCHECK_ORGANISATION_LOGO = "https://factdesk.example/logo.png"
    response, body = send(client, "post", path, auth)
    assert response.status_code == 200 and body["live"]
    public = body["url"].removeprefix("http://testserver")
    assert client.get(public).status_code == 200
    response, body = send(client, "delete", path, auth)
    assert response.status_code == 200 and not body["live"]
    assert client.get(public).status_code == 410


# ---------------------------------------------------------------------------- schema


def test_the_openapi_schema_is_served_without_login(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/stories/{story_id}/dashboard" in schema["paths"]
    assert schema["components"]["securitySchemes"]["TokenAuth"]["scheme"] == "bearer"
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert "401" in operation["responses"], (method, path)
    assert client.get("/api/v1/docs").status_code == 200


def test_members_write_and_read_notes_on_a_claim(client, reviewer, django_user_model, judged):
    claim = Claim.objects.filter(version__story=judged).first()
    auth = bearer(reviewer)
    path = f"/claims/{claim.pk}/notes"
    response, note = send(
        client, "post", path, auth, {"text": "Ask the <b>council</b> press office."}
    )
    assert response.status_code == 201 and note["author"]["username"] == "rosa"
    assert note["text"] == "Ask the <b>council</b> press office."  # stored as typed, never markup
    response, thread = send(client, "get", path, auth)
    assert response.status_code == 200 and [n["id"] for n in thread] == [note["id"]]
    # The pages' validation messages, and nothing stored.
    response, body = send(client, "post", path, auth, {"text": "   "})
    assert response.status_code == 422 and body["detail"]
    response, body = send(client, "post", path, auth, {"text": "x" * 2001})
    assert response.status_code == 422 and "2,000" in body["detail"]
    # Someone who is not a member of the story sees no claim there.
    outsider = django_user_model.objects.create_user("otto", password="x")
    assert send(client, "get", path, bearer(outsider))[0].status_code == 404
    assert send(client, "post", path, bearer(outsider), {"text": "Hi"})[0].status_code == 404
    assert claim.notes.count() == 1
