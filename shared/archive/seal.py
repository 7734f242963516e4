"""The manifest's seal: SHA-256 digests that make a changed byte in a manifest, or in what it lists, evident.

Canonical JSON (the rule an auditor repeats to check a manifest): the document as a JSON value, with every object's
keys sorted by code point, no whitespace between tokens (separators ``,`` and ``:``), non-ASCII characters written
as themselves and encoded in UTF-8, integers in decimal, strings escaped as Python's ``json`` module escapes them
(``\\"``, ``\\\\``, ``\\n`` and ``\\uXXXX`` for other control characters). The manifest holds no floats.

- ``manifestSha256``: SHA-256 (lowercase hex) of the canonical JSON of the manifest without its
  ``manifestSha256`` member.
- ``timelineSha256``: SHA-256 of the canonical JSON of the call's timeline as it stood at the state the manifest
  was rendered from: the list of its first ``stateVersion`` lines, oldest first (each applied input adds one line
  and one version), exactly as ``GET /api/calls/{callId}`` lists them. A timeline exported later can so be shown
  to be the one the archive was sealed with.

The manifest is stored as ``stored_bytes`` writes it (two-space indent, keys in the order rendered); an auditor can
re-render the parsed document and compare, so even a change of whitespace is seen.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

SEAL = "manifestSha256"
TIMELINE = "timelineSha256"


def canonical(value: object) -> bytes:
    """The canonical JSON of ``value`` (see the module docstring)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def digest(value: object) -> str:
    return hashlib.sha256(canonical(value)).hexdigest()


def timeline_sha256(lines: Sequence[Mapping[str, Any]]) -> str:
    return digest([dict(line) for line in lines])


def sealed(document: Mapping[str, Any]) -> dict[str, Any]:
    """``document`` with its ``manifestSha256`` (replacing any it had)."""
    body = {key: value for key, value in document.items() if key != SEAL}
    return {**body, SEAL: digest(body)}


def seal_problem(document: Mapping[str, Any]) -> str:
    """Why ``document``'s seal does not hold ("" when it does)."""
    claimed = document.get(SEAL)
    if not isinstance(claimed, str):
        return f"has no {SEAL}: it cannot be shown unaltered"
    actual = digest({key: value for key, value in document.items() if key != SEAL})
    if actual != claimed:
        return f"content SHA-256 {actual} differs from its {SEAL} {claimed}: edited after it was written"
    return ""


def stored_bytes(document: Mapping[str, Any]) -> bytes:
    """The bytes a manifest is stored as."""
    return json.dumps(document, indent=2, sort_keys=False).encode("utf-8")
