"""HMAC-SHA256 request signing, as the Call Automation SDK does it, and its server-side check."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable, Mapping
from email.utils import formatdate, parsedate_to_datetime

from .exceptions import Unauthorized

MAX_CLOCK_SKEW = 15 * 60
EMPTY_HASH = base64.b64encode(hashlib.sha256(b"").digest()).decode()


def content_hash(body: bytes) -> str:
    return base64.b64encode(hashlib.sha256(body).digest()).decode()


def signature(key_b64: str, method: str, path_and_query: str, date: str, host: str, body_hash: str) -> str:
    to_sign = f"{method.upper()}\n{path_and_query}\n{date};{host};{body_hash}"
    digest = hmac.new(base64.b64decode(key_b64), to_sign.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def authorization(key_b64: str, method: str, path_and_query: str, date: str, host: str, body_hash: str) -> str:
    sig = signature(key_b64, method, path_and_query, date, host, body_hash)
    return f"HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature={sig}"


def sign_headers(key_b64: str, method: str, path_and_query: str, host: str, body: bytes, now: float) -> dict[str, str]:
    """The headers the SDK adds (useful for clients that are not the SDK, and for tests)."""
    date = formatdate(now, usegmt=True)
    body_hash = content_hash(body)
    return {
        "x-ms-date": date,
        "x-ms-content-sha256": body_hash,
        "Authorization": authorization(key_b64, method, path_and_query, date, host, body_hash),
    }


def verify(
    key_b64: str,
    method: str,
    path_and_query: str,
    headers: Mapping[str, str],
    body: bytes,
    hosts: Iterable[str],
    now: float,
) -> None:
    """Raise ``Unauthorized`` unless the request is signed with ``key_b64`` for one of ``hosts`` (``host:port``).

    The signed host is the connection string's endpoint, which differs from the Host header when a recording is
    downloaded through the proxy, so every name the emulator is reachable by is tried.
    """
    given = headers.get("Authorization", "")
    date = headers.get("x-ms-date", "")
    body_hash = headers.get("x-ms-content-sha256", "")
    if not given.startswith("HMAC-SHA256 ") or not date or not body_hash:
        raise Unauthorized("the request is not signed (Authorization: HMAC-SHA256, x-ms-date, x-ms-content-sha256)")
    if not hmac.compare_digest(body_hash, content_hash(body)):
        raise Unauthorized("x-ms-content-sha256 does not match the body")
    try:
        sent = parsedate_to_datetime(date).timestamp()
    except (TypeError, ValueError) as exc:
        raise Unauthorized(f"x-ms-date {date!r} is not an RFC 1123 date") from exc
    if abs(now - sent) > MAX_CLOCK_SKEW:
        raise Unauthorized(f"x-ms-date {date!r} is more than {MAX_CLOCK_SKEW // 60} minutes away from now")
    for host in hosts:
        if hmac.compare_digest(given, authorization(key_b64, method, path_and_query, date, host, body_hash)):
            return
    raise Unauthorized("the HMAC signature does not match (wrong access key, host or request)")
