"""A loopback relay for Call Automation callbacks that passes each one on, then replays it later, out of order.

The app's ``CALLBACK_BASE_URL`` points here; the relay answers with the host's answer to the first delivery and
sends ``copies - 1`` more copies after random delays, so duplicates arrive interleaved with later callbacks. Each
copy carries a fresh token from ``sign`` (ACS signs every delivery anew, and the app accepts a token once), the
same event and the same URL.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

from local.azurite import free_port

log = logging.getLogger(__name__)


class CallbackDuplicator:
    def __init__(self, copies: int = 3, max_delay: float = 1.5, seed: int = 7) -> None:
        self.copies, self.max_delay = copies, max_delay
        self.port = free_port()
        self.target = ""  # the host's base URL, set once the stack runs
        self.sign: Callable[[], str] = lambda: ""  # a fresh callback token, set once the stack runs
        self.received = 0
        self.replayed = 0
        self.statuses: list[int] = []
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> CallbackDuplicator:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _forward(self, path: str, body: bytes, headers: dict[str, str]) -> int:
        session = requests.Session()
        session.trust_env = False  # loopback only, never through a proxy
        try:
            status = session.post(self.target + path, data=body, headers=headers, timeout=60).status_code
        except requests.RequestException as exc:
            log.warning("callback relay: %r", exc)
            status = 599
        finally:
            session.close()
        with self._lock:
            self.statuses.append(status)
        return status

    def _replay_later(self, path: str, body: bytes, headers: dict[str, str]) -> None:
        for _ in range(self.copies - 1):
            time.sleep(self._rng.uniform(0, self.max_delay))
            self._forward(path, body, {**headers, "Authorization": f"Bearer {self.sign()}"})
            with self._lock:
                self.replayed += 1

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        relay = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {k: v for k, v in self.headers.items() if k.lower() in ("authorization", "content-type")}
                with relay._lock:
                    relay.received += 1
                status = relay._forward(self.path, body, headers)
                threading.Thread(target=relay._replay_later, args=(self.path, body, headers), daemon=True).start()
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                log.debug(format, *args)

        return Handler
