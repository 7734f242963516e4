"""Recording options: the settings' defaults, an API body's overrides, and the ``caller``/``callee`` placeholders."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from shared.config import RecordingDefaults, Settings
from shared.domain import Call, RecordingOptions
from shared.formats import FORMATS
from shared.optionurls import archive_account, check_container_url, check_state_callback_url
from shared.urlcheck import UnsafeUrl

_CHOICES = {"content": ("audio", "audioVideo"), "channel": ("mixed", "unmixed"), "format": tuple(FORMATS)}
_FIELDS = {
    "content": "content",
    "channel": "channel",
    "format": "format",
    "pauseOnStart": "pause_on_start",
    "channelAffinity": "channel_affinity",
    "participantOrdering": "participant_ordering",
    "byosContainerUrl": "byos_container_url",
    "stateCallbackUrl": "state_callback_url",
}
_URL_FIELDS = ("byosContainerUrl", "stateCallbackUrl")


class BadOptions(ValueError):
    """An API body field that is not a valid recording option; ``field`` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


def defaults(settings: RecordingDefaults, callback_url: str) -> RecordingOptions:
    """The settings' options; channel affinity and ordering are dropped for mixed recordings (unmixed only)."""
    return _for_channel(
        RecordingOptions(
            content=settings.content,
            channel=settings.channel,
            format=settings.format,
            pause_on_start=settings.pause_on_start,
            channel_affinity=settings.channel_affinity,
            participant_ordering=settings.participant_ordering,
            byos_container_url=settings.byos_container_url,
            state_callback_url=settings.state_callback_url or callback_url,
        )
    )


def overridden(base: RecordingOptions, body: Mapping[str, Any], settings: Settings) -> RecordingOptions:
    """``base`` with the API body's fields applied; BadOptions names the first bad field. ``settings`` says where
    the URL options may point (``shared.optionurls``)."""
    changes: dict[str, Any] = {}
    for key, value in body.items():
        if key not in _FIELDS:
            raise BadOptions(key, f"unknown field; allowed: {', '.join(_FIELDS)}")
        changes[_FIELDS[key]] = _url(key, _value(key, value), settings) if key in _URL_FIELDS else _value(key, value)
    options = replace(base, **changes)
    if options.channel == "mixed":
        for key in ("channelAffinity", "participantOrdering"):
            if body.get(key):
                raise BadOptions(key, "applies to unmixed recordings only")
    return _for_channel(options)


def resolved(options: RecordingOptions, call: Call | None) -> RecordingOptions:
    """Replace ``caller``/``callee`` in the channel affinity and ordering with the call's raw ids."""
    parties = {"caller": call.caller if call else "", "callee": call.callee if call else ""}

    def who(name: str) -> str:
        return parties.get(name, name) or name

    affinity = tuple((channel, who(raw)) for channel, raw in options.channel_affinity)
    ordering = tuple(who(raw) for raw in options.participant_ordering)
    return replace(options, channel_affinity=affinity, participant_ordering=ordering)


def _url(key: str, url: str, settings: Settings) -> str:
    try:
        if key == "stateCallbackUrl":
            return check_state_callback_url(url, settings.callback_url, settings.state_callback_hosts)
        return check_container_url(url, settings.byos_hosts, archive_account(settings))
    except UnsafeUrl as exc:
        raise BadOptions(key, str(exc)) from None


def _for_channel(options: RecordingOptions) -> RecordingOptions:
    if options.channel == "unmixed":
        return options
    return replace(options, channel_affinity=(), participant_ordering=())


def _value(key: str, value: Any) -> Any:
    if key in _CHOICES:
        allowed = _CHOICES[key]
        if not isinstance(value, str) or value not in allowed:
            raise BadOptions(key, f"must be one of {', '.join(allowed)}")
        return value
    if key == "pauseOnStart":
        if not isinstance(value, bool):
            raise BadOptions(key, "must be true or false")
        return value
    if key == "channelAffinity":
        return _affinity(value)
    if key == "participantOrdering":
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise BadOptions(key, "must be a list of participant rawIds")
        return tuple(value)
    if not isinstance(value, str):
        raise BadOptions(key, "must be a string")
    return value


def _affinity(value: Any) -> tuple[tuple[int, str], ...]:
    problem = BadOptions("channelAffinity", 'must be a list of {"channel": <int>, "participant": "<rawId>"}')
    if not isinstance(value, list):
        raise problem
    pairs: list[tuple[int, str]] = []
    for item in value:
        if not isinstance(item, dict) or set(item) != {"channel", "participant"}:
            raise problem
        channel, participant = item["channel"], item["participant"]
        if isinstance(channel, bool) or not isinstance(channel, int) or channel < 0:
            raise problem
        if not isinstance(participant, str) or not participant:
            raise problem
        pairs.append((channel, participant))
    return tuple(pairs)
