"""The parsing edge: Event Grid events and Call Automation callbacks become typed, frozen dataclasses.

Nothing past this module sees a raw dict. Anything that cannot be parsed, or whose recording URLs fail
``shared.urlcheck``, raises ``EventParseError``, a permanent error: the caller quarantines the payload and
acknowledges it. Event Grid deliveries come in the Event Grid schema (``eventType``/``eventTime``) or as
CloudEvents 1.0 (``specversion``/``type``/``time``); callbacks are a JSON array of CloudEvents.
"""

from shared.wire._callbacks import parse_callbacks
from shared.wire._eventgrid import GRID_PARSERS, parse_grid_event
from shared.wire._fields import parse_timestamp
from shared.wire._kind import SNIFF_BYTES, RecordingKind, kind_from_bytes, kind_from_metadata
from shared.wire._model import (
    CallbackEvent,
    EventParseError,
    GridEvent,
    Identity,
    IgnoredEvent,
    IncomingCall,
    KnownGridEvent,
    RecordingChunkInfo,
    RecordingFilesReady,
)

__all__ = [
    "GRID_PARSERS",
    "SNIFF_BYTES",
    "CallbackEvent",
    "EventParseError",
    "GridEvent",
    "Identity",
    "IgnoredEvent",
    "IncomingCall",
    "KnownGridEvent",
    "RecordingChunkInfo",
    "RecordingFilesReady",
    "RecordingKind",
    "kind_from_bytes",
    "kind_from_metadata",
    "parse_callbacks",
    "parse_grid_event",
    "parse_timestamp",
]
