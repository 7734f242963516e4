"""Hand-written fakes of the handlers' ports (ACS, store, quarantine, archive, source, verifier)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from shared.acs import AcsRejected, AcsTransient, AnsweredCall, CallAutomation, repeatability_id
from shared.archive import ArchivePermanentError
from shared.config import RecordingDefaults, Settings
from shared.domain import Call, RecordingOptions, apply, new_call
from shared.domain import events as ev
from shared.domain.reconcile import needs_sweeper
from shared.domain.timeline import entry
from shared.handlers.deps import Deps
from shared.jwtcheck import CallbackAuthError
from shared.messages import ArchivedChunk, ChunkJob
from shared.store import Applied, CallStore, DayPage
from shared.store.rows import day_key


class FakeAcs(CallAutomation):
    """Call Automation as the real service behaves: repeated request ids return the first result."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, Any]] = []
        self.by_repeatability: dict[str, Any] = {}
        self.fail_next: dict[str, Exception] = {}
        self.call_states: dict[str, str | None] = {}  # by call connection id; None: ACS answers 404
        self.recording_states: dict[str, str | None] = {}  # by recording id; None: ACS answers 404

    def _fail(self, operation: str) -> None:
        error = self.fail_next.pop(operation, None)
        if error is not None:
            raise error

    def answer(self, incoming_call_context: str, callback_url: str, *, request_id: str) -> AnsweredCall:
        self._fail("answer")
        key = repeatability_id(request_id)
        if key not in self.by_repeatability:
            self.requests.append(("answer", (incoming_call_context, callback_url)))
            self.by_repeatability[key] = AnsweredCall(f"conn-{len(self.requests)}", "sid", "corr")
        result: AnsweredCall = self.by_repeatability[key]
        return result

    def start_recording(
        self, server_call_id: str, options: RecordingOptions, *, request_id: str, call_connection_id: str = ""
    ) -> str:
        self._fail("start")
        key = repeatability_id(request_id)
        if key not in self.by_repeatability:
            self.requests.append(("start", (server_call_id, options, call_connection_id)))
            self.by_repeatability[key] = f"rec-{len(self.requests)}"
        recording_id: str = self.by_repeatability[key]
        return recording_id

    def pause_recording(self, recording_id: str) -> None:
        self._fail("pause")
        self.requests.append(("pause", recording_id))

    def resume_recording(self, recording_id: str) -> None:
        self._fail("resume")
        self.requests.append(("resume", recording_id))

    def stop_recording(self, recording_id: str) -> None:
        self._fail("stop")
        self.requests.append(("stop", recording_id))

    def get_call_properties(self, call_connection_id: str) -> str | None:
        self._fail("get_call")
        self.requests.append(("get_call", call_connection_id))
        return self.call_states.get(call_connection_id, "connected")

    def get_recording_state(self, recording_id: str) -> str | None:
        self._fail("get_recording")
        self.requests.append(("get_recording", recording_id))
        return self.recording_states.get(recording_id, "active")

    def sent(self, operation: str) -> list[Any]:
        return [args for name, args in self.requests if name == operation]


class MemoryStore(CallStore):
    """The store's contract in memory: one ledger per call, inputs applied once."""

    def __init__(self) -> None:
        self.calls: dict[str, Call] = {}
        self.ledger: set[tuple[str, str]] = set()
        self.lines: dict[str, list[dict[str, Any]]] = {}
        self.recordings: dict[str, str] = {}
        self.closed: list[str] = []

    def get(self, server_call_id: str) -> Call | None:
        return self.calls.get(server_call_id)

    def apply(self, server_call_id: str, event: ev.Input) -> Applied:
        previous = self.calls.get(server_call_id)
        if (server_call_id, event.event_id) in self.ledger:
            return Applied(call=previous, previous=previous, duplicate=True)
        call = apply(previous or new_call(server_call_id, event), event)
        self.calls[server_call_id] = call
        self.ledger.add((server_call_id, event.event_id))
        self.lines.setdefault(server_call_id, []).append(entry(event, call))
        self.recordings.update({r.recording_id: server_call_id for r in call.recordings if r.recording_id})
        return Applied(call=call, previous=previous, duplicate=False)

    def find_by_recording(self, recording_id: str) -> str | None:
        return self.recordings.get(recording_id)

    def day_page(self, day: date, *, after: str = "", limit: int = 50) -> DayPage:
        keyed = sorted((day_key(c), c) for c in self.calls.values() if c.created_at.astimezone(UTC).date() == day)
        rest = [(key, call) for key, call in keyed if key > after]
        return DayPage([call for _, call in rest[:limit]], rest[limit - 1][0] if len(rest) > limit else "")

    def open_calls(self) -> list[Call]:
        return [c for c in self.calls.values() if needs_sweeper(c)]

    def close_open(self, folder: str) -> None:
        self.closed.append(folder)

    def timeline(self, server_call_id: str) -> list[dict[str, Any]]:
        return list(self.lines.get(server_call_id, []))


@dataclass
class FakeQuarantine:
    kept: list[tuple[str, str, bytes]] = field(default_factory=list)

    def put(self, kind: str, reason: str, payload: bytes, *, source: str) -> str:
        self.kept.append((kind, reason, payload))
        return f"{kind}/{len(self.kept)}.json"


@dataclass
class FakeSource:
    deleted: list[str] = field(default_factory=list)

    def delete(self, url: str) -> None:
        self.deleted.append(url)


@dataclass
class FakeArchive:
    """Archives instantly; ``streamed_above`` bytes decides payload vs streamed; ``gone`` simulates ACS 404."""

    sizes: dict[int, int] = field(default_factory=dict)
    gone: bool = False
    streamed_above: int = 1000
    jobs: list[ChunkJob] = field(default_factory=list)

    def __call__(self, job: ChunkJob) -> ArchivedChunk:
        self.jobs.append(job)
        if self.gone:
            raise ArchivePermanentError("recording gone at ACS (404)")
        data = bytes([job.index % 256]) * self.sizes.get(job.index, 10)
        streamed = len(data) > self.streamed_above
        return ArchivedChunk(
            index=job.index,
            blob_path=job.blob_path,
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            metadata_path=job.metadata_path,
            metadata_sha256="0" * 64,
            streamed=streamed,
            payload=None if streamed else data,
        )


@dataclass
class FakeVerifier:
    token: str = "Bearer good"

    def verify(self, authorization: str | None) -> Mapping[str, Any]:
        if authorization != self.token:
            raise CallbackAuthError("bad token")
        return {"aud": "acs"}


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "storage_connection": "UseDevelopmentStorage=true",
        "acs_connection_string": "endpoint=https://acs.example/;accesskey=a2V5",
        "acs_endpoint": "",
        "azure_client_id": "",
        "callback_base_url": "https://app.example",
        "answer_policy": ("*",),
        "recording": RecordingDefaults(channel_affinity=((0, "caller"),)),
        "jwt_issuer": "https://issuer",
        "jwt_audience": "acs",
        "jwks_url": "https://issuer/keys",
        "callback_auth_disabled": False,
    }
    values.update(overrides)
    return Settings(**values)


@dataclass
class World:
    """Every fake wired into ``Deps``."""

    deps: Deps
    acs: FakeAcs
    store: MemoryStore
    quarantine: FakeQuarantine
    source: FakeSource
    archive: FakeArchive
    clock: Clock


def world(now: datetime | None = None, **setting_overrides: Any) -> World:
    acs, store, quarantine, source, archive = FakeAcs(), MemoryStore(), FakeQuarantine(), FakeSource(), FakeArchive()
    clock = Clock(now or datetime(2026, 11, 23, 19, 0, tzinfo=UTC))
    deps = Deps(
        settings=settings(**setting_overrides),
        store=store,
        acs=acs,
        quarantine=quarantine,
        archive=archive,
        source=source,
        verifier=FakeVerifier(),
        now=clock,
    )
    return World(deps, acs, store, quarantine, source, archive, clock)


__all__ = ["AcsRejected", "AcsTransient", "World", "world"]
