"""Legal holds on archived blobs: the port the handler uses, and its one implementation over Blob storage.

A legal hold is per blob version (REST "Set Blob Legal Hold",
https://learn.microsoft.com/rest/api/storageservices/set-blob-legal-hold: ``PUT <blob>?comp=legalhold[&versionid=]``
with ``x-ms-legal-hold: true|false``, answered 200). Storage accepts it only in a container with version-level
immutability support on an account with blob versioning (``infra/app/storage.bicep``); elsewhere it refuses, and
Azurite answers 501 ``APINotImplemented`` (its README lists "Version Level Worm" as not supported).

Errors::

    LegalHoldError          storage did not list the blobs, or did not set or clear a hold
     +-- HoldRefused        storage answered and said no (4xx, 501): the request will not succeed as it is
     +-- HoldUnavailable    no answer, or a 5xx: worth repeating later
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from azure.storage.blob import ContainerClient


@dataclass(frozen=True)
class BlobVersion:
    """One version of one blob; ``version_id`` is None where the account keeps no versions."""

    name: str
    version_id: str | None = None


class LegalHoldError(Exception):
    """What storage said (``status`` None: no answer), about ``what`` the app asked."""

    def __init__(self, what: str, status: int | None, code: str, message: str) -> None:
        said = f"{code} (HTTP {status})" if status is not None else code
        super().__init__(f"storage did not {what}: {said}: {message}")
        self.what = what
        self.status = status
        self.code = code
        self.storage_message = message


class HoldRefused(LegalHoldError):
    """Storage answered with a refusal (for example 409 without version-level immutability, or Azurite's 501)."""


class HoldUnavailable(LegalHoldError):
    """Storage did not answer, or answered with a server error other than 501."""


class LegalHolds(Protocol):
    def versions(self, prefix: str) -> list[BlobVersion]:
        """Every version of every blob whose name starts with ``prefix`` (previous and deleted ones included)."""
        ...

    def set_legal_hold(self, blob: BlobVersion, held: bool) -> None:
        """Set (``held``) or clear the legal hold on one blob version; LegalHoldError when storage does not."""
        ...


class BlobLegalHolds:
    """``LegalHolds`` over the archive container (Storage SDK: ``list_blobs`` and ``BlobClient.set_legal_hold``)."""

    def __init__(self, container: ContainerClient) -> None:
        self._container = container

    def versions(self, prefix: str) -> list[BlobVersion]:
        from azure.core.exceptions import AzureError

        try:
            listed = self._container.list_blobs(name_starts_with=prefix, include=["versions"])
            return [BlobVersion(b.name, b.version_id) for b in listed]
        except AzureError as exc:
            raise storage_error(f"list the blobs under {prefix}", exc) from exc

    def set_legal_hold(self, blob: BlobVersion, held: bool) -> None:
        from azure.core.exceptions import AzureError

        what = f"{'set' if held else 'clear'} the legal hold on {describe(blob)}"
        client = self._container.get_blob_client(blob.name, version_id=blob.version_id)
        try:
            client.set_legal_hold(held)
        except AzureError as exc:
            raise storage_error(what, exc) from exc


def describe(blob: BlobVersion) -> str:
    return blob.name if blob.version_id is None else f"{blob.name} (version {blob.version_id})"


def storage_error(what: str, exc: Exception) -> LegalHoldError:
    """The SDK's error as a refusal (storage answered 4xx or 501) or an unavailability (no answer, other 5xx)."""
    from azure.core.exceptions import HttpResponseError

    if not isinstance(exc, HttpResponseError) or exc.status_code is None:
        return HoldUnavailable(what, None, type(exc).__name__, str(exc).splitlines()[0] if str(exc) else "")
    headers = getattr(exc.response, "headers", None) or {}
    code = str(getattr(exc, "error_code", None) or headers.get("x-ms-error-code") or "no error code")
    message = str(exc.reason or "").strip() or str(exc).splitlines()[0]
    status = int(exc.status_code)
    kind = HoldRefused if status < 500 or status == 501 else HoldUnavailable
    return kind(what, status, code, message)
