"""deploy/nginx.conf, run by Debian's nginx in front of one gunicorn sync worker.

One sync worker serves one request at a time: without nginx, a client that announces a
large body and trickles it holds the whole app. Through nginx, the body is buffered
before gunicorn sees the request, an oversized body is refused with 413 without reaching
the app, and the app's largest upload (a 5 MB annotation file) still gets through.
"""

from __future__ import annotations

import socket
import time

import httpx
import pytest

from tests.deploy import harness

pytestmark = pytest.mark.skipif(
    harness.NGINX is None, reason="nginx is not installed (scripts/test installs it)"
)


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("nginx-stack")
    db = harness.database(tmp, "nginx", "sqlite")
    # One proxy in front, as in docker-compose.yml.
    env = harness.app_env(db, TRUSTED_PROXY_COUNT="1")
    harness.prepare(env)
    app = harness.Gunicorn(env, tmp, workers=1, threads=1).start()
    nginx = harness.Nginx(app.port, tmp).start()
    yield app, nginx
    nginx.stop()
    app.stop()


def slow_client(url: str, path: str, length: int) -> socket.socket:
    """Send headers announcing `length` bytes of body, then only a few bytes of it."""
    host, port = url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=30)
    sock.sendall(
        (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            # A well-formed CSRF cookie: Django then reads the body for the form's token.
            f"Cookie: csrftoken={'a' * 32}\r\n"
            f"Content-Length: {length}\r\n\r\nusername=a"
        ).encode()
    )
    return sock


def test_without_nginx_a_slow_body_blocks_the_only_worker(stack):
    """The attack the proxy is for (this shows the test can see it)."""
    app, _ = stack
    sock = slow_client(app.url, "/login/", 1_000_000)
    try:
        time.sleep(0.3)
        with pytest.raises(httpx.TimeoutException):
            httpx.get(f"{app.url}/login/", timeout=2)
    finally:
        sock.close()
    time.sleep(0.5)  # the worker notices the closed connection and is free again


def test_a_slow_body_does_not_block_other_requests(stack):
    app, nginx = stack
    slow = [slow_client(nginx.url, "/login/?slow", 1_000_000) for _ in range(3)]
    try:
        time.sleep(0.3)
        for _ in range(5):
            started = time.monotonic()
            response = httpx.get(f"{nginx.url}/login/", timeout=5)
            assert response.status_code == 200
            assert time.monotonic() - started < 2
        for sock in slow:  # still trickling: nginx holds them, gunicorn never saw them
            sock.sendall(b"x" * 100)
        assert "POST /login/?slow" not in app.requests_seen()
    finally:
        for sock in slow:
            sock.close()


def test_an_oversized_body_gets_413_before_it_reaches_django(stack):
    app, nginx = stack
    body = b"x" * (7 * 1024 * 1024)
    response = httpx.post(
        f"{nginx.url}/stories/1/import/annotations/",
        files={"file": ("a.jsonld", body)},
        timeout=30,
    )
    assert response.status_code == 413
    assert "/import/annotations/" not in app.requests_seen()


def test_a_5_mb_annotation_file_reaches_the_app(stack):
    """The body limit matches the app's largest upload (annotation files up to 5 MB)."""
    app, nginx = stack
    body = b" " * (5 * 1024 * 1024)
    response = httpx.post(
        f"{nginx.url}/stories/1/import/annotations/",
        files={"file": ("a.jsonld", body)},
        timeout=30,
    )
    assert response.status_code != 413
    assert "POST /stories/1/import/annotations/" in app.requests_seen()


def test_a_lockout_behind_nginx_is_per_client_address(stack):
    """Item 7: two clients (127.0.0.2, 127.0.0.3) reach the app through the same nginx."""
    _, nginx = stack

    def client(address: str) -> httpx.Client:
        return httpx.Client(transport=httpx.HTTPTransport(local_address=address), timeout=10)

    with client("127.0.0.2") as attacker, client("127.0.0.3") as colleague:
        statuses = [harness.login(attacker, nginx.url, "editor", "wrong") for _ in range(5)]
        assert statuses == [200, 200, 200, 200, 429]  # the fifth failure locks out
        assert harness.login(attacker, nginx.url, "editor") == 429
        assert harness.login(colleague, nginx.url, "editor") == 302


def test_forwarded_headers_from_the_client_are_overwritten(stack):
    """Item 8: nginx sets X-Forwarded-Proto itself; a client's "https" does not survive.

    Behind one trusted proxy the app believes the header. Were the client's "https"
    passed through, Django would take the request for HTTPS and refuse this login's
    plain-http Referer (CSRF: "Referer is insecure while host is secure").
    """
    app, nginx = stack
    forged = {"X-Forwarded-Proto": "https"}
    with httpx.Client(timeout=10, headers=forged) as direct:
        assert harness.login(direct, app.url, "editor") == 403  # what a passed-through header does
    with httpx.Client(timeout=10, headers=forged) as browser:
        assert harness.login(browser, nginx.url, "editor") == 302
