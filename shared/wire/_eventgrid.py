"""Event Grid deliveries (Event Grid schema or CloudEvents 1.0): IncomingCall and RecordingFileStatusUpdated."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from shared.urlcheck import UnsafeUrl, check_recording_url
from shared.wire._fields import checked_id, get, ident, opt, opt_ident, opt_text, text, time, typed
from shared.wire._kind import CHANNEL_TYPES, CONTENT_TYPES, FORMAT_TYPES
from shared.wire._model import (
    EventParseError,
    GridEvent,
    Identity,
    IgnoredEvent,
    IncomingCall,
    KnownGridEvent,
    RecordingChunkInfo,
    RecordingFilesReady,
)

GridParser = Callable[[Mapping[str, Any], str, datetime, Sequence[str]], KnownGridEvent]
"""Parses an event's body, given the event, its id, its time and the allowed recording host suffixes."""


def parse_grid_event(raw: Mapping[str, Any], allowed_suffixes: Sequence[str], acs_resource_id: str = "") -> GridEvent:
    """Parse one Event Grid delivery item (Event Grid schema or CloudEvents 1.0).

    With ``acs_resource_id`` (the ACS resource's ARM id), an ACS event whose ``topic`` (Event Grid schema) or
    ``source`` (CloudEvents) names another resource is refused.
    """
    if not isinstance(raw, Mapping):
        raise EventParseError(f"event must be an object, not {type(raw).__name__}")
    event_id = ident(raw, "id", "")
    version_key = next((key for key in _SPECVERSION_KEYS if key in raw), None)
    if version_key is not None:
        if raw[version_key] != "1.0":
            raise EventParseError(f"{version_key} must be '1.0', not {raw[version_key]!r}")
        event_type, time_key, topic_key = text(raw, "type", ""), "time", "source"
    else:
        event_type, time_key, topic_key = text(raw, "eventType", ""), "eventTime", "topic"
    parse = _PARSER_OF_TYPE.get(event_type.lower())
    if parse is None:
        return IgnoredEvent(event_id=event_id, event_type=event_type)
    if acs_resource_id:
        _check_topic(raw, topic_key, acs_resource_id)
    return parse(raw, event_id, time(raw, time_key, ""), allowed_suffixes)


# CloudEvents names its attributes in lower case; Microsoft's published CloudEvents example of
# RecordingFileStatusUpdated (azure-rest-api-specs, cloud-events-schema/recording_file_status_updated.json) writes
# ``specVersion``.
_SPECVERSION_KEYS = ("specversion", "specVersion")


def _check_topic(raw: Mapping[str, Any], key: str, acs_resource_id: str) -> None:
    """ARM resource ids compare case-insensitively (the published examples write ``resourcegroups`` in lower case)."""
    topic = text(raw, key, "")
    if _arm(topic) != _arm(acs_resource_id):
        raise EventParseError(f"{key} {topic!r} is not this app's ACS resource ({acs_resource_id})")


def _arm(resource_id: str) -> str:
    return "/" + resource_id.strip().strip("/").lower()


def _incoming_call(
    raw: Mapping[str, Any], event_id: str, occurred_at: datetime, allowed_suffixes: Sequence[str]
) -> IncomingCall:
    """The TypeSpec (``AcsIncomingCallEventData``) requires ``to`` and ``from`` only; the call's ids and context are
    optional ("" when absent: the handler cannot answer such a call, which is not a malformed event)."""
    data = get(raw, "data", dict, "")
    return IncomingCall(
        event_id=event_id,
        server_call_id=opt_ident(data, "serverCallId", "data."),
        correlation_id=opt_ident(data, "correlationId", "data."),
        incoming_call_context=opt(data, "incomingCallContext", str, "data.") or "",
        caller=_identity(get(data, "from", dict, "data."), "data.from."),
        callee=_identity(get(data, "to", dict, "data."), "data.to."),
        caller_display_name=opt_text(data, "callerDisplayName", "data."),
        occurred_at=occurred_at,
    )


_KINDS = {
    "phonenumber": "phoneNumber",
    "communicationuser": "communicationUser",
    "microsoftteamsuser": "microsoftTeamsUser",
}
_RAW_PREFIXES = (("4:", "phoneNumber"), ("8:acs:", "communicationUser"), ("8:spool:", "communicationUser"))


def _identity(obj: Mapping[str, Any], where: str) -> Identity:
    raw_id = checked_id(opt(obj, "rawId", str, where) or _raw_id_of(obj, where), f"{where}rawId")
    kind = opt(obj, "kind", str, where)
    if kind is not None:
        return Identity(raw_id=raw_id, kind=_KINDS.get(kind.lower(), "unknown"))
    for key, name in _KINDS.items():
        if any(k.lower() == key for k in obj):
            return Identity(raw_id=raw_id, kind=name)
    guess = next((name for prefix, name in _RAW_PREFIXES if raw_id.startswith(prefix)), None)
    if guess is None and raw_id.startswith("8:"):
        guess = "microsoftTeamsUser"
    return Identity(raw_id=raw_id, kind=guess or "unknown")


def _raw_id_of(obj: Mapping[str, Any], where: str) -> str:
    """``rawId`` is optional in ``CommunicationIdentifierModel``; without it the id is in the kind's own object."""
    phone = opt(obj, "phoneNumber", dict, where)
    if phone is not None:
        return "4:" + text(phone, "value", f"{where}phoneNumber.")
    for key in ("communicationUser", "microsoftTeamsUser"):
        found = opt(obj, key, dict, where)
        if found is not None:
            return text(found, "userId" if key == "microsoftTeamsUser" else "id", f"{where}{key}.")
    raise EventParseError(f"{where}rawId is missing and no identifier object names one")


# /recording/call/{callId}/serverCallId/{serverCallId} (the call recording quickstart, bring-your-own-storage),
# /recording/call/{callId}/recordingId/{recordingId} (the Event Grid spec examples), the long form with both (the
# concepts page), and /recording/call/{callId} alone (the 2021 preview concepts page).
# A serverCallId is standard base64 and may hold "/": it runs to the last "/recordingId/" (recording ids have no "/").
_SUBJECT = re.compile(
    r"/?recording/call/(?P<call>[^/]+)(?:/serverCallId/(?P<server>.+?))?(?:/recordingId/(?P<rec>[^/]+))?"
)
_SUBJECT_FORMS = "/recording/call/{callId}[/serverCallId/{id}][/recordingId/{id}]"
_STORAGE = {
    "acs": "acs",
    "azurecommunicationservices": "acs",
    "azureblob": "azureBlob",
    "azureblobstorage": "azureBlob",
}


def _files_ready(
    raw: Mapping[str, Any], event_id: str, occurred_at: datetime, allowed_suffixes: Sequence[str]
) -> RecordingFilesReady:
    subject = get(raw, "subject", str, "")
    match = _SUBJECT.fullmatch(subject)
    if match is None:
        raise EventParseError(f"subject is not {_SUBJECT_FORMS}: {subject!r}")
    data = get(raw, "data", dict, "")
    storage = get(data, "recordingStorageInfo", dict, "data.")
    return RecordingFilesReady(
        event_id=event_id,
        server_call_id=_server_call_id(data, match["server"]),
        call_id=checked_id(match["call"], "subject's callId"),
        recording_id=_recording_id(data, match["rec"]),
        chunks=_chunks(get(storage, "recordingChunks", list, "data.recordingStorageInfo."), allowed_suffixes),
        recording_start=time(data, "recordingStartTime", "data."),
        duration_ms=_duration(data),
        content_type=_optional_enum(data, "recordingContentType", CONTENT_TYPES),
        channel_type=_optional_enum(data, "recordingChannelType", CHANNEL_TYPES),
        format=_optional_enum(data, "recordingFormatType", FORMAT_TYPES),
        session_end_reason=opt_text(data, "sessionEndReason", "data."),
        storage_type=_storage_type(data),
        occurred_at=occurred_at,
    )


def _server_call_id(data: Mapping[str, Any], from_subject: str | None) -> str | None:
    """The subject's serverCallId, else ``data.serverCallId`` (bring-your-own-storage events), else None."""
    if from_subject:
        return checked_id(from_subject, "subject's serverCallId")
    return opt_ident(data, "serverCallId", "data.") or None


def _recording_id(data: Mapping[str, Any], from_subject: str | None) -> str | None:
    """``data.recordingId`` (bring-your-own-storage events) or the subject's; the two must agree."""
    from_data = opt_ident(data, "recordingId", "data.") or None
    if from_data and from_subject and from_data != from_subject:
        raise EventParseError(f"data.recordingId {from_data!r} is not the subject's recordingId {from_subject!r}")
    return from_data or (checked_id(from_subject, "subject's recordingId") if from_subject else None)


def _duration(data: Mapping[str, Any]) -> int | None:
    duration = opt(data, "recordingDurationMs", int, "data.")
    if duration is not None and duration < 0:
        raise EventParseError("data.recordingDurationMs must not be negative")
    return duration


def _optional_enum(data: Mapping[str, Any], key: str, allowed: Mapping[str, str]) -> str | None:
    """A content/channel/format type; the published unions are open (the TypeSpec ends each with ``string``), so a
    value the app does not know counts as not stated, and is derived like a missing one."""
    value = opt(data, key, str, "data.")
    return allowed.get(value.lower()) if value is not None else None


def _storage_type(data: Mapping[str, Any]) -> str:
    """``storageType`` (bring-your-own-storage only: ``"AzureBlob etc."``); an unknown value is kept as sent."""
    value = opt_text(data, "storageType", "data.")
    return "acs" if not value else _STORAGE.get(value.lower(), value)


def _chunks(items: list[Any], allowed_suffixes: Sequence[str]) -> tuple[RecordingChunkInfo, ...]:
    if not items:
        raise EventParseError("data.recordingStorageInfo.recordingChunks is empty")
    chunks = [
        _chunk(item, f"data.recordingStorageInfo.recordingChunks[{n}].", allowed_suffixes)
        for n, item in enumerate(items)
    ]
    indexes = [chunk.index for chunk in chunks]
    if len(set(indexes)) != len(indexes):
        raise EventParseError(f"data.recordingStorageInfo.recordingChunks has duplicate indexes {sorted(indexes)}")
    return tuple(sorted(chunks, key=lambda chunk: chunk.index))


def _chunk(item: Any, where: str, allowed_suffixes: Sequence[str]) -> RecordingChunkInfo:
    chunk = typed(item, dict, where.rstrip("."))
    index = get(chunk, "index", int, where)
    if index < 0:
        raise EventParseError(f"{where}index must not be negative")
    content = _location(chunk, "contentLocation", where, allowed_suffixes)
    delete = (
        _location(chunk, "deleteLocation", where, allowed_suffixes)
        if chunk.get("deleteLocation") is not None
        else _object_of(content, allowed_suffixes)
    )
    return RecordingChunkInfo(
        index=index,
        document_id=ident(chunk, "documentId", where),
        end_reason=opt_text(chunk, "endReason", where),
        content_location=content,
        metadata_location=_location(chunk, "metadataLocation", where, allowed_suffixes),
        delete_location=delete,
    )


_CONTENT_OBJECT = re.compile(r"(?P<object>https://[^/?#]+/v1/objects/[^/?#]+)/content/[^/?#]+")


def _object_of(content_location: str, allowed_suffixes: Sequence[str]) -> str:
    """The delete location of a chunk whose event names none: the object its content belongs to
    (``https://{host}/v1/objects/{documentId}``, reference/acs-protocol.md section 4); "" when the content
    location has another form (the chunk is then archived but never deleted at ACS)."""
    match = _CONTENT_OBJECT.fullmatch(content_location)
    return check_recording_url(match["object"], allowed_suffixes) if match else ""


def _location(chunk: Mapping[str, Any], key: str, where: str, allowed_suffixes: Sequence[str]) -> str:
    url = text(chunk, key, where)
    try:
        return check_recording_url(url, allowed_suffixes)
    except UnsafeUrl as exc:
        raise EventParseError(f"{where}{key} is not a safe recording URL: {exc}") from None


GRID_PARSERS: dict[type[KnownGridEvent], GridParser] = {
    IncomingCall: _incoming_call,
    RecordingFilesReady: _files_ready,
}
"""Each Event Grid event the app acts on, and its parser; the event's type name is its ``EVENT_TYPE``, matched
without regard to case. Any other type parses to an ``IgnoredEvent``. What each one does is
``shared.handlers.eventgrid.ON_GRID_EVENT``, keyed by the same dataclasses."""

_PARSER_OF_TYPE = {kind.EVENT_TYPE.lower(): parse for kind, parse in GRID_PARSERS.items()}
