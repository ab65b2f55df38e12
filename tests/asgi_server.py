"""The app under uvicorn (ASGI) in a thread, on the test database: what serves push.

Sessions are shared with ``live_server`` (same database; cookies for 127.0.0.1 go to
every port), so a page logged in there opens pages here.
"""

from __future__ import annotations

import socket
import threading
import time

import uvicorn
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler
from django.db import connections

from articles import live_push


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class AsgiServer:
    def __init__(self) -> None:
        from factcheck.asgi import application

        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            ASGIStaticFilesHandler(application),
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            lifespan="off",
            timeout_graceful_shutdown=1,
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> AsgiServer:
        # Under ASGI each request runs in a thread of its own: persistent connections
        # would outlive them and keep the test database open.
        self.max_age = connections.settings["default"].get("CONN_MAX_AGE")
        connections.settings["default"]["CONN_MAX_AGE"] = 0
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        live_push.shutdown()
        connections.settings["default"]["CONN_MAX_AGE"] = self.max_age
