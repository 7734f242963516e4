"""Hostile input, generated with hypothesis: Event Grid events, callbacks and control-API requests.

Every Event Grid event is a well-formed envelope (so the host can bind it) around data that is wrong in at least
one way the app must notice; ``id`` is always unique so its quarantine record can be found.
"""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)
NOT_INT = st.none() | st.text(max_size=10) | st.floats(allow_nan=False) | st.lists(st.integers(), max_size=2)
NOT_TEXT = st.none() | st.integers() | st.booleans() | st.lists(st.text(max_size=5), max_size=2)
FILES_READY = "Microsoft.Communication.RecordingFileStatusUpdated"
INCOMING = "Microsoft.Communication.IncomingCall"


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def files_ready(url: str = "https://us-storage.asm.skype.com/v1/objects/0-eus-d1-x/content/audiowav") -> dict[str, Any]:
    """A RecordingFileStatusUpdated event in the Event Grid schema with fresh ids."""
    sid, rid = f"chaos-{uuid.uuid4()}", f"rec-{uuid.uuid4().hex}"
    chunk = {"documentId": "0-eus-d1-x", "index": 0, "endReason": "SessionEnded", "contentLocation": url,
             "metadataLocation": url.replace("audiowav", "acsmetadata"), "deleteLocation": url.split("/content")[0]}  # fmt: skip
    data = {"recordingStorageInfo": {"recordingChunks": [chunk]}, "recordingStartTime": _now(),
            "recordingDurationMs": 1000, "sessionEndReason": "CallEnded", "recordingContentType": "Audio",
            "recordingChannelType": "Mixed", "recordingFormatType": "Wav"}  # fmt: skip
    return _envelope(FILES_READY, f"/recording/call/c/serverCallId/{sid}/recordingId/{rid}", data)


def incoming_call() -> dict[str, Any]:
    caller = {"kind": "phoneNumber", "rawId": "4:+14255550100", "phoneNumber": {"value": "+14255550100"}}
    callee = {"kind": "communicationUser", "rawId": "8:acs:x", "communicationUser": {"id": "8:acs:x"}}
    data = {"from": caller, "to": callee, "serverCallId": f"chaos-{uuid.uuid4()}", "incomingCallContext": "ctx",
            "correlationId": str(uuid.uuid4()), "callerDisplayName": "chaos"}  # fmt: skip
    return _envelope(INCOMING, "/caller/4:+14255550100/recipient/8:acs:x", data)


def _envelope(event_type: str, subject: str, data: Any) -> dict[str, Any]:
    return {"id": f"chaos-{uuid.uuid4()}", "topic": "/subscriptions/x/resourceGroups/chaos", "subject": subject,
            "data": data, "eventType": event_type, "dataVersion": "1.0", "metadataVersion": "1",
            "eventTime": _now()}  # fmt: skip


def _set(path: tuple[Any, ...], value: Any) -> Callable[[dict[str, Any]], None]:
    def change(event: dict[str, Any]) -> None:
        target: Any = event
        for key in path[:-1]:
            target = target[key]
        if value is _DELETE:
            del target[path[-1]]
        else:
            target[path[-1]] = value

    return change


_DELETE = object()
CHUNK = ("data", "recordingStorageInfo", "recordingChunks", 0)


@st.composite
def bad_files_ready(draw: st.DrawFn) -> dict[str, Any]:
    """A files-ready event broken in at least one way (and maybe noise elsewhere)."""
    event = files_ready()
    breaks = [
        _set(("data",), draw(st.none() | st.text(max_size=20) | st.lists(JSON, max_size=3) | st.integers())),
        _set(("data", "recordingStorageInfo"), _DELETE),
        _set(("data", "recordingStorageInfo"), draw(NOT_TEXT | st.text(max_size=20))),
        _set(("data", "recordingStorageInfo", "recordingChunks"), draw(st.none() | st.text() | st.integers())),
        _set(("data", "recordingStorageInfo", "recordingChunks"), draw(st.lists(NOT_TEXT, min_size=1, max_size=3))),
        _set(("data", "recordingStartTime"), draw(st.text(max_size=30).filter(lambda t: not t[:2].isdigit()))),
        _set(("data", "recordingStartTime"), _DELETE),
        _set((*CHUNK, "index"), draw(NOT_INT | st.integers(max_value=-1))),
        _set((*CHUNK, "contentLocation"), draw(st.text(max_size=60) | NOT_TEXT)),
        _set((*CHUNK, "contentLocation"), _DELETE),
        _set((*CHUNK, "metadataLocation"), draw(st.text(max_size=60) | NOT_TEXT)),
        _set((*CHUNK, "documentId"), draw(NOT_TEXT)),
        _set(("data", "recordingFormatType"), draw(st.text(max_size=10).filter(lambda t: t.lower() not in ("wav", "mp3", "mp4")))),
        _set(("subject",), draw(st.text(max_size=60).filter(lambda t: "recordingId" not in t))),
    ]  # fmt: skip
    chosen = draw(st.lists(st.sampled_from(range(len(breaks))), min_size=1, max_size=3, unique=True))
    for number in sorted(chosen):
        try:
            breaks[number](event)
        except (KeyError, TypeError, IndexError):
            continue  # an earlier break removed what this one changes: the event is broken already
    return event


@st.composite
def bad_incoming_call(draw: st.DrawFn) -> dict[str, Any]:
    event = incoming_call()
    breaks = [
        _set(("data", "serverCallId"), draw(NOT_TEXT | st.just(""))),
        _set(("data", "serverCallId"), _DELETE),
        _set(("data", "incomingCallContext"), _DELETE),
        _set(("data", "to"), draw(NOT_TEXT | st.text(max_size=10))),
        _set(("data",), draw(st.none() | st.text(max_size=10) | st.lists(JSON, max_size=2))),
    ]
    breaks[draw(st.integers(0, len(breaks) - 1))](event)
    return event


def other_event() -> st.SearchStrategy[dict[str, Any]]:
    """Events of types the app does not handle, with any data: acknowledged and ignored."""
    names = st.text(min_size=1, max_size=40).filter(lambda t: t not in (FILES_READY, INCOMING))
    return st.builds(lambda name, data: _envelope(name, "/x", data), names, JSON)


def callback_body() -> st.SearchStrategy[bytes]:
    """Callback request bodies: random JSON, CloudEvents with broken fields, and bytes that are not JSON."""
    event = st.fixed_dictionaries({"id": st.text(max_size=20), "type": st.text(max_size=40) | st.just(
        "Microsoft.Communication.RecordingStateChanged"), "specversion": st.just("1.0") | st.text(max_size=4),
        "time": st.text(max_size=30), "source": st.text(max_size=30), "data": JSON})  # fmt: skip
    as_json = (JSON | st.lists(event, max_size=3) | event).map(lambda v: json.dumps(v).encode())
    return as_json | st.binary(max_size=200)


def api_request() -> st.SearchStrategy[tuple[str, str, bytes]]:
    """(method, path, body) against the control API, with hostile ids, actions and bodies."""
    call_id = st.text(max_size=40).map(lambda t: uuid.uuid5(uuid.NAMESPACE_URL, t).hex) | st.from_regex(
        r"\A[A-Za-z0-9_\-]{0,60}\Z")  # fmt: skip
    action = st.sampled_from(["", "/pause", "/resume", "/stop"]) | st.from_regex(r"\A/[a-z%]{1,12}\Z")
    body = JSON.map(lambda v: json.dumps(v).encode()) | st.binary(max_size=100)
    method = st.sampled_from(["POST", "GET"])
    return st.builds(lambda m, c, a, b: (m, f"/api/calls/{c}/recording{a}" if m == "POST" else f"/api/calls/{c}", b),
                     method, call_id, action, body)  # fmt: skip


def drive(strategy: st.SearchStrategy[Any], count: int, act: Callable[[Any], None]) -> None:
    """Call ``act`` on ``count`` generated values (generation only: nothing to shrink, ``act`` does not raise)."""

    @settings(max_examples=count, database=None, deadline=None, derandomize=True, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(strategy)
    def one(value: Any) -> None:
        act(copy.deepcopy(value))

    one()
