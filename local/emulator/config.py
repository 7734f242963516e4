"""The emulator's settings: fixed at start (``EmulatorConfig``) and changeable while running (``Settings``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

PRODUCTION_ISSUER = "https://acscallautomation.communication.azure.com"
REGION = "us"
STORAGE_HOST = f"{REGION}-storage.asm.skype.com"
TOPIC = (
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/local/providers/"
    "Microsoft.Communication/communicationServices/acs-emulator"
)


FILES_READY_SHAPES = ("full", "quickstart", "spec-example", "byos")
"""The shapes of ``RecordingFileStatusUpdated`` the emulator can send (``files.files_ready_event``)."""


@dataclass
class EmulatorConfig:
    """How to start the emulator. ``None`` for the key or resource id: generated once and kept in ``state_dir``."""

    state_dir: Path
    access_key: str | None = None
    resource_id: str | None = None
    storage_connection_string: str | None = None
    files_ready_delay: float = 0.5
    time_scale: float = 1.0
    max_chunk_seconds: float = 4 * 3600
    retention_seconds: float = 24 * 3600
    host: str = "127.0.0.1"
    port: int = 0
    proxy_port: int = 0
    subscriptions_file: Path | None = None
    issuer: str = PRODUCTION_ISSUER
    # Event Grid's retry schedule (10 s, 30 s, 1 min, 5 min, ...) multiplied by this factor.
    eventgrid_retry_scale: float = 0.01
    eventgrid_timeout_seconds: float = 30.0
    files_ready_shape: str = "full"


@dataclass
class Settings:
    """What the control plane can change at run time (``POST /_emulator/settings``)."""

    files_ready_delay: float
    time_scale: float
    max_chunk_seconds: float
    retention_seconds: float
    eventgrid_retry_scale: float
    eventgrid_timeout_seconds: float
    files_ready_shape: str = "full"

    @classmethod
    def from_config(cls, config: EmulatorConfig) -> Settings:
        return cls(
            files_ready_delay=config.files_ready_delay,
            time_scale=config.time_scale,
            max_chunk_seconds=config.max_chunk_seconds,
            retention_seconds=config.retention_seconds,
            eventgrid_retry_scale=config.eventgrid_retry_scale,
            eventgrid_timeout_seconds=config.eventgrid_timeout_seconds,
            files_ready_shape=config.files_ready_shape,
        )

    def as_json(self) -> dict[str, float | str]:
        values: dict[str, float | str] = {name: float(getattr(self, attr)) for name, attr in SETTING_NAMES.items()}
        values[SHAPE_SETTING] = self.files_ready_shape
        return values


SETTING_NAMES: dict[str, str] = {  # control-plane name -> ``Settings`` attribute
    "filesReadyDelaySeconds": "files_ready_delay",
    "timeScale": "time_scale",
    "maxChunkSeconds": "max_chunk_seconds",
    "retentionSeconds": "retention_seconds",
    "eventGridRetryScale": "eventgrid_retry_scale",
    "eventGridTimeoutSeconds": "eventgrid_timeout_seconds",
}
SHAPE_SETTING = "filesReadyShape"  # one of FILES_READY_SHAPES
