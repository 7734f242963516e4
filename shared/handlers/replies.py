"""What an HTTP handler answers: a JSON reply (``Reply``, ``error``) or bytes as they are (``Served``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Reply:
    """An HTTP answer: status and JSON body."""

    status: int
    body: Any


@dataclass(frozen=True)
class Served:
    """An HTTP answer that is not JSON: a page, a script, a piece of media."""

    status: int
    body: bytes
    headers: Mapping[str, str]


def error(status: int, message: str) -> Reply:
    return Reply(status, {"error": message})
