"""The manifest's seal: SHA-256 digests that make a changed byte in a manifest, or in what it lists, evident.

Canonical JSON (the rule an auditor repeats to check a manifest): the document as a JSON value, with every object's
keys sorted by code point, no whitespace between tokens (separators ``,`` and ``:``), non-ASCII characters written
as themselves and encoded in UTF-8, integers in decimal, strings escaped as Python's ``json`` module escapes them
(``\\"``, ``\\\\``, ``\\n`` and ``\\uXXXX`` for other control characters). The manifest holds no floats.

- ``manifestSha256``: SHA-256 (lowercase hex) of the canonical JSON of the manifest without its
  ``manifestSha256`` member.
- ``signature``: ``{"alg": "ES256", "kid": ..., "value": ...}``, the ES256 signature of the 32 bytes whose hex is
  ``manifestSha256``, by a key the archive's writers cannot use (``shared.signing``). It is not part of the
  content ``manifestSha256`` covers; a manifest whose content was changed and re-sealed no longer matches it.
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
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from shared.signing import Signer

SEAL = "manifestSha256"
SIGNATURE = "signature"
TIMELINE = "timelineSha256"
OUTSIDE_CONTENT = (SEAL, SIGNATURE)


def canonical(value: object) -> bytes:
    """The canonical JSON of ``value`` (see the module docstring)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def digest(value: object) -> str:
    return hashlib.sha256(canonical(value)).hexdigest()


def timeline_sha256(lines: Sequence[Mapping[str, Any]]) -> str:
    return digest([dict(line) for line in lines])


def content(document: Mapping[str, Any]) -> dict[str, Any]:
    """What ``manifestSha256`` covers: the document without its seal and signature."""
    return {key: value for key, value in document.items() if key not in OUTSIDE_CONTENT}


def sealed(document: Mapping[str, Any]) -> dict[str, Any]:
    """``document`` with its ``manifestSha256`` (replacing any it had, and dropping any signature)."""
    body = content(document)
    return {**body, SEAL: digest(body)}


def signed(document: Mapping[str, Any], signer: Signer) -> dict[str, Any]:
    """``document`` sealed and signed by ``signer`` (SigningError when it does not sign)."""
    with_seal = sealed(document)
    signature = signer.sign(bytes.fromhex(with_seal[SEAL]))
    return {**with_seal, SIGNATURE: signature.as_json()}


def seal_problem(document: Mapping[str, Any]) -> str:
    """Why ``document``'s seal does not hold ("" when it does)."""
    claimed = document.get(SEAL)
    if not isinstance(claimed, str):
        return f"has no {SEAL}: it cannot be shown unaltered"
    actual = digest(content(document))
    if actual != claimed:
        return f"content SHA-256 {actual} differs from its {SEAL} {claimed}: edited after it was written"
    return ""


def stored_bytes(document: Mapping[str, Any]) -> bytes:
    """The bytes a manifest is stored as."""
    return json.dumps(document, indent=2, sort_keys=False).encode("utf-8")
