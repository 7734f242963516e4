"""The exact requests the Key Vault SDK sends when the app signs a manifest, recorded by a local vault
(``key_vault``, answering as Key Vault's REST specification documents, behind its real URL), what the app makes of a
refusal, and a manifest signed through it passing the audit with the vault key's public key."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from azure.core.credentials import AccessToken
from azure.storage.blob import BlobServiceClient

from shared.keyvault import KeyVaultSigner
from shared.signing import SigningError, from_b64url, public_pem, verifies
from shared.transport import environment_options
from tests.integration.audit.test_audit import DAY, archive_recording
from tests.integration.keyvault.key_vault import TENANT, TOKEN, KeyVaultService, Refusal, Request, key_id
from tools.audit.__main__ import main as audit

VAULT, NAME, VERSION = "kv-audit", "manifest-signing", "9885aa558e8d448789683188f8c194b0"
DIGEST = hashlib.sha256(b"a manifest's canonical content").digest()


class Credential:
    """The app's identity as Key Vault sees it: a bearer token for the scope the vault's challenge names."""

    def __init__(self) -> None:
        self.asked: list[tuple[tuple[str, ...], str | None]] = []

    def get_token(self, *scopes: str, tenant_id: str | None = None, **kwargs: Any) -> AccessToken:
        self.asked.append((scopes, tenant_id))
        return AccessToken(TOKEN, int(time.time()) + 3600)


@pytest.fixture
def vault(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[KeyVaultService]:
    service = KeyVaultService(tmp_path / "ca").start()
    for name in ("NO_PROXY", "no_proxy", "HTTP_PROXY", "http_proxy", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTPS_PROXY", service.proxy_url)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(service.ca_path))
    try:
        yield service
    finally:
        service.stop()


def signer(credential: Credential, **options: Any) -> KeyVaultSigner:
    """The adapter as the composition root builds it: the environment's proxy and CA read once for the vault."""
    key = key_id(VAULT, NAME, VERSION)
    return KeyVaultSigner(key, credential, **environment_options(key), **options)  # type: ignore[arg-type]


def signs(vault: KeyVaultService) -> list[Request]:
    return [r for r in vault.backend.requests if r.method == "POST" and r.authorization]


def test_a_signature_is_one_sign_request_as_the_spec_describes_and_verifies_with_the_keys_public_key(
    vault: KeyVaultService,
) -> None:
    public = vault.add_key(VAULT, NAME, VERSION)
    credential = Credential()
    signature = signer(credential).sign(DIGEST)
    (sent,) = signs(vault)
    assert (sent.host, sent.path) == (f"{VAULT}.vault.azure.net", f"/keys/{NAME}/{VERSION}/sign")
    assert sent.query == {"api-version": "2025-07-01"}
    assert str(sent.content_type).startswith("application/json")
    assert set(sent.body) == {"alg", "value"}
    assert sent.body["alg"] == "ES256"
    assert from_b64url(sent.body["value"]) == DIGEST, "the digest, base64url (no padding)"
    assert "=" not in sent.body["value"]
    assert (signature.alg, signature.kid) == ("ES256", key_id(VAULT, NAME, VERSION))
    assert verifies(public, DIGEST, signature.value)
    assert set(credential.asked) == {(("https://vault.azure.net/.default",), TENANT)}, "the scope of the challenge"


def test_with_the_sign_permission_only_the_key_is_asked_for_once_and_every_signature_is_made_in_the_vault(
    vault: KeyVaultService,
) -> None:
    vault.add_key(VAULT, NAME, VERSION)
    adapter = signer(Credential())
    adapter.sign(DIGEST)
    adapter.sign(hashlib.sha256(b"the next manifest").digest())
    key, sign = f"/keys/{NAME}/{VERSION}", f"/keys/{NAME}/{VERSION}/sign"
    authorized = [(r.method, r.path) for r in vault.backend.requests if r.authorization]
    assert authorized == [
        ("GET", key),  # answered 403: the role cannot read the key
        ("POST", sign),
        ("POST", sign),
    ]
    # answered 401 with the challenge (which tenant, which resource); the SDK keeps it per vault for the process
    anonymous = [(r.method, r.path) for r in vault.backend.requests if not r.authorization]
    assert anonymous in ([], [("GET", key)])


def test_a_refusal_is_a_signing_error_naming_the_status_and_the_key_vault_error_code(vault: KeyVaultService) -> None:
    vault.add_key(VAULT, NAME, VERSION)
    vault.backend.refuse_sign = Refusal(403, "Forbidden", "Caller is not authorized.", "ForbiddenByRbac")
    with pytest.raises(SigningError) as raised:
        signer(Credential()).sign(DIGEST)
    message = str(raised.value)
    assert key_id(VAULT, NAME, VERSION) in message
    assert "HTTP 403" in message
    assert "Forbidden" in message


def test_an_unknown_key_version_is_a_signing_error(vault: KeyVaultService) -> None:
    vault.add_key(VAULT, NAME, "another-version")
    with pytest.raises(SigningError, match=r"HTTP 404.*KeyNotFound"):
        signer(Credential()).sign(DIGEST)


def test_a_vault_that_does_not_answer_is_a_signing_error(vault: KeyVaultService) -> None:
    vault.stop()
    with pytest.raises(SigningError, match="Key Vault did not sign"):
        signer(Credential(), retry_total=0).sign(DIGEST)


def test_an_unversioned_key_id_is_refused_before_any_request() -> None:
    with pytest.raises(SigningError, match="not a versioned Key Vault key identifier"):
        KeyVaultSigner(f"https://{VAULT}.vault.azure.net/keys/{NAME}", Credential())  # type: ignore[arg-type]


def test_a_manifest_signed_in_the_vault_passes_the_audit_which_names_the_vault_key(
    vault: KeyVaultService,
    storage_connection_string: str,
    unique_name: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    public = tmp_path / "manifest-signing.pub.pem"
    public.write_bytes(public_pem(vault.add_key(VAULT, NAME, VERSION)))  # az keyvault key download --encoding PEM
    container = BlobServiceClient.from_connection_string(storage_connection_string).create_container(unique_name)
    try:
        archive_recording(container, (300, 200), signer(Credential()))
        args = ["--date", DAY, "--container", unique_name, "--connection-string", storage_connection_string]
        assert audit([*args, "--public-key", str(public)]) == 0
        assert f"signature verified: 1 manifest(s) signed by {key_id(VAULT, NAME, VERSION)}" in capsys.readouterr().out
    finally:
        container.delete_container()
