"""A manifest's signature, checked with public keys the auditor trusts (never with a key found in the archive).

The signature must be ES256 over the SHA-256 of the manifest's content as it is now (``shared.archive.seal``), so
a manifest edited and re-sealed (content changed, ``manifestSha256`` recomputed) fails, whoever re-sealed it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec

from shared.archive.seal import SIGNATURE, content, digest
from shared.signing import ALGORITHM, fingerprint, from_b64url, load_public_key, verifies


@dataclass(frozen=True)
class TrustedKey:
    """A public key the auditor gave (``--public-key``), named by its file and fingerprint."""

    source: str
    key: ec.EllipticCurvePublicKey

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.key)


@dataclass(frozen=True)
class Trust:
    keys: tuple[TrustedKey, ...] = ()
    accept_unsigned: bool = False  # an archive written before signing: list unsigned manifests without failing


@dataclass(frozen=True)
class Verified:
    """Who signed (the ``kid`` the signature names) and the trusted key it verified with."""

    kid: str
    key: TrustedKey


def load(paths: Sequence[str]) -> tuple[TrustedKey, ...]:
    """The public keys in ``paths`` (PEM); ValueError naming the file that is not one."""
    found = []
    for path in paths:
        try:
            found.append(TrustedKey(path, load_public_key(Path(path))))
        except (OSError, ValueError) as exc:
            raise ValueError(f"--public-key {path}: {exc}") from exc
    return tuple(found)


def signer(name: str, document: Mapping[str, Any], trust: Trust, problems: list[str]) -> Verified | None:
    """The verified signer of the document ``name``; None when there is none, with why in ``problems`` unless
    unsigned and that is accepted."""
    verified = check(document, trust)
    if isinstance(verified, Verified):
        return verified
    if verified:
        problems.append(f"{name}: {verified}")
    return None


def check(document: Mapping[str, Any], trust: Trust) -> Verified | str:
    """The verified signer, or why the manifest's signature does not hold ("" : unsigned and that is accepted)."""
    signature = document.get(SIGNATURE)
    if signature is None:
        return "" if trust.accept_unsigned else "not signed: it cannot be told from a manifest re-sealed by a writer"
    if not isinstance(signature, dict) or signature.get("alg") != ALGORITHM:
        return f"its signature is not an {ALGORITHM} signature object"
    kid = str(signature.get("kid", ""))
    try:
        value = from_b64url(signature.get("value", ""))
    except ValueError:
        return f"its signature by {kid} is not base64url"
    if not trust.keys:
        return f"signed by {kid}, but no public key was given to check it with (--public-key)"
    signed = bytes.fromhex(digest(content(document)))
    for key in trust.keys:
        if verifies(key.key, signed, value):
            return Verified(kid, key)
    return f"its signature by {kid} does not verify with any given public key: altered and re-sealed, or another key"
