"""The emulator's state objects (calls, call connections, recordings) and the ``Effects`` port of the backend."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from .events import GridEvent
from .files import StoredChunk
from .options import RecordingOptions
from .recording import RecState, Timeline

CONNECT_DELAY = 0.05
APP_IDENTITY = "8:acs:emulator-app"


class Effects(Protocol):
    def callback(self, url: str, event: dict[str, Any]) -> None: ...
    def publish(self, event: GridEvent) -> None: ...
    def later(self, delay: float, action: Callable[[], None]) -> None: ...
    def files_ready(self, recording: Recording, chunks: list[StoredChunk], event: GridEvent) -> None: ...


@dataclass
class Connection:
    call_connection_id: str
    server_call_id: str
    callback_uri: str
    source: str
    targets: list[str]
    operation_context: str | None = None
    answered_by: str | None = None
    state: str = "connecting"


@dataclass
class Call:
    server_call_id: str
    correlation_id: str
    caller: str
    callee: str
    participants: list[str]
    display_name: str = ""
    incoming_call_context: str = ""
    state: str = "ringing"
    created_at: float = field(default_factory=time.time)
    connections: list[str] = field(default_factory=list)
    answered_at: float | None = None  # when the answer request arrived (the ring a caller hears ends here)


@dataclass
class Recording:
    recording_id: str
    server_call_id: str
    call_connection_id: str | None
    options: RecordingOptions
    timeline: Timeline
    channels: list[str]
    chunks: list[StoredChunk] = field(default_factory=list)
    session_end_reason: str | None = None
    files_ready: bool = False
    failed: bool = False  # StartRecordingFailed was sent (an injected fault)
    kind: str = "azureCommunicationServices"

    @property
    def rest_state(self) -> str:
        return "active" if self.timeline.state is RecState.ACTIVE else "inactive"
