"""ES256 signatures of a manifest's seal: what a key file signs verifies with its public key and no other, a
re-sealed manifest no longer matches its signature, and the signature has the JWS form Key Vault returns."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from shared.archive.seal import SEAL, SIGNATURE, content, digest, seal_problem, sealed, signed
from shared.signing import (
    KeyFileSigner,
    SigningError,
    fingerprint,
    from_b64url,
    load_public_key,
    new_key_file,
    public_path,
    verifies,
)

DOCUMENT = {"schemaVersion": 4, "recordingId": "rec-1", "chunks": [{"index": 0, "sha256": "ab" * 32, "size": 10}]}


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    path = tmp_path / "manifest-signing.pem"
    new_key_file(path)
    return path


def test_a_new_key_file_is_owner_only_and_its_public_key_lies_beside_it(key_file: Path) -> None:
    assert key_file.stat().st_mode & 0o777 == 0o600
    public = load_public_key(public_path(key_file))
    signer = KeyFileSigner.from_file(key_file)
    assert signer.kid == f"spki-sha256:{fingerprint(public)}"


def test_what_the_key_file_signs_verifies_with_its_public_key_and_not_with_another(key_file: Path) -> None:
    message = hashlib.sha256(b"manifest").digest()
    signature = KeyFileSigner.from_file(key_file).sign(message)
    assert (signature.alg, len(signature.value)) == ("ES256", 64), "r || s, 32 bytes each (JWS, as Key Vault)"
    public = load_public_key(public_path(key_file))
    assert verifies(public, message, signature.value)
    assert not verifies(public, hashlib.sha256(b"other").digest(), signature.value)
    assert not verifies(ec.generate_private_key(ec.SECP256R1()).public_key(), message, signature.value)


def test_a_signed_manifest_carries_the_signature_of_its_seal_outside_the_sealed_content(key_file: Path) -> None:
    document = signed(DOCUMENT, KeyFileSigner.from_file(key_file))
    assert seal_problem(document) == ""
    assert content(document) == DOCUMENT
    value = from_b64url(document[SIGNATURE]["value"])
    assert verifies(load_public_key(public_path(key_file)), bytes.fromhex(document[SEAL]), value)


def test_a_resealed_manifest_keeps_a_valid_seal_but_its_signature_no_longer_matches(key_file: Path) -> None:
    document = signed(DOCUMENT, KeyFileSigner.from_file(key_file))
    forged = sealed({**document, "chunks": [{"index": 0, "sha256": "cd" * 32, "size": 10}]})
    forged[SIGNATURE] = document[SIGNATURE]
    assert seal_problem(forged) == "", "the seal alone cannot tell"
    value = from_b64url(forged[SIGNATURE]["value"])
    assert not verifies(load_public_key(public_path(key_file)), bytes.fromhex(digest(content(forged))), value)


def test_sealing_again_drops_a_signature_it_would_no_longer_match(key_file: Path) -> None:
    document = signed(DOCUMENT, KeyFileSigner.from_file(key_file))
    assert SIGNATURE not in sealed(document)


def test_a_key_file_that_is_not_a_p256_private_key_is_refused(tmp_path: Path) -> None:
    missing = tmp_path / "none.pem"
    with pytest.raises(SigningError, match="cannot read the signing key"):
        KeyFileSigner.from_file(missing)
    with pytest.raises(SigningError, match="not P-256"):
        KeyFileSigner(ec.generate_private_key(ec.SECP384R1()))


def test_only_a_sha256_digest_is_signed(key_file: Path) -> None:
    with pytest.raises(SigningError, match="32 bytes"):
        KeyFileSigner.from_file(key_file).sign(b"short")
