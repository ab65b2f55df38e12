"""A long version opens at its top; the rest of its text loads as the reader scrolls or jumps."""

import pytest
from playwright.sync_api import expect

from articles import reading
from articles.models import Claim
from tests.browser.conftest import select_text
from tests.browser.test_claims import claim_on, mark_claim, version_url
from tests.generated import long_text

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BLOCKS = 30


@pytest.fixture
def long_version(story, editor, monkeypatch):
    """30 blocks, about 13,000 characters, read in windows of at most 6 blocks."""
    from articles.versions import import_version

    monkeypatch.setattr(reading, "LAZY_CHARS", 3_000)
    monkeypatch.setattr(reading, "WINDOW_CHARS", 2_500)
    monkeypatch.setattr(reading, "WINDOW_BLOCKS", 6)
    text = long_text(BLOCKS * 3, seed=5, per_paragraph=3)
    return import_version(story=story, text=text, label="Long report", created_by=editor)


def words_in_block(version, position: int, count: int = 4) -> str:
    """The first words of block ``position`` that occur nowhere else in the text."""
    block = version.blocks.get(position=position)
    words = version.text[block.start : block.end].split()
    for i in range(len(words) - count):
        phrase = " ".join(words[i : i + count])
        if version.text.count(phrase) == 1:
            return phrase
    raise AssertionError("no unique words")


def test_scrolling_loads_the_rest_and_a_claim_is_marked_in_it(
    page, live_server, login, reviewer, long_version
):
    login(page, reviewer).goto(version_url(live_server, long_version))
    expect(page.locator("#b0")).to_be_attached()
    assert page.locator("#version-text .block").count() <= 6
    expect(page.locator(f"#b{BLOCKS - 1}")).not_to_be_attached()

    # Scroll to the bottom until the last block has loaded, a window at a time.
    for _ in range(20):
        if page.locator(f"#b{BLOCKS - 1}").count():
            break
        page.mouse.wheel(0, 20_000)
        page.wait_for_timeout(300)
    expect(page.locator(f"#b{BLOCKS - 1}")).to_be_attached()
    expect(page.locator("#version-text .more")).to_have_count(0)
    # Every window once, in order: the text element's text is the stored text again.
    positions = page.eval_on_selector_all("#version-text .block", "els => els.map(e => e.id)")
    assert positions == [f"b{i}" for i in range(BLOCKS)]
    assert page.eval_on_selector("#version-text", "el => el.textContent") == long_version.text

    # Words in a window that loaded later are marked where they are in the stored text.
    phrase = words_in_block(long_version, 26)
    select_text(page, "#version-text", phrase)
    mark_claim(page)
    claim = Claim.objects.get(version=long_version)
    assert long_version.text[claim.start : claim.end] == phrase
    expect(page.locator(f'#b26 mark[data-claim="{claim.pk}"]')).to_have_text(phrase)


def test_opening_a_claim_not_yet_loaded_loads_its_window(
    page, live_server, login, reviewer, long_version
):
    phrase = words_in_block(long_version, 22)
    claim = claim_on(long_version, reviewer, phrase)
    login(page, reviewer).goto(version_url(live_server, long_version))
    expect(page.locator("#b22")).not_to_be_attached()

    page.click(f"#claim-item-{claim.pk} a")
    mark = page.locator(f'#version-text mark[data-claim="{claim.pk}"]')
    expect(mark).to_have_text(phrase)
    expect(mark).to_be_in_viewport()
    expect(page.locator("#claim-panel")).to_contain_text(f"Claim #{claim.number}")
    # The window before it loads too, without moving what the reader looks at.
    expect(page.locator("#b21")).to_be_attached()
    expect(mark).to_be_in_viewport()


def test_a_link_to_a_sentence_not_yet_loaded_loads_its_window(
    page, live_server, login, reviewer, long_version
):
    login(page, reviewer)
    page.goto(version_url(live_server, long_version) + "#s80")
    sentence = page.locator("#s80")
    expect(sentence).to_be_in_viewport()
    start = int(sentence.get_attribute("data-start"))
    end = int(sentence.get_attribute("data-end"))
    assert sentence.text_content() == long_version.text[start:end]


def test_a_live_update_in_a_window_not_loaded_arrives_with_it(
    page, live_server, login, reviewer, reviewer2, long_version
):
    """Another reviewer's claim far down: listed at once; its block is drawn when it loads."""
    login(page, reviewer).goto(version_url(live_server, long_version))
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    expect(page.locator("#b0")).to_be_attached()
    phrase = words_in_block(long_version, 25)
    claim = claim_on(long_version, reviewer2, phrase)

    expect(page.locator(f"#claim-item-{claim.pk}")).to_be_attached(timeout=10_000)
    expect(page.locator("#claim-count")).to_have_text("1")
    expect(page.locator("#b25")).not_to_be_attached()
    for _ in range(20):
        if page.locator("#b25").count():
            break
        page.mouse.wheel(0, 20_000)
        page.wait_for_timeout(300)
    expect(page.locator(f'#b25 mark[data-claim="{claim.pk}"]')).to_have_text(phrase)
    assert page.locator("#b25").count() == 1
    assert not errors
