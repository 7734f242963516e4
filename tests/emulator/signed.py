"""HMAC-signed requests made by hand, for what the SDK cannot be made to send (stale dates, tampered bodies)."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlparse

import requests

from local.emulator import Emulator
from local.emulator.auth import sign_headers


def signed(
    emu: Emulator,
    method: str,
    path: str,
    body: dict[str, Any] | None = None,
    *,
    date_offset: float = 0,
    sent_body: bytes | None = None,
    key: str | None = None,
    headers: dict[str, str] | None = None,
) -> requests.Response:
    """Send ``method path`` signed like the SDK; ``sent_body`` replaces the signed body on the wire."""
    url = emu.info["emulatorUrl"]
    data = json.dumps(body).encode() if body is not None else b""
    auth = sign_headers(key or emu.access_key, method, path, urlparse(url).netloc, data, time.time() + date_offset)
    all_headers = {**auth, "Content-Type": "application/json", **(headers or {})}
    wire = data if sent_body is None else sent_body
    with requests.Session() as session:
        session.trust_env = False
        return session.request(
            method, url + path, data=wire, headers=all_headers, verify=emu.info["caBundle"], timeout=30
        )
