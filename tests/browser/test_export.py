"""The demo story's HTML summary, opened from disk: no network requests, reads well."""

import os
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import RequestFactory
from playwright.sync_api import expect

from articles import export, reviewing
from articles.export_views import load_bundle
from articles.management.commands.load_demo import OWN_TITLE
from articles.models import Story
from articles.ratings import Rating

pytestmark = [pytest.mark.browser, pytest.mark.django_db]


def _mark(version, user, words):
    start = version.text.index(words)
    return reviewing.claim_create(
        version=version, user=user, start=start, end=start + len(words), exact=words
    )[0]


def _judge(claim, user, rating, rationale, sources=()):
    reviewing.verdict_save(
        claim=claim,
        user=user,
        rating=rating,
        rationale=rationale,
        sources=list(sources),
        revision=None,
    )


def build_demo(tmp_path) -> Story:
    """The demo story (own texts only) with claims, verdicts, sources and a settled claim."""
    os.environ["FACTCHECK_SEEDS"] = str(tmp_path / "no-seeds")
    try:
        call_command("load_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    finally:
        del os.environ["FACTCHECK_SEEDS"]
    users = {u.username: u for u in get_user_model().objects.all()}
    editor, rosa, rami = users["editor"], users["reviewer1"], users["reviewer2"]
    story = Story.objects.get(title=OWN_TITLE)
    original, rewritten = story.versions.order_by("created_at")
    original.url = "https://gazette.example/2025/02/sea-wall"
    original.save()

    money = _mark(original, rosa, "spend £4.2m rebuilding the sea wall")
    _judge(
        money,
        rosa,
        Rating.ACCURATE,
        "The council minutes of 18 February record £4.2m.",
        [
            {
                "url": "https://porthallow.example/minutes/2025-02-18",
                "title": "Council minutes",
                "publisher": "Porthallow Council",
                "quote": "Members approved £4.2m.",
                "stance": "supports",
            }
        ],
    )
    _judge(money, rami, Rating.INACCURATE, "<script>alert('x')</script> The rewrite says £42m.")
    money.refresh_from_db()
    reviewing.claim_settle(
        claim=money,
        user=editor,
        rating=Rating.ACCURATE,
        note="Minutes and budget papers agree on £4.2m; £42m is a typo.",
        revision=money.revision,
    )
    built = _mark(original, rosa, "The wall, built in 1962, protects about 3,400 homes")
    _judge(built, rosa, Rating.MOSTLY_ACCURATE, "Census 2021 counts 3,380 homes behind the wall.")
    _judge(built, rami, Rating.ACCURATE, "Matches the county flood map.")
    _mark(original, rami, "40% of the old wall had cracked")
    years = _mark(rewritten, rami, "will last eighteen years")
    _judge(years, rami, Rating.INACCURATE, "The original and the council say eighteen months.")
    tax = _mark(rewritten, rosa, "council tax will rise")
    _judge(tax, rosa, Rating.UNVERIFIABLE, "No source for a rise; the original says it will not.")
    return story


def summary_file(story, tmp_path) -> Path:
    request = RequestFactory().get("/", HTTP_HOST="testserver")
    path = tmp_path / "summary.html"
    path.write_text(export.summary_html(load_bundle(request, story)), encoding="utf-8")
    return path


def test_the_summary_opens_from_disk_without_any_network_request(page, tmp_path):
    path = summary_file(build_demo(tmp_path), tmp_path)
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.context.set_offline(True)
    page.goto(path.as_uri())
    page.wait_for_load_state("networkidle")

    assert [u for u in requests if u != path.as_uri()] == []
    expect(page.locator("h1")).to_have_text(OWN_TITLE)
    expect(page.locator("article.claim")).to_have_count(5)
    # The inline style applied: the verdict code badges are styled, the text is serif.
    font = page.locator(".text").first.evaluate("e => getComputedStyle(e).fontFamily")
    assert "Georgia" in font or "serif" in font
    # User text is text: the rationale's <script> is shown, never run.
    expect(page.locator(".rationale", has_text="<script>alert('x')</script>")).to_have_count(1)
    # A highlight's number links to the claim's entry.
    page.locator("a.hl-n").first.click()
    assert page.evaluate("location.hash").startswith("#claim-")
    if shots := os.environ.get("EXPORT_SCREENSHOTS"):
        Path(f"{shots}/summary.html").write_bytes(path.read_bytes())
        page.goto(path.as_uri())
        page.screenshot(path=f"{shots}/export-summary.png", full_page=True)
    assert requests == [path.as_uri()] * len(requests)


def test_the_summary_fits_a_phone_screen(browser, tmp_path):
    path = summary_file(build_demo(tmp_path), tmp_path)
    context = browser.new_context(viewport={"width": 375, "height": 740}, offline=True)
    page = context.new_page()
    page.goto(path.as_uri())
    overflow = page.evaluate(
        "document.scrollingElement.scrollWidth - document.scrollingElement.clientWidth"
    )
    if shots := os.environ.get("EXPORT_SCREENSHOTS"):
        page.screenshot(path=f"{shots}/export-summary-phone.png", full_page=False)
    context.close()
    assert overflow <= 0


def test_the_summary_prints_with_page_breaks_between_sections(page, tmp_path):
    path = summary_file(build_demo(tmp_path), tmp_path)
    page.goto(path.as_uri())
    page.emulate_media(media="print")
    breaks = page.eval_on_selector_all(
        "section.major", "els => els.map(e => getComputedStyle(e).breakBefore)"
    )
    assert breaks[0] == "auto" and set(breaks[1:]) == {"page"}
    assert page.eval_on_selector("article.claim", "e => getComputedStyle(e).breakInside") == "avoid"
    assert page.eval_on_selector("mark", "e => getComputedStyle(e).boxDecorationBreak") == "clone"
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF")
    if shots := os.environ.get("EXPORT_SCREENSHOTS"):
        Path(f"{shots}/export-summary.pdf").write_bytes(pdf)
