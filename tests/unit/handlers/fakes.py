"""Hand-written fakes of the handlers' ports (ACS, store, quarantine, archive, source, verifier)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from azure.core.exceptions import ServiceRequestError

from shared.acs import AcsRejected, AcsTransient, AnsweredCall, CallAutomation, repeatability_id
from shared.archive import Archived, ArchivePermanentError
from shared.archive.manifest import render
from shared.archive.readback import NotVerified
from shared.callbackguard import CallbackGuard
from shared.config import RecordingDefaults, Settings
from shared.domain import Call, Recording, RecordingOptions, apply, new_call
from shared.domain import inputs as ev
from shared.domain.access import Read
from shared.domain.model import ChunkCopy
from shared.domain.participants import call_participants
from shared.domain.reconcile import needs_sweeper
from shared.domain.timeline import entry
from shared.handlers.archive import Outputs
from shared.handlers.deps import Deps
from shared.jwtcheck import CallbackAuthError, VerifiedToken
from shared.messages import ChunkJob, VerifyJob
from shared.store import Applied, CallStore, DayPage, Loaded
from shared.store.rows import day_key


class FakeAcs(CallAutomation):
    """Call Automation as the real service behaves: repeated request ids return the first result."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, Any]] = []
        self.by_repeatability: dict[str, Any] = {}
        self.fail_next: dict[str, Exception] = {}
        self.call_states: dict[str, str | None] = {}  # by call connection id; None: ACS answers 404
        self.recording_states: dict[str, str | None] = {}  # by recording id; None: ACS answers 404
        self.first_sent: list[datetime | None] = []  # Repeatability-First-Sent of every answer/start, in order

    def _fail(self, operation: str) -> None:
        error = self.fail_next.pop(operation, None)
        if error is not None:
            raise error

    def answer(
        self, incoming_call_context: str, callback_url: str, *, request_id: str, first_sent: datetime | None = None
    ) -> AnsweredCall:
        self.first_sent.append(first_sent)
        self._fail("answer")
        key = repeatability_id(request_id)
        if key not in self.by_repeatability:
            self.requests.append(("answer", (incoming_call_context, callback_url)))
            self.by_repeatability[key] = AnsweredCall(f"conn-{len(self.requests)}", "sid", "corr")
        result: AnsweredCall = self.by_repeatability[key]
        return result

    def start_recording(
        self,
        server_call_id: str,
        options: RecordingOptions,
        *,
        request_id: str,
        call_connection_id: str = "",
        first_sent: datetime | None = None,
    ) -> str:
        self.first_sent.append(first_sent)
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


def _token(version: int) -> str:
    """A concurrency token for a state version ("" when there is no state), as a store's ETag would be."""
    return f"v{version}" if version else ""


class MemoryStore(CallStore):
    """The store's contract in memory: one ledger per call, inputs applied once."""

    def __init__(self) -> None:
        self.calls: dict[str, Call] = {}
        self.ledger: set[tuple[str, str]] = set()
        self.lines: dict[str, list[dict[str, Any]]] = {}
        self.recordings: dict[str, str] = {}
        self.closed: list[str] = []
        self.versions: dict[str, int] = {}
        self.reads: list[str] = []  # the calls read (get, load), in order
        self.based_on: list[tuple[str, Loaded | None]] = []  # each input applied, and what its write was based on

    def get(self, server_call_id: str) -> Call | None:
        self.reads.append(server_call_id)
        return self.calls.get(server_call_id)

    def load(self, server_call_id: str) -> Loaded:
        self.reads.append(server_call_id)
        version = self.versions.get(server_call_id, 0)
        return Loaded(self.calls.get(server_call_id), _token(version), version)

    def apply(self, server_call_id: str, event: ev.Input, *, based_on: Loaded | None = None) -> Applied:
        self.based_on.append((type(event).__name__, based_on))
        previous = self.calls.get(server_call_id)
        version = self.versions.get(server_call_id, 0)
        if (server_call_id, event.event_id) in self.ledger:
            return Applied(call=previous, previous=previous, duplicate=True, version=version)
        call = apply(previous or new_call(server_call_id, event), event)
        self.calls[server_call_id] = call
        self.versions[server_call_id] = version + 1
        self.ledger.add((server_call_id, event.event_id))
        self.lines.setdefault(server_call_id, []).append(entry(event, call))
        self.recordings.update({r.recording_id: server_call_id for r in call.recordings if r.recording_id})
        return Applied(call=call, previous=previous, duplicate=False, version=version + 1, token=_token(version + 1))

    def find_by_recording(self, recording_id: str) -> str | None:
        return self.recordings.get(recording_id)

    def day_page(self, day: date, *, after: str = "", limit: int = 50) -> DayPage:
        keyed = sorted((day_key(c), c) for c in self.calls.values() if c.created_at.astimezone(UTC).date() == day)
        rest = [(key, call) for key, call in keyed if key > after]
        return DayPage([call for _, call in rest[:limit]], rest[limit - 1][0] if len(rest) > limit else "")

    def participant_page(
        self,
        key: str,
        *,
        after: str = "",
        limit: int = 50,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> DayPage:
        keyed = sorted(
            (day_key(c), c)
            for c in self.calls.values()
            if key in call_participants(c)
            and (since is None or c.created_at >= since)
            and (until is None or c.created_at < until)
        )
        rest = [(k, call) for k, call in keyed if k > after]
        return DayPage([call for _, call in rest[:limit]], rest[limit - 1][0] if len(rest) > limit else "")

    def open_calls(self) -> list[Call]:
        return [c for c in self.calls.values() if needs_sweeper(c)]

    def close_open(self, folder: str) -> None:
        self.closed.append(folder)

    def forget(self, server_call_id: str, version: int) -> bool:
        if self.versions.get(server_call_id, 0) != version:
            return False
        self.calls.pop(server_call_id, None)
        self.lines.pop(server_call_id, None)
        self.ledger = {(sid, event_id) for sid, event_id in self.ledger if sid != server_call_id}
        return True

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
    """ACS storage: ``files`` by URL (a missing one is gone: ``ArchivePermanentError``, as a 404 is); every delete
    goes into the shared ``journal``."""

    journal: list[tuple[Any, ...]]
    deleted: list[str] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)
    downloads: list[str] = field(default_factory=list)

    def download(self, url: str, offset: int = 0, length: int | None = None) -> Iterator[bytes]:
        self.downloads.append(url)
        if url not in self.files:
            raise ArchivePermanentError(f"{url} is gone (404)")
        data = self.files[url][offset:]
        return iter([data if length is None else data[:length]])

    def delete(self, url: str) -> None:
        self.deleted.append(url)
        self.journal.append(("delete", url))


@dataclass
class FakeArchive:
    """The archive container in memory, and the ports over it: the copy (``__call__``), the read-back and the manifest.

    The copy writes the metadata blob and a streamed chunk's media itself; a small chunk's media is only returned,
    for the blob output binding, which the test plays (``land``) or leaves out. ``sizes`` by index; more than
    ``streamed_above`` bytes are streamed; ``gone`` makes ACS answer 404. ``journal`` records every read-back that
    matched, every manifest written (with the chunk indexes it names) and, through FakeSource, every delete.
    """

    journal: list[tuple[Any, ...]]
    sizes: dict[int, int] = field(default_factory=dict)
    gone: bool = False
    streamed_above: int = 1000
    jobs: list[ChunkJob] = field(default_factory=list)
    blobs: dict[str, bytes] = field(default_factory=dict)
    manifests: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __call__(self, job: ChunkJob) -> Archived:
        self.jobs.append(job)
        if self.gone:
            raise ArchivePermanentError("recording gone at ACS (404)")
        data = bytes([job.chunk.index % 256]) * self.sizes.get(job.chunk.index, 10)
        metadata = b'{"chunkDuration": 1000}'
        streamed = len(data) > self.streamed_above
        self.blobs[job.chunk.paths.metadata] = metadata
        if streamed:
            self.blobs[job.chunk.paths.media] = data
        copy = ChunkCopy(
            size=len(data), sha256=_sha(data), metadata_sha256=_sha(metadata), streamed=streamed, duration_ms=1000
        )
        return Archived(copy, None if streamed else data)

    def land(self, job: ChunkJob, media: bytes) -> None:
        """What the blob output binding does after the function returned."""
        self.blobs[job.chunk.paths.media] = media

    def read_back(self, job: VerifyJob) -> None:
        paths = job.chunk.paths
        for path, wanted in ((paths.metadata, job.copy.metadata_sha256), (paths.media, job.copy.sha256)):
            stored = self.blobs.get(path)
            if stored is None:
                raise NotVerified(f"{path} is not in the archive")
            if _sha(stored) != wanted:
                raise NotVerified(f"{path} has SHA-256 {_sha(stored)}, expected {wanted}")
        self.journal.append(("read back", job.chunk.recording_id, job.chunk.index))

    def publish_manifest(self, call: Call, recording: Recording, version: int) -> None:
        document = render(call, recording, version, datetime(2026, 11, 23, tzinfo=UTC), timeline=())
        stored = self.manifests.get(recording.recording_id)
        if stored is not None and stored["stateVersion"] >= version:
            return
        self.manifests[recording.recording_id] = document
        indexes = tuple(c["index"] for c in document["chunks"])
        self.journal.append(("manifest", recording.recording_id, indexes))


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class FakeVerifier:
    """Accepts ``Bearer good`` (each use a new token, as ACS mints one per callback) and ``Bearer good:<id>``
    (the token ``<id>``, to replay it)."""

    token: str = "Bearer good"
    issued: int = 0

    def verify(self, authorization: str | None) -> VerifiedToken:
        if authorization is None or not (authorization == self.token or authorization.startswith(self.token + ":")):
            raise CallbackAuthError("bad token")
        self.issued += 1
        token_id = authorization.partition(":")[2] or f"fresh-{self.issued}"
        return VerifiedToken(token_id, datetime(2026, 11, 24, tzinfo=UTC), {"aud": "acs"})


class MemoryGuard(CallbackGuard):
    """The callback guard's contract in memory, with a fixed key."""

    def __init__(self) -> None:
        self.used: dict[str, datetime] = {}

    def key(self) -> bytes:
        return b"unit-test-callback-key"

    def first_use(self, token_id: str, expires_at: datetime) -> bool:
        if token_id in self.used:
            return False
        self.used[token_id] = expires_at
        return True

    def release(self, token_id: str, expires_at: datetime) -> None:
        self.used.pop(token_id, None)

    def purge(self, now: datetime) -> int:
        expired = [token for token, expires in self.used.items() if expires < now]
        for token in expired:
            del self.used[token]
        return len(expired)


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
    backlog: list[int]  # [messages on the chunk queue], as the sweeper sees them
    guard: MemoryGuard


def world(now: datetime | None = None, **setting_overrides: Any) -> World:
    journal: list[tuple[Any, ...]] = []
    backlog = [0]
    acs, store, quarantine = FakeAcs(), MemoryStore(), FakeQuarantine()
    source, archive = FakeSource(journal), FakeArchive(journal)
    clock = Clock(now or datetime(2026, 11, 23, 19, 0, tzinfo=UTC))
    guard = MemoryGuard()
    deps = Deps(
        settings=settings(**setting_overrides),
        store=store,
        acs=acs,
        quarantine=quarantine,
        archive=archive,
        read_back=archive.read_back,
        publish_manifest=archive.publish_manifest,
        chunk_backlog=lambda: backlog[0],
        source=source,
        verifier=FakeVerifier(),
        guard=guard,
        now=clock,
    )
    return World(deps, acs, store, quarantine, source, archive, clock, backlog, guard)


__all__ = ["AcsRejected", "AcsTransient", "World", "world"]


def deliver(w: World, job: ChunkJob, *, land: bool = True, verify: bool = True) -> Outputs:
    """One delivery of ``job`` to ``archive_chunk``, the blob output binding's write (unless ``land`` is False) and
    one delivery of the verification job it asked for (unless ``verify`` is False)."""
    from shared.handlers.archive import handle_chunk
    from shared.handlers.verify import handle_verify

    found = handle_chunk(job.to_json(), w.deps)
    if found.media is not None and land:
        w.archive.land(job, found.media)
    if found.verify is not None and verify:
        handle_verify(found.verify.to_json(), w.deps)
    return found


class MemoryAccessLog:
    """``AccessLog`` in memory; ``failing``: every write raises as storage would."""

    def __init__(self, *, failing: bool = False) -> None:
        self.recorded: list[Read] = []
        self.failing = failing

    def record(self, read: Read) -> None:
        if self.failing:
            raise ServiceRequestError("storage unreachable")
        self.recorded.append(read)

    def reads(self, folder: str) -> list[Read]:
        return [r for r in self.recorded if r.call_folder == folder]
