"""The event stream behind deploy/nginx.conf, as docker-compose runs it: nginx sends
/versions/<id>/events/ to uvicorn and everything else to gunicorn, unbuffered, so another
reviewer's claim reaches an open stream at once."""

from __future__ import annotations

import json
import re

import httpx
import pytest

from tests.deploy import harness

pytestmark = pytest.mark.skipif(
    harness.NGINX is None or harness.postgres_url() is None,
    reason="needs nginx and PostgreSQL (LISTEN/NOTIFY), as in .ci/run",
)


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("nginx-events")
    db = harness.database(tmp, "nginx_events", "postgres")
    env = harness.app_env(db, TRUSTED_PROXY_COUNT="1", LIVE_PUSH="1")
    seed = harness.prepare(env, reviewers=2)
    app = harness.Gunicorn(env, tmp, workers=1, threads=2).start()
    events = harness.Uvicorn(env, tmp).start()
    nginx = harness.Nginx(app.port, tmp, events_port=events.port).start()
    yield seed, app, events, nginx
    nginx.stop()
    events.stop()
    app.stop()
    harness.drop_database(db)


def test_a_claim_reaches_an_open_stream_through_nginx(stack):
    seed, app, _, nginx = stack
    version = seed["version"]
    rosa, rami = httpx.Client(timeout=10), httpx.Client(timeout=10)
    assert harness.login(rosa, nginx.url, "reviewer00") == 302
    assert harness.login(rami, nginx.url, "reviewer01") == 302
    page = rosa.get(f"{nginx.url}/versions/{version}/")
    assert f'data-url="/versions/{version}/events/"' in page.text

    url = f"{nginx.url}/versions/{version}/events/"
    with rosa.stream("GET", url) as stream:
        assert stream.status_code == 200
        lines = stream.iter_lines()
        first = next(line for line in lines if line.startswith("data: "))
        revision = json.loads(first.removeprefix("data: "))["revision"]

        words = "spend 3.2 million pounds"
        start = seed["text"].index(words)
        response = rami.post(
            f"{nginx.url}/versions/{version}/claims/new/",
            data={"start": start, "end": start + len(words), "exact": words},
            headers={"X-CSRFToken": rami.cookies["csrftoken"], "Referer": nginx.url},
        )
        assert response.status_code == 302
        claim = int(re.search(r"[?&]claim=(\d+)", response.headers["location"])[1])
        # Through a buffering proxy this read would time out (10 s): the event would wait
        # in nginx's buffer until the stream ends.
        update = json.loads(
            next(line for line in lines if line.startswith("data: ")).removeprefix("data: ")
        )
    assert update["since"] == revision and claim in update["changed"]
    assert f'id="claim-item-{claim}"' in update["html"]
    # Only the stream went to uvicorn: gunicorn served the pages and the write.
    assert f"/versions/{version}/events/" not in app.requests_seen()
    assert "/claims/new/" in app.requests_seen()
