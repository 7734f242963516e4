"""A recording's content, channel and format types, read from wherever ACS states them.

``RecordingFileStatusUpdated`` marks ``recordingContentType``, ``recordingChannelType`` and
``recordingFormatType`` optional; the same facts are in the chunk's metadata document (``recordingInfo``,
reference/acs-protocol.md section 7) and, for the format, in the media's first bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from shared import boundedjson
from shared.formats import FORMATS
from shared.pcmwav import read_format

CONTENT_TYPES = {"audio": "audio", "audiovideo": "audioVideo"}
CHANNEL_TYPES = {"mixed": "mixed", "unmixed": "unmixed"}
FORMAT_TYPES = {name: name for name in FORMATS}
SNIFF_BYTES = 4096
"""How many leading bytes of the media ``kind_from_bytes`` needs."""


@dataclass(frozen=True)
class RecordingKind:
    """Content (``audio``/``audioVideo``), channel (``mixed``/``unmixed``) and format (``wav``/``mp3``/``mp4``);
    None where the source did not say."""

    content: str | None = None
    channel: str | None = None
    format: str | None = None

    @property
    def whole(self) -> bool:
        return None not in (self.content, self.channel, self.format)

    def or_else(self, other: RecordingKind) -> RecordingKind:
        """This kind with its gaps filled from ``other``."""
        return replace(
            self,
            content=self.content or other.content,
            channel=self.channel or other.channel,
            format=self.format or other.format,
        )


def kind_from_metadata(document: bytes) -> RecordingKind:
    """``recordingInfo`` of a chunk's metadata document; an empty kind when the document says nothing usable.

    A real document served by ACS (2021) has ``contentType`` and ``channelType`` swapped, so each value is placed
    by what it is, not by the key it sits under.
    """
    try:
        body = boundedjson.loads(document)
    except ValueError:
        return RecordingKind()
    info = body.get("recordingInfo") if isinstance(body, dict) else None
    if not isinstance(info, dict):
        return RecordingKind()
    values = [str(v).lower() for v in (info.get("contentType"), info.get("channelType")) if isinstance(v, str)]
    return RecordingKind(
        content=next((CONTENT_TYPES[v] for v in values if v in CONTENT_TYPES), None),
        channel=next((CHANNEL_TYPES[v] for v in values if v in CHANNEL_TYPES), None),
        format=_lookup(FORMAT_TYPES, info.get("format")),
    )


def kind_from_bytes(head: bytes) -> RecordingKind:
    """What the media's first bytes say: WAV (RIFF/WAVE; more than one channel means unmixed, and the channel is
    unknown when no fmt chunk lies within ``head``), MP3 (ID3 tag or an MPEG audio frame) or MP4 (an ISO BMFF
    ``ftyp`` box, which ACS records as mixed audio and video)."""
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        fmt = read_format(head)
        channel = None if fmt is None else "unmixed" if fmt.channels > 1 else "mixed"
        return RecordingKind(content="audio", channel=channel, format="wav")
    if head[:3] == b"ID3" or (len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return RecordingKind(content="audio", channel="mixed", format="mp3")
    if head[4:8] == b"ftyp":
        return RecordingKind(content="audioVideo", channel="mixed", format="mp4")
    return RecordingKind()


def _lookup(allowed: dict[str, str], value: Any) -> str | None:
    return allowed.get(value.lower()) if isinstance(value, str) else None
