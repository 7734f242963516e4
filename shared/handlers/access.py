"""Archived bytes leave the app only once their read is in the access log (``shared.accesslog``).

``logged`` records what an answer carries (its ``Content-Range``, or the whole body of a ``200``) before the answer
is returned; when the log cannot be written the answer is a ``503`` and no byte is served. An app without an
access log serves no archived bytes. ``GET /api/calls/{callId}/access-log`` lists a call's reads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from azure.core.exceptions import AzureError

from shared.domain.access import Caller, Read
from shared.domain.access import Served as ServedBytes
from shared.handlers.api import named_call
from shared.handlers.deps import Deps
from shared.handlers.replies import Reply, Served, error
from shared.layout import LayoutError, call_folder

NO_ACCESS_LOG = "this app keeps no access log, so it serves no archived bytes"
_CONTENT_RANGE = re.compile(r"bytes ([0-9]+)-([0-9]+)/([0-9]+)")


@dataclass(frozen=True, kw_only=True)
class Target:
    """What a request reads: a blob of a call's recording, through one route (``channel``: of a WAV, as mono)."""

    route: str
    server_call_id: str
    recording_id: str
    blob: str
    channel: int | None = None


def logged(answer: Reply | Served, target: Target, caller: Caller, deps: Deps) -> Reply | Served:
    """``answer`` once the bytes it serves are in the access log (an answer that serves none passes as it is)."""
    if isinstance(answer, Served) and answer.status in (200, 206):
        return _recorded(answer, target, caller, deps, _served(answer))
    return answer


def logged_document(answer: Reply, target: Target, caller: Caller, deps: Deps) -> Reply:
    """A JSON answer shown from a whole archived document (the manifest), once its read is in the log."""
    if answer.status != 200:
        return answer
    found = _recorded(answer, target, caller, deps, None)
    return found if isinstance(found, Reply) else answer


def _recorded(
    answer: Reply | Served, target: Target, caller: Caller, deps: Deps, served: ServedBytes | None
) -> Reply | Served:
    if deps.access_log is None:
        return error(501, NO_ACCESS_LOG)
    read = Read(
        at=deps.now(), caller=caller, route=target.route, call_folder=call_folder(target.server_call_id),
        recording_id=target.recording_id, blob=target.blob, served=served, channel=target.channel,
    )  # fmt: skip
    try:
        deps.access_log.record(read)
    except AzureError as exc:
        return error(503, f"the access log cannot be written, so nothing is served: {exc}")
    return answer


def _served(answer: Served) -> ServedBytes | None:
    found = _CONTENT_RANGE.fullmatch(answer.headers.get("Content-Range", ""))
    if found is not None:
        first, last, size = (int(n) for n in found.groups())
        return ServedBytes(first=first, last=last, size=size)
    size = len(answer.body)
    return ServedBytes(first=0, last=size - 1, size=size) if size else None


def access_log(call_id: str, deps: Deps, given_server_call_id: str = "") -> Reply:
    """The reads of the call's archive through the app, oldest first."""
    try:
        sid, folder = named_call(call_id, given_server_call_id)
    except LayoutError as exc:
        return error(400, str(exc))
    if deps.access_log is None:
        return error(501, "this app keeps no access log")
    try:
        reads = deps.access_log.reads(folder)
    except AzureError as exc:
        return error(503, f"archive storage unavailable: {exc}")
    return Reply(200, {"callId": folder, "serverCallId": sid, "reads": [r.as_json() for r in reads]})
