"""The bytes at the source: download a recording chunk from the emulator with the real Call Automation SDK."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from typing import Any

from azure.communication.callautomation import CallAutomationClient


class SourceReader:
    """SHA-256 of recordings as the emulator serves them (through its CONNECT proxy, like the app).

    ``control`` (``GET`` on the emulator's control plane) gives the digest of a chunk that was deleted at ACS, which
    the SDK can no longer download; without it such a chunk has no source bytes (None).
    """

    def __init__(self, info: Mapping[str, Any], control: Callable[[str], Any] | None = None) -> None:
        self._client = CallAutomationClient.from_connection_string(
            info["acsConnectionString"],
            connection_verify=info["caBundle"],
            proxies={"https": info["clientEnv"]["HTTPS_PROXY"]},
            retry_total=2,
        )
        self._cache: dict[str, str] = {}
        self._control = control

    def sha256(self, url: str) -> str | None:
        """Hex SHA-256 of the object at ``url``; None when the source no longer has it."""
        from azure.core.exceptions import HttpResponseError

        if url not in self._cache:
            digest = hashlib.sha256()
            try:
                response: Any = self._client.download_recording(url)
                for piece in response.iter_bytes():
                    digest.update(piece)
            except HttpResponseError:
                return self._deleted_sha256(url)
            self._cache[url] = digest.hexdigest()
        return self._cache[url]

    def _deleted_sha256(self, url: str) -> str | None:
        if self._control is None or "/v1/objects/" not in url:
            return None
        document_id = url.split("/v1/objects/", 1)[1].split("/", 1)[0]
        found = self._control(f"objects/{document_id}")
        return str(found["sha256"]) if found.get("deleted") else None
