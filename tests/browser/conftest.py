"""Playwright in real Chromium (Debian's /usr/bin/chromium) against live_server."""

import os
import time

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls made by
# fixtures here are ordinary synchronous test setup.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    }


def wait_for_requests_to_finish(timeout: float = 15) -> None:
    """Wait until no other connection to the test database is inside a statement or a
    transaction: a request the closed page sent last (a claim being marked, a poll) may
    still be running in the live server's threads. Otherwise the flush after the test
    (which empties every table: tests/conftest.py) and that request can deadlock (seen
    under load with TRUNCATE: PostgreSQL then kills the flush, and the test errors), or
    the request's rows outlive the flush."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return  # SQLite: one writer at a time, the flush waits its turn
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND pid <> pg_backend_pid() AND state <> 'idle'"
            )
            if cursor.fetchone()[0] == 0:
                return
        time.sleep(0.05)


@pytest.fixture
def page(page):
    """pytest-playwright's page, closed before the database is emptied after the test, once
    the requests it sent are answered."""
    yield page
    page.close()
    wait_for_requests_to_finish()


@pytest.fixture
def login(live_server):
    """Log a page in as a user through the real login form."""
    from tests.conftest import PASSWORD

    def _login(page, user):
        page.goto(f"{live_server.url}/login/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")
        return page

    return _login


def select_text(page, container_selector: str, words: str, occurrence: int = 0):
    """Select words with real mouse events: press before the first character, drag past the last."""
    box = page.evaluate(
        """([sel, words, occurrence]) => {
          const root = document.querySelector(sel);
          const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
          let text = "", nodes = [];
          while (walker.nextNode()) { nodes.push([walker.currentNode, text.length]); text += walker.currentNode.data; }
          let index = -1;
          for (let i = 0; i <= occurrence; i++) index = text.indexOf(words, index + 1);
          if (index < 0) throw new Error("words not found: " + words);
          const locate = (pos) => { for (let i = nodes.length - 1; i >= 0; i--) if (nodes[i][1] <= pos) return [nodes[i][0], pos - nodes[i][1]]; };
          const rectAt = (pos) => { const [n, o] = locate(pos); const r = document.createRange(); r.setStart(n, o); r.setEnd(n, o + 1); return r.getClientRects()[0]; };
          const first = rectAt(index);
          first && document.scrollingElement.scrollBy(0, first.top - 200);
          const a = rectAt(index), b = rectAt(index + words.length - 1);
          return {x1: a.left + 0.5, y1: a.top + a.height / 2, x2: b.right - 0.5, y2: b.top + b.height / 2};
        }""",
        [container_selector, words, occurrence],
    )
    page.mouse.move(box["x1"], box["y1"])
    page.mouse.down()
    page.mouse.move(box["x2"], box["y2"], steps=8)
    page.mouse.up()


# Where the words lie on screen: the first character's left edge and the last one's right edge.
_LOCATE_JS = """([sel, words, occurrence]) => {
  const root = document.querySelector(sel);
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  let text = "", nodes = [];
  while (walker.nextNode()) { nodes.push([walker.currentNode, text.length]); text += walker.currentNode.data; }
  let index = -1;
  for (let i = 0; i <= occurrence; i++) index = text.indexOf(words, index + 1);
  if (index < 0) throw new Error("words not found: " + words);
  const locate = (pos) => { for (let i = nodes.length - 1; i >= 0; i--) if (nodes[i][1] <= pos) return [nodes[i][0], pos - nodes[i][1]]; };
  const rectAt = (pos) => { const [n, o] = locate(pos); const r = document.createRange(); r.setStart(n, o); r.setEnd(n, o + 1); return r.getClientRects()[0]; };
  const a = rectAt(index), b = rectAt(index + words.length - 1);
  return {x1: a.left + 0.5, y1: a.top + a.height / 2, x2: b.right - 0.5, y2: b.top + b.height / 2};
}"""


def select_span(page, container_selector: str, start_words: str, end_words: str):
    """Select from the first character of start_words to the last of end_words (later in the
    text, possibly in another block) with real mouse events: press, drag, release."""
    first = page.evaluate(_LOCATE_JS, [container_selector, start_words, 0])
    page.evaluate("(dy) => document.scrollingElement.scrollBy(0, dy)", first["y1"] - 150)
    start = page.evaluate(_LOCATE_JS, [container_selector, start_words, 0])
    end = page.evaluate(_LOCATE_JS, [container_selector, end_words, 0])
    page.mouse.move(start["x1"], start["y1"])
    page.mouse.down()
    page.mouse.move(end["x2"], end["y2"], steps=12)
    page.mouse.up()


@pytest.fixture
def open_as(browser, browser_context_args, login):
    """A logged-in page in a browser context of its own, one per user; closed after the test."""
    contexts = []

    def _open(user):
        context = browser.new_context(**browser_context_args)
        contexts.append(context)
        return login(context.new_page(), user)

    yield _open
    for context in contexts:
        context.close()
    if contexts:
        wait_for_requests_to_finish()


@pytest.fixture
def worker(live_server):
    """The background worker (imports), as a process of its own on the test database."""
    from tests.worker import start_worker, stop

    process = start_worker()
    yield process
    stop(process)
