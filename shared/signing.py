"""Manifest signatures: the port the archive signs through, the local key-file signer, and verification.

A manifest is signed with ES256 (ECDSA on P-256 over a SHA-256 digest, RFC 7518 section 3.4): the signature is the
32-byte ``r`` and 32-byte ``s`` concatenated, as Key Vault's ``sign`` operation returns it and as JWS writes it,
carried base64url-encoded without padding. What is signed is the manifest's ``manifestSha256`` digest (its 32 bytes,
not its hex text). The key that signs is named by ``kid``: a versioned Key Vault key identifier in Azure
(``shared.keyvault``), or ``spki-sha256:<hex>`` for a local key file, where the hex is the SHA-256 of the public
key's DER SubjectPublicKeyInfo (the key's fingerprint, which the audit prints for every key it verifies with).

Errors::

    SigningError        the signer did not sign (no answer, refused, or a key it cannot use)
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    Prehashed,
    decode_dss_signature,
    encode_dss_signature,
)

ALGORITHM = "ES256"
DIGEST_BYTES = 32
COORDINATE_BYTES = 32  # P-256: r and s are 32 bytes each


class SigningError(Exception):
    """The signer did not sign; the message says why."""


@dataclass(frozen=True, kw_only=True)
class Signature:
    """An ES256 signature over a SHA-256 digest, and the key that made it."""

    kid: str
    value: bytes
    alg: str = ALGORITHM

    def as_json(self) -> dict[str, str]:
        return {"alg": self.alg, "kid": self.kid, "value": b64url(self.value)}


class Signer(Protocol):
    def sign(self, digest: bytes) -> Signature:
        """Sign a 32-byte SHA-256 digest; SigningError when the key cannot be used."""
        ...


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def from_b64url(text: str) -> bytes:
    """The bytes of base64url ``text`` (padding optional); ValueError when it is not base64url."""
    if not isinstance(text, str) or not text.isascii():
        raise ValueError("not base64url text")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def fingerprint(key: ec.EllipticCurvePublicKey) -> str:
    """SHA-256 (hex) of the key's DER SubjectPublicKeyInfo."""
    der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(der).hexdigest()


def raw_signature(der: bytes) -> bytes:
    """A DER ECDSA signature as ``r || s`` (JWS form)."""
    r, s = decode_dss_signature(der)
    return r.to_bytes(COORDINATE_BYTES, "big") + s.to_bytes(COORDINATE_BYTES, "big")


def verifies(key: ec.EllipticCurvePublicKey, digest: bytes, signature: bytes) -> bool:
    """True when ``signature`` (``r || s``) is ``key``'s ES256 signature of ``digest``."""
    if len(signature) != 2 * COORDINATE_BYTES or not isinstance(key.curve, ec.SECP256R1):
        return False
    r = int.from_bytes(signature[:COORDINATE_BYTES], "big")
    s = int.from_bytes(signature[COORDINATE_BYTES:], "big")
    try:
        key.verify(encode_dss_signature(r, s), digest, ec.ECDSA(Prehashed(hashes.SHA256())))
    except InvalidSignature:
        return False
    return True


class KeyFileSigner:
    """``Signer`` with a P-256 private key read from a PEM file (local use; in Azure the key stays in Key Vault)."""

    def __init__(self, key: ec.EllipticCurvePrivateKey) -> None:
        if not isinstance(key.curve, ec.SECP256R1):
            raise SigningError(f"the signing key is on {key.curve.name}, not P-256 (ES256)")
        self._key = key
        self.kid = f"spki-sha256:{fingerprint(key.public_key())}"

    @classmethod
    def from_file(cls, path: Path) -> KeyFileSigner:
        try:
            loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
        except (OSError, ValueError, TypeError) as exc:
            raise SigningError(f"cannot read the signing key {path}: {exc}") from exc
        if not isinstance(loaded, ec.EllipticCurvePrivateKey):
            raise SigningError(f"{path} is not an EC private key")
        return cls(loaded)

    def sign(self, digest: bytes) -> Signature:
        if len(digest) != DIGEST_BYTES:
            raise SigningError(f"a SHA-256 digest is {DIGEST_BYTES} bytes, not {len(digest)}")
        der = self._key.sign(digest, ec.ECDSA(Prehashed(hashes.SHA256())))
        return Signature(kid=self.kid, value=raw_signature(der))


def new_key_file(path: Path) -> ec.EllipticCurvePublicKey:
    """Write a new P-256 private key to ``path`` (PEM, owner-only) and its public key beside it (``.pub.pem``)."""
    key = ec.generate_private_key(ec.SECP256R1())
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600, exist_ok=False)
    path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    public_path(path).write_bytes(public_pem(key.public_key()))
    return key.public_key()


def public_path(private_path: Path) -> Path:
    return private_path.with_name(private_path.name.removesuffix(".pem") + ".pub.pem")


def public_pem(key: ec.EllipticCurvePublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def load_public_key(path: Path) -> ec.EllipticCurvePublicKey:
    """A PEM public key (SubjectPublicKeyInfo, as ``az keyvault key download --encoding PEM`` writes it)."""
    key = serialization.load_pem_public_key(path.read_bytes())
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise ValueError(f"{path} is not an EC public key")
    return key
