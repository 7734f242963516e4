"""Who read what from the archive, when, and which bytes: one access-log line per read (standard library only).

The caller is what reaches the function: the Functions runtime hands a Python function the request's method, URL,
headers, query, route values and body, and not the claims the Functions host derives from the key it checked (its
``keyid`` claim names the key), so the key is recorded as the SHA-256 of the key presented (``x-functions-key``
or ``?code=``), never the key itself, and a key's name is found by hashing the app's keys. Behind App Service
authentication the Entra principal arrives in ``X-MS-CLIENT-PRINCIPAL-NAME``, ``-ID`` and ``-IDP``, which App
Service sets and strips from what the client sends.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

KEY_HEADER = "x-functions-key"
KEY_PARAMETER = "code"
PRINCIPAL_NAME = "x-ms-client-principal-name"
PRINCIPAL_ID = "x-ms-client-principal-id"
PRINCIPAL_IDP = "x-ms-client-principal-idp"
KEY_FINGERPRINT_HEX = 16  # of the key's SHA-256: names one key among an app's few, says nothing about the key
MAX_FIELD = 512


class BadAccessLine(ValueError):
    """An access-log line that is not one this app writes (the message says what is wrong)."""


@dataclass(frozen=True, kw_only=True)
class Caller:
    """Who asked: the function key presented (as ``sha256:<16 hex>``) and the Entra principal, when there is one."""

    key: str = ""
    principal_name: str = ""
    principal_id: str = ""
    identity_provider: str = ""

    def as_json(self) -> dict[str, str]:
        return {
            "key": self.key, "principalName": self.principal_name, "principalId": self.principal_id,
            "identityProvider": self.identity_provider,
        }  # fmt: skip


NO_CALLER = Caller()  # a read made without a key or a principal (an app without key checks)


def key_fingerprint(key: str) -> str:
    """How the access log names a function key: the start of its SHA-256 (``sha256:...``), "" for no key."""
    if not key:
        return ""
    return "sha256:" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:KEY_FINGERPRINT_HEX]


def caller_of(headers: Mapping[str, str], query: Mapping[str, str]) -> Caller:
    """The caller of an HTTP request, from its headers (any case) and query."""
    lower = {name.lower(): value for name, value in headers.items()}
    key = lower.get(KEY_HEADER) or query.get(KEY_PARAMETER) or ""
    return Caller(
        key=key_fingerprint(key),
        principal_name=lower.get(PRINCIPAL_NAME, "")[:MAX_FIELD],
        principal_id=lower.get(PRINCIPAL_ID, "")[:MAX_FIELD],
        identity_provider=lower.get(PRINCIPAL_IDP, "")[:MAX_FIELD],
    )


@dataclass(frozen=True, kw_only=True)
class Served:
    """The bytes a read returned: ``first``..``last`` (inclusive) of ``size``; ``None`` for the whole document."""

    first: int
    last: int
    size: int

    def as_json(self) -> dict[str, int]:
        return {"first": self.first, "last": self.last, "size": self.size}


@dataclass(frozen=True, kw_only=True)
class Read:
    """One read of archived bytes through the app."""

    at: datetime
    caller: Caller
    route: str  # the function that served it: chunk_media, recording_file, recording_archive
    call_folder: str
    recording_id: str
    blob: str  # the archive blob the bytes came from
    served: Served | None  # None: the whole document was read (to show what it holds)
    channel: int | None = None  # a WAV's channel, served as its own mono WAV (``served`` counts that file's bytes)

    def as_json(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(), "caller": self.caller.as_json(), "route": self.route,
            "callFolder": self.call_folder, "recordingId": self.recording_id, "blob": self.blob,
            "bytes": self.served.as_json() if self.served is not None else None, "channel": self.channel,
        }  # fmt: skip


def to_line(read: Read) -> str:
    """The read as one line of the access log (JSON, keys sorted, a newline at the end)."""
    return json.dumps(read.as_json(), sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n"


def from_line(line: str) -> Read:
    """A line of the access log as this app wrote it; ``BadAccessLine`` says what is wrong with any other."""
    try:
        value = json.loads(line)
    except ValueError as exc:
        raise BadAccessLine(f"not JSON: {exc}") from None
    if not isinstance(value, dict):
        raise BadAccessLine("not a JSON object")
    return Read(
        at=_moment(value.get("at")),
        caller=_caller(value.get("caller")),
        route=_text(value, "route"),
        call_folder=_text(value, "callFolder"),
        recording_id=_text(value, "recordingId"),
        blob=_text(value, "blob"),
        served=_served(value.get("bytes")),
        channel=_channel(value.get("channel")),
    )


def _moment(text: object) -> datetime:
    try:
        moment = datetime.fromisoformat(str(text))
    except ValueError:
        raise BadAccessLine(f"at: not an ISO 8601 time: {text!r}") from None
    if moment.tzinfo is None:
        raise BadAccessLine(f"at: has no UTC offset: {text!r}")
    return moment


def _text(value: Mapping[str, Any], name: str) -> str:
    found = value.get(name)
    if not isinstance(found, str) or not found:
        raise BadAccessLine(f"{name}: missing or not text")
    return found


def _caller(value: object) -> Caller:
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise BadAccessLine("caller: not an object of texts")
    return Caller(
        key=value.get("key", ""),
        principal_name=value.get("principalName", ""),
        principal_id=value.get("principalId", ""),
        identity_provider=value.get("identityProvider", ""),
    )


def _served(value: object) -> Served | None:
    if value is None:
        return None
    numbers = [value.get(k) for k in ("first", "last", "size")] if isinstance(value, dict) else []
    if len(numbers) != 3 or not all(isinstance(n, int) and not isinstance(n, bool) for n in numbers):
        raise BadAccessLine("bytes: not {first, last, size} as whole numbers")
    first, last, size = (int(n) for n in numbers if isinstance(n, int))
    if not 0 <= first <= last < size:
        raise BadAccessLine(f"bytes: {first}-{last} is not a range of {size} bytes")
    return Served(first=first, last=last, size=size)


def _channel(value: object) -> int | None:
    if value is None or (isinstance(value, int) and not isinstance(value, bool) and value >= 0):
        return value
    raise BadAccessLine(f"channel: not a channel number: {value!r}")
