"""The ACS side of the benchmark: the project's ACS emulator, in this process, serving synthetic WAV recordings.

Recordings are made on the emulator's control plane (``POST /_emulator/recordings/synthetic``) and downloaded by the
measured processes through the emulator's TLS proxy with the unmodified SDK, exactly as the app downloads them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from local.emulator import Emulator, EmulatorConfig
from local.emulator.media import WAV_HEADER_SIZE, iter_range, render

BYTES_PER_MS = 32  # mixed WAV: 16 kHz, 16-bit, one channel


@dataclass(frozen=True)
class Chunk:
    """One recording chunk served by the emulator."""

    size: int
    content_location: str
    metadata_location: str
    document_id: str


def duration_ms_for(size: int) -> int:
    """The mixed-WAV duration whose file is closest to ``size`` bytes (at least one millisecond)."""
    return max(1, round((size - WAV_HEADER_SIZE) / BYTES_PER_MS))


class AcsSide:
    """A running emulator plus what a measured process needs to reach it."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self.info: dict[str, Any] = emulator.info
        self.http = requests.Session()
        self.http.trust_env = False

    @property
    def connection_string(self) -> str:
        return str(self.info["connectionString"])

    @property
    def client_env(self) -> dict[str, str]:
        """``HTTPS_PROXY``, ``NO_PROXY`` and ``REQUESTS_CA_BUNDLE`` for a process that downloads recordings."""
        return dict(self.info["clientEnv"])

    def recording(self, size: int, chunks: int = 1) -> list[Chunk]:
        """A finished mixed-WAV recording of ``chunks`` chunks of about ``size`` bytes each (files ready, no event)."""
        seconds = duration_ms_for(size) * chunks / 1000
        return self._chunks(self.synthetic({"format": "wav", "durationSeconds": seconds, "chunks": chunks}))

    def synthetic(self, body: dict[str, Any]) -> dict[str, Any]:
        response = self.http.post(
            f"{self.info['emulatorUrl']}/_emulator/recordings/synthetic", json=body, verify=self.info["caBundle"],
            timeout=30,
        )  # fmt: skip
        response.raise_for_status()
        event: dict[str, Any] = response.json()
        return event

    def _chunks(self, event: dict[str, Any]) -> list[Chunk]:
        found = []
        for item in event["data"]["recordingStorageInfo"]["recordingChunks"]:
            stored = self.emulator.backend.stored(item["documentId"])
            size = render(stored.spec, Path(self.emulator.config.state_dir)).size
            found.append(Chunk(size, item["contentLocation"], item["metadataLocation"], item["documentId"]))
        return found

    def sha256(self, chunk: Chunk) -> str:
        """SHA-256 of the chunk's media, computed here from the emulator's own media (no download)."""
        stored = self.emulator.backend.stored(chunk.document_id)
        digest = hashlib.sha256()
        for piece in iter_range(render(stored.spec, Path(self.emulator.config.state_dir)), 0, chunk.size, 8 << 20):
            digest.update(piece)
        return digest.hexdigest()


@contextmanager
def acs_side(state: Path) -> Iterator[AcsSide]:
    """The emulator on free ports for the length of the block."""
    emulator = Emulator(EmulatorConfig(state_dir=state / "emulator")).start()
    try:
        yield AcsSide(emulator)
    finally:
        emulator.stop()
