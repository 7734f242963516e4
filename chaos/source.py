"""The bytes at the source: download a recording chunk from the emulator with the real Call Automation SDK."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from azure.communication.callautomation import CallAutomationClient


class SourceReader:
    """SHA-256 of recordings as the emulator serves them (through its CONNECT proxy, like the app)."""

    def __init__(self, info: Mapping[str, Any]) -> None:
        self._client = CallAutomationClient.from_connection_string(
            info["acsConnectionString"],
            connection_verify=info["caBundle"],
            proxies={"https": info["clientEnv"]["HTTPS_PROXY"]},
            retry_total=2,
        )
        self._cache: dict[str, str] = {}

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
                return None
            self._cache[url] = digest.hexdigest()
        return self._cache[url]
