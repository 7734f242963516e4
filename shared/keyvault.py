"""``Signer`` over an Azure Key Vault key: the private key never leaves the vault; the app may only ask it to sign.

The Key Vault SDK's ``CryptographyClient`` sends Key Vault's ``sign`` operation (REST API 2025-07-01,
https://learn.microsoft.com/rest/api/keyvault/keys/sign/sign): ``POST {vault}/keys/{name}/{version}/sign`` with
``{"alg": "ES256", "value": <base64url digest>}``, answered ``{"kid": ..., "value": <base64url signature>}``. It
first tries ``GET {vault}/keys/{name}/{version}`` to sign locally; with the sign permission only (the Bicep grants
nothing else) the vault answers 403 and the client signs remotely from then on. Authentication is Key Vault's
bearer challenge (https://learn.microsoft.com/azure/key-vault/general/authentication-requests-and-responses).

The key is named by a versioned key identifier (``https://<vault>.vault.azure.net/keys/<name>/<version>``), so
every signature names the exact key version an auditor checks it with.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from shared.signing import ALGORITHM, KeyFileSigner, Signature, Signer, SigningError

if TYPE_CHECKING:
    from azure.core.credentials import TokenCredential
    from azure.keyvault.keys.crypto import CryptographyClient


def named_signer(key: str, credential: Callable[[], TokenCredential]) -> Signer:
    """The signer ``key`` names: a versioned Key Vault key identifier (the vault signs, for the identity
    ``credential()`` gives, through the environment's proxy and CA as every client here) or a PEM key file.
    SigningError when the file is not a P-256 private key."""
    from shared.transport import environment_options

    if is_key_id(key):
        return KeyVaultSigner(key, credential(), **environment_options(key))
    return KeyFileSigner.from_file(Path(key))


def is_key_id(value: str) -> bool:
    """True when ``value`` is a versioned Key Vault key identifier (``https://host/keys/<name>/<version>``)."""
    parts = urlsplit(value)
    segments = parts.path.strip("/").split("/")
    shaped = len(segments) == 3 and segments[0] == "keys" and all(segments)
    return parts.scheme == "https" and bool(parts.hostname) and shaped and not parts.query and not parts.fragment


class KeyVaultSigner:
    """``Signer`` that asks Key Vault to sign with the key ``key_id`` (``client_options``: azure-core options).

    The Key Vault SDK is imported and its client built on the first signature, not when the app builds its
    dependencies: ``deps()`` runs on the first invocation of any function, IncomingCall's included, and importing
    ``azure.keyvault.keys.crypto`` and building the client there took 94-155 ms, 2.3 MiB and 72 modules (with the
    runtime, the app and the storage SDKs already loaded; docs/performance.md) that an answer does not need.
    """

    def __init__(self, key_id: str, credential: TokenCredential, **client_options: Any) -> None:
        if not is_key_id(key_id):
            raise SigningError(f"{key_id!r} is not a versioned Key Vault key identifier")
        self.kid = key_id
        self._credential, self._options = credential, client_options
        self._client: CryptographyClient | None = None
        self._lock = threading.Lock()

    def _crypto(self) -> CryptographyClient:
        with self._lock:
            if self._client is None:
                from azure.keyvault.keys.crypto import CryptographyClient

                self._client = CryptographyClient(self.kid, self._credential, **self._options)
            return self._client

    def sign(self, digest: bytes) -> Signature:
        from azure.core.exceptions import AzureError
        from azure.keyvault.keys.crypto import SignatureAlgorithm

        try:
            result = self._crypto().sign(SignatureAlgorithm.es256, digest)
        except AzureError as exc:
            raise SigningError(f"Key Vault did not sign with {self.kid}: {_reason(exc)}") from exc
        return Signature(kid=self.kid, value=bytes(result.signature), alg=ALGORITHM)


def _reason(exc: Exception) -> str:
    """``HTTP <status> <Key Vault error code> <message>``, as far as the SDK's error carries them."""
    status = getattr(exc, "status_code", None)
    code = getattr(getattr(exc, "error", None), "code", None)
    message = str(getattr(exc, "message", "") or exc).splitlines()[0]
    return " ".join(part for part in (f"HTTP {status}" if status else "", str(code or ""), message) if part)
