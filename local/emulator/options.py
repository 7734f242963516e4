"""Start-recording options: parsed from the REST body, checked, and the unmixed channel assignment."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .exceptions import BadRequest
from .identifiers import raw_id_of

MAX_CHANNELS = 5
# (content, channel) -> formats the service records in; the service's default is mixed audio+video MP4.
COMBINATIONS = {("audioVideo", "mixed"): ("mp4",), ("audio", "mixed"): ("mp3", "wav"), ("audio", "unmixed"): ("wav",)}


@dataclass(frozen=True)
class RecordingOptions:
    content: str = "audioVideo"
    channel: str = "mixed"
    format: str = "mp4"
    ordering: tuple[str, ...] = ()
    affinity: dict[int, str] = field(default_factory=dict)
    pause_on_start: bool = False
    state_callback_uri: str | None = None
    container_url: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "recordingContentType": self.content,
            "recordingChannelType": self.channel,
            "recordingFormatType": self.format,
            "audioChannelParticipantOrdering": list(self.ordering),
            "channelAffinity": {str(k): v for k, v in self.affinity.items()},
            "pauseOnStart": self.pause_on_start,
            "recordingStateCallbackUri": self.state_callback_uri,
            "externalStorageContainerUrl": self.container_url,
        }


def _enum(body: dict[str, Any], name: str, allowed: tuple[str, ...], default: str) -> str:
    value = body.get(name) or default
    for option in allowed:
        if str(value).lower() == option.lower():
            return option
    raise BadRequest(f"{name} {value!r} is not one of {', '.join(allowed)}")


def _affinity(items: Any) -> dict[int, str]:
    if not isinstance(items, list):
        raise BadRequest("channelAffinity must be an array")
    found: dict[int, str] = {}
    for item in items:
        channel = item.get("channel") if isinstance(item, dict) else None
        if not isinstance(channel, int) or not 0 <= channel < MAX_CHANNELS:
            raise BadRequest(f"channelAffinity channel must be an integer 0..{MAX_CHANNELS - 1}")
        raw = raw_id_of(item.get("participant"))
        if channel in found or raw in found.values():
            raise BadRequest("channelAffinity repeats a channel or a participant")
        found[channel] = raw
    return found


def _storage(body: dict[str, Any]) -> str | None:
    external = body.get("externalStorage")
    if not external:
        return None
    kind = external.get("recordingStorageKind") if isinstance(external, dict) else None
    if kind == "azureCommunicationServices":
        return None
    url = external.get("recordingDestinationContainerUrl") if isinstance(external, dict) else None
    if kind != "azureBlobStorage" or not isinstance(url, str) or not url.startswith("http"):
        raise BadRequest("externalStorage needs recordingStorageKind azureBlobStorage and a container URL")
    return url


def parse_options(body: dict[str, Any]) -> RecordingOptions:
    content = _enum(body, "recordingContentType", ("audio", "audioVideo"), "audioVideo")
    channel = _enum(body, "recordingChannelType", ("mixed", "unmixed"), "mixed")
    default_format = COMBINATIONS.get((content, channel), ("wav",))[0]
    fmt = _enum(body, "recordingFormatType", ("wav", "mp3", "mp4"), default_format)
    if fmt not in COMBINATIONS.get((content, channel), ()):
        raise BadRequest(f"{content} {channel} recording is not available as {fmt}")
    ordering = tuple(raw_id_of(item) for item in body.get("audioChannelParticipantOrdering") or [])
    affinity = _affinity(body.get("channelAffinity") or [])
    if channel == "mixed" and ordering:
        raise BadRequest("audioChannelParticipantOrdering applies to unmixed recordings only")
    # channelAffinity on a mixed recording is accepted and has no effect, as the service accepts it (the SDK sends
    # ``channelAffinity: []`` with every start, reference/acs-protocol.md section 2.1).
    if len(set(ordering)) != len(ordering) or len(ordering) > MAX_CHANNELS:
        raise BadRequest(f"audioChannelParticipantOrdering lists at most {MAX_CHANNELS} distinct participants")
    callback = body.get("recordingStateCallbackUri")
    return RecordingOptions(
        content=content,
        channel=channel,
        format=fmt,
        ordering=ordering,
        affinity=affinity,
        pause_on_start=bool(body.get("pauseOnStart")),
        state_callback_uri=str(callback) if callback else None,
        container_url=_storage(body),
    )


def assign_channels(options: RecordingOptions, participants: list[str]) -> list[str]:
    """Participant of each unmixed channel: affinity first, then the ordering, then who spoke first.

    The emulator's "first speaker" order is the call's participant order (caller, callee, others).
    """
    order = [p for p in options.ordering if p not in options.affinity.values()]
    order += [p for p in participants if p not in order and p not in options.affinity.values()]
    count = min(MAX_CHANNELS, len(set(participants) | set(options.ordering) | set(options.affinity.values())))
    count = max(count, max(options.affinity, default=-1) + 1)
    channels: list[str] = []
    pending = iter(order)
    for channel in range(count):
        chosen = options.affinity.get(channel) or next(pending, None)
        if chosen is None:
            break
        channels.append(chosen)
    return channels
