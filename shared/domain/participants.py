"""Who took part in a call, as the keys a search by participant finds it under (standard library only).

A person types a phone number as they see it: ``+1 425 555 0100``, ``14255550100``, ``(+1) 425-555-0100``,
``tel:+14255550100``, ``0014255550100`` or the ACS rawId ``4:+14255550100``; every form is the key
``4:+14255550100`` (ACS's rawId of a phone number: ``4:`` and the E.164 number). Any other rawId
(``8:acs:...``, ``8:teamsvisitor:...``) is its own key, as ACS writes it, without surrounding spaces. A number
without its country code cannot be told from another country's, so digits alone are read as an E.164 number.
"""

from __future__ import annotations

import re

from shared.domain.model import Call, Recording

PHONE_PREFIX = "4:"
MAX_PARTICIPANT = 512
_SEPARATORS = re.compile(r"[\s\-().\u00a0/]")
_E164_DIGITS = re.compile(r"[1-9][0-9]{6,14}")
_PHONE_LIKE = re.compile(r"(?:4:|tel:)?[0-9+\s\-().\u00a0/]+", re.IGNORECASE)


class BadParticipant(ValueError):
    """Text that names no participant (the message says why)."""


def participant_key(text: str) -> str:
    """The key ``text`` names a participant by: ``4:+<E.164 digits>`` for a phone number, else the rawId."""
    given = text.strip()
    if not given:
        raise BadParticipant("participant: give a phone number (+1 425 555 0100) or an ACS rawId (8:acs:...)")
    if len(given) > MAX_PARTICIPANT:
        raise BadParticipant(f"participant: at most {MAX_PARTICIPANT} characters")
    if not _PHONE_LIKE.fullmatch(given):
        return given
    text = _SEPARATORS.sub("", given)
    text = text[len("tel:") :] if text.lower().startswith("tel:") else text.removeprefix(PHONE_PREFIX)
    digits = text[1:] if text.startswith("+") else text.removeprefix("00")  # 00: the international call prefix
    if not _E164_DIGITS.fullmatch(digits):
        raise BadParticipant(
            f"participant: {given!r} is not a phone number with its country code (7 to 15 digits, +1 425 555 0100)"
        )
    return f"{PHONE_PREFIX}+{digits}"


def call_participants(call: Call) -> frozenset[str]:
    """The keys of everyone the call's state names: caller, callee, and each recording's participants."""
    named = [call.caller, call.callee, *(raw for r in call.recordings for raw in _recording_participants(r))]
    return frozenset(key for key in (_key_or_none(raw) for raw in named) if key)


def is_participant(raw: str, key: str) -> bool:
    """The rawId ``raw`` (as ACS wrote it) names the participant ``key`` (``participant_key``)."""
    return bool(raw) and _key_or_none(raw) == key


def _recording_participants(recording: Recording) -> list[str]:
    options = recording.options
    named = [p for _, p in options.channel_affinity] + list(options.participant_ordering) if options else []
    for chunk in recording.chunks:
        if chunk.copy is not None:
            named += [str(p.get("participantId", "")) for p in chunk.copy.participants]
    return named


def _key_or_none(raw: str) -> str | None:
    try:
        return participant_key(raw) if raw else None
    except BadParticipant:
        return None
