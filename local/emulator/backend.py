"""The emulator's backend: calls, call connections, recordings and stored recording files, in plain Python.

No HTTP here. What the service would send out (callbacks, Event Grid events) and what happens later (files
ready after a delay, a call connecting) goes through ``Effects``, which the server wires to real delivery.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from . import files, notices
from .config import EmulatorConfig, Settings
from .events import ENDED, OK, GridEvent, incoming_call
from .exceptions import BadRequest, Conflict, NotFound
from .faults import Faults
from .files import RecordingFacts, StoredChunk
from .identifiers import new_incoming_call_context, new_recording_id, new_server_call_id
from .models import APP_IDENTITY, CONNECT_DELAY, Call, Connection, Effects, Recording
from .options import RecordingOptions, assign_channels
from .recording import InvalidTransition, RecState, Timeline, even_chunks, plan_chunks
from .repeatability import Repeatable


class Backend:
    """All emulated ACS state; every public method holds ``lock`` (the server thread and tests share it)."""

    def __init__(self, config: EmulatorConfig, resource_id: str, effects: Effects) -> None:
        self.config = config
        self.resource_id = resource_id
        self.effects = effects
        self.clock: Callable[[], float] = time.time
        self.lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.settings = Settings.from_config(self.config)
            self.calls: dict[str, Call] = {}
            self.connections: dict[str, Connection] = {}
            self.recordings: dict[str, Recording] = {}
            self.objects: dict[str, StoredChunk] = {}
            self.deliveries: list[dict[str, Any]] = []
            self.repeatability: dict[str, tuple[Repeatable, tuple[int, Any]]] = {}
            self.contexts: dict[str, str] = {}
            self.faults = Faults()

    # -- calls ------------------------------------------------------------------------------------------------------
    def place_call(self, caller: str, callee: str, others: list[str], display_name: str = "") -> Call:
        """An incoming call from ``caller`` to ``callee``; announced through Event Grid as ``IncomingCall``."""
        with self.lock:
            server_call_id = new_server_call_id()
            participants = list(dict.fromkeys([caller, callee, *others]))
            call = Call(server_call_id, str(uuid.uuid4()), caller, callee, participants, display_name)
            call.incoming_call_context = new_incoming_call_context(server_call_id)
            self.calls[server_call_id] = call
            self.contexts[call.incoming_call_context] = server_call_id
            event = incoming_call(
                server_call_id, call.correlation_id, caller, callee, display_name, call.incoming_call_context
            )
            self.effects.publish(event)
            return call

    def answer(
        self, context: str, callback_uri: str, operation_context: str | None, answered_by: str | None
    ) -> Connection:
        with self.lock:
            call = self.calls.get(self.contexts.get(context, ""))
            if call is None:
                raise NotFound("no incoming call has this incomingCallContext", "CallNotFound")
            if call.state != "ringing":
                raise BadRequest(f"the call cannot be answered: it is {call.state}", "CallNotRinging")
            others = [p for p in call.participants if p != call.callee]
            connection = self._connect(call, callback_uri, call.callee, others, operation_context)
            connection.answered_by = answered_by
            call.answered_at = self.clock()
            return connection

    def create_call(
        self, targets: list[str], callback_uri: str, source: str | None, operation_context: str | None
    ) -> Connection:
        with self.lock:
            if not targets:
                raise BadRequest("createCall needs at least one target")
            me = source or APP_IDENTITY
            call = Call(new_server_call_id(), str(uuid.uuid4()), me, targets[0], list(dict.fromkeys([me, *targets])))
            self.calls[call.server_call_id] = call
            return self._connect(call, callback_uri, me, targets, operation_context)

    def _connect(
        self, call: Call, callback_uri: str, source: str, targets: list[str], context: str | None
    ) -> Connection:
        if not callback_uri:
            raise BadRequest("callbackUri is required")
        connection = Connection(str(uuid.uuid4()), call.server_call_id, callback_uri, source, targets, context)
        self.connections[connection.call_connection_id] = connection
        call.connections.append(connection.call_connection_id)
        call.state = "connecting"
        self.effects.later(CONNECT_DELAY, lambda: self._connected(connection.call_connection_id))
        return connection

    def _connected(self, connection_id: str) -> None:
        with self.lock:
            connection = self.connections[connection_id]
            if connection.state != "connecting":
                return
            connection.state = "connected"
            self.calls[connection.server_call_id].state = "connected"
            self._connection_event(connection, "CallConnected", OK)

    def _connection_event(self, connection: Connection, event_type: str, result: dict[str, Any]) -> None:
        call = self.calls[connection.server_call_id]
        event = notices.connection_event(event_type, call, connection, result, self.clock())
        self.effects.callback(connection.callback_uri, event)

    def connection(self, connection_id: str) -> Connection:
        with self.lock:
            found = self.connections.get(connection_id)
            if found is None or found.state == "disconnected":
                raise NotFound(f"call connection {connection_id} not found", "CallNotFound")
            return found

    def call(self, server_call_id: str) -> Call:
        with self.lock:
            found = self.calls.get(server_call_id)
            if found is None:
                raise NotFound(f"call {server_call_id} not found", "CallNotFound")
            return found

    def hang_up(self, connection_id: str) -> None:
        """The app leaves (or ends the call for everyone): the emulator's calls end when the app leaves."""
        with self.lock:
            self.end_call(self.connection(connection_id).server_call_id)

    def end_call(self, server_call_id: str, reason: str = "CallEnded") -> None:
        with self.lock:
            call = self.call(server_call_id)
            if call.state == "disconnected":
                return
            for recording in self.recordings.values():
                if recording.server_call_id == server_call_id and recording.timeline.state is not RecState.STOPPED:
                    self._stop(recording, reason)
            call.state = "disconnected"
            for connection_id in call.connections:
                connection = self.connections[connection_id]
                if connection.state != "disconnected":
                    connection.state = "disconnected"
                    self._connection_event(connection, "CallDisconnected", ENDED)

    # -- recordings -------------------------------------------------------------------------------------------------
    def start_recording(self, locator: dict[str, str], options: RecordingOptions) -> tuple[Recording, int]:
        """Start recording the call found by ``locator`` (``serverCallId`` or ``callConnectionId``): 200 or 202."""
        with self.lock:
            connection_id = locator.get("callConnectionId")
            if connection_id:
                call = self.call(self.connection(connection_id).server_call_id)
            else:
                call = self.call(locator.get("serverCallId", ""))
                connection_id = next((c for c in call.connections if self.connections[c].state != "disconnected"), None)
            if call.state not in ("connecting", "connected"):
                raise BadRequest(
                    f"the call is {call.state}; only an established call can be recorded", "CallNotEstablished"
                )
            if any(
                r.server_call_id == call.server_call_id and r.timeline.state is not RecState.STOPPED
                for r in self.recordings.values()
            ):
                raise Conflict("cannot start: the call is already being recorded")
            channels = assign_channels(options, call.participants) if options.channel == "unmixed" else []
            timeline = Timeline.begin(self.clock(), self.settings.time_scale, options.pause_on_start)
            recording = Recording(
                new_recording_id(connection_id or str(uuid.uuid4())),
                call.server_call_id,
                connection_id,
                options,
                timeline,
                channels,
            )
            self.recordings[recording.recording_id] = recording
            if self.faults.start_failures > 0:
                self.faults.start_failures -= 1
                self._start_failed(recording)
            else:
                self._state_changed(recording)
            return recording, 202 if locator.get("callConnectionId") else 200

    def _start_failed(self, recording: Recording) -> None:
        """The start was accepted, then failed: ``StartRecordingFailed``, and the recording is gone."""
        recording.timeline.apply("stop", self.clock())
        recording.failed = True
        connection = self.connections.get(recording.call_connection_id or "")
        url = notices.recording_target(recording, connection)
        if url:
            call = self.calls[recording.server_call_id]
            self.effects.callback(url, notices.start_failed(call, recording, connection, self.clock()))

    def recording(self, recording_id: str) -> Recording:
        with self.lock:
            found = self.recordings.get(recording_id)
            if found is None or found.failed:
                raise NotFound(f"recording {recording_id} not found", "RecordingNotFound")
            return found

    def transition(self, recording_id: str, action: str) -> Recording:
        """``pause``, ``resume`` or ``stop``; an illegal one is a 409."""
        with self.lock:
            recording = self.recording(recording_id)
            if action == "stop":
                if recording.timeline.state is RecState.STOPPED:
                    raise Conflict(str(InvalidTransition(action, RecState.STOPPED)))
                self._stop(recording, "CallEnded")
                return recording
            try:
                recording.timeline.apply(action, self.clock())
            except InvalidTransition as exc:
                raise Conflict(str(exc)) from exc
            self._state_changed(recording)
            return recording

    def _stop(self, recording: Recording, reason: str) -> None:
        recording.timeline.apply("stop", self.clock())
        recording.session_end_reason = reason
        self._state_changed(recording)
        self.effects.later(self.settings.files_ready_delay, lambda: self._files_ready(recording.recording_id))

    def _state_changed(self, recording: Recording) -> None:
        url = notices.recording_target(recording, self.connections.get(recording.call_connection_id or ""))
        if url:
            call = self.calls[recording.server_call_id]
            self.effects.callback(url, notices.state_changed(call, recording, self.clock()))

    def facts(self, recording: Recording) -> RecordingFacts:
        call = self.calls[recording.server_call_id]
        return RecordingFacts(
            recording.recording_id, call.server_call_id, call.correlation_id, self.resource_id, recording.options,
            tuple(call.participants), tuple(recording.channels), recording.timeline.started_at,
        )  # fmt: skip

    def _files_ready(self, recording_id: str) -> None:
        with self.lock:
            recording = self.recordings.get(recording_id)
            if recording is None or recording.files_ready:
                return
            if not recording.timeline.was_active:
                # Started paused (pauseOnStart) and never resumed: ACS makes no file and sends no files-ready.
                recording.files_ready = True
                return
            facts = self.facts(recording)
            plans = plan_chunks(recording.timeline, int(self.settings.max_chunk_seconds * 1000))
            self._finish(recording, files.build_chunks(facts, plans, self.clock()))

    def _finish(self, recording: Recording, chunks: list[StoredChunk], deliver: bool = True) -> GridEvent:
        recording.chunks, recording.files_ready = chunks, True
        self.objects.update((chunk.document_id, chunk) for chunk in chunks)
        byos = bool(recording.options.container_url and self.config.storage_connection_string)
        reason = recording.session_end_reason or "CallEnded"
        event = files.files_ready_event(self.facts(recording), chunks, reason, byos, self.settings.files_ready_shape)
        if deliver:
            self.effects.files_ready(recording, chunks, event)
        return event

    # -- recording storage ------------------------------------------------------------------------------------------
    def stored(self, document_id: str) -> StoredChunk:
        """A chunk that can still be downloaded (not deleted, not past the retention period)."""
        with self.lock:
            chunk = self.objects.get(document_id)
            if chunk is None or chunk.deleted or self.clock() - chunk.ready_at > self.settings.retention_seconds:
                raise NotFound(f"object {document_id} not found", "ObjectNotFound")
            return chunk

    def delete_object(self, document_id: str) -> None:
        with self.lock:
            self.stored(document_id).deleted = True

    # -- control plane ----------------------------------------------------------------------------------------------
    def synthetic(
        self, server_call_id: str | None, options: RecordingOptions, duration_ms: int, count: int
    ) -> GridEvent:
        """A finished recording of ``duration_ms`` media in ``count`` chunks, files ready now (benchmarks, tests)."""
        with self.lock:
            if server_call_id:
                call = self.call(server_call_id)
            else:
                call = Call(new_server_call_id(), str(uuid.uuid4()), "4:+14255550100", APP_IDENTITY,
                            ["4:+14255550100", APP_IDENTITY], state="disconnected")  # fmt: skip
                self.calls[call.server_call_id] = call
            channels = assign_channels(options, call.participants) if options.channel == "unmixed" else []
            timeline = Timeline.begin(self.clock(), self.settings.time_scale, paused=False)
            timeline.apply("stop", self.clock())
            recording = Recording(
                new_recording_id(str(uuid.uuid4())), call.server_call_id, None, options, timeline, channels
            )
            recording.session_end_reason = "CallEnded"
            self.recordings[recording.recording_id] = recording
            facts = self.facts(recording)
            chunks = files.build_chunks(facts, even_chunks(duration_ms, count), self.clock())
            return self._finish(recording, chunks, deliver=False)
