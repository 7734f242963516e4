"""Field access for raw event JSON: every failure is an ``EventParseError`` whose reason names the field."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

from shared.domain.ids import id_flaw
from shared.wire._model import EventParseError

_T = TypeVar("_T")


def get(obj: Mapping[str, Any], key: str, kind: type[_T], where: str) -> _T:
    value = obj.get(key)
    if value is None:
        raise EventParseError(f"{where}{key} is missing")
    return typed(value, kind, f"{where}{key}")


def opt(obj: Mapping[str, Any], key: str, kind: type[_T], where: str) -> _T | None:
    value = obj.get(key)
    return None if value is None else typed(value, kind, f"{where}{key}")


def typed(value: Any, kind: type[_T], name: str) -> _T:
    """``value`` as ``kind``; a string must be encodable (JSON's ``\\ud800`` escape can carry a lone surrogate)."""
    if (kind is int and isinstance(value, bool)) or not isinstance(value, kind):
        raise EventParseError(f"{name} must be {_TYPE_NAMES.get(kind, kind.__name__)}, not {type(value).__name__}")
    if isinstance(value, str) and not _encodable(value):
        raise EventParseError(f"{name} {id_flaw(value)}")
    return value


def _encodable(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


_TYPE_NAMES: dict[type, str] = {str: "a string", int: "an integer", dict: "an object", list: "an array"}


def text(obj: Mapping[str, Any], key: str, where: str) -> str:
    """A required, non-empty string."""
    value = get(obj, key, str, where)
    if not value:
        raise EventParseError(f"{where}{key} is empty")
    return value


def ident(obj: Mapping[str, Any], key: str, where: str) -> str:
    """A required id (``shared.domain.ids``: printable, no control character)."""
    return checked_id(text(obj, key, where), f"{where}{key}")


def opt_ident(obj: Mapping[str, Any], key: str, where: str) -> str:
    """An optional id, "" when absent."""
    value = opt(obj, key, str, where)
    return checked_id(value, f"{where}{key}") if value else ""


MAX_TEXT_LENGTH = 1024
"""Free text ACS sends (a result message, a display name, an end reason) is kept up to this many characters; ACS's
are a sentence. Longer text is cut, saying how much was cut, so the event still applies."""


def opt_text(obj: Mapping[str, Any], key: str, where: str) -> str:
    """Optional free text, "" when absent, cut to ``MAX_TEXT_LENGTH`` characters."""
    value = opt(obj, key, str, where) or ""
    if len(value) <= MAX_TEXT_LENGTH:
        return value
    return f"{value[:MAX_TEXT_LENGTH]}… [{len(value) - MAX_TEXT_LENGTH} more characters]"


def checked_id(value: str, name: str) -> str:
    if flaw := id_flaw(value):
        raise EventParseError(f"{name} {flaw}")
    return value


def enum(obj: Mapping[str, Any], key: str, allowed: Mapping[str, str], where: str) -> str:
    """A required enum, matched case-insensitively (Event Grid sends PascalCase) and normalised."""
    value = get(obj, key, str, where)
    try:
        return allowed[value.lower()]
    except KeyError:
        raise EventParseError(f"{where}{key} has unknown value {value!r}") from None


_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:[.,]\d{1,12})?(?:[Zz]|[+-]\d{2}:?\d{2})")
"""The form the edge accepts: extended ISO 8601 with seconds and a zone (``datetime.fromisoformat`` alone would
also take a date without a time, the basic form, minutes without seconds and a dot without digits)."""


def parse_timestamp(text: str) -> datetime:
    """Parse an ISO 8601 timestamp with an offset (any number of fractional digits) into an aware UTC datetime."""
    if not isinstance(text, str) or _TIMESTAMP.fullmatch(text.strip()) is None:
        raise EventParseError(f"not an ISO 8601 timestamp with a time zone: {text!r}")
    try:
        return datetime.fromisoformat(text.strip().upper()).astimezone(UTC)
    except (ValueError, OverflowError) as exc:
        raise EventParseError(f"not a valid timestamp: {text!r} ({exc})") from None


def time(obj: Mapping[str, Any], key: str, where: str) -> datetime:
    """A required timestamp: ISO 8601 text, or an aware ``datetime`` (as ``azure.functions`` events carry)."""
    if isinstance(obj.get(key), datetime):
        return _aware(obj[key], f"{where}{key}")
    value = get(obj, key, str, where)
    try:
        return parse_timestamp(value)
    except EventParseError as exc:
        raise EventParseError(f"{where}{key}: {exc.reason}") from None


def _aware(value: datetime, name: str) -> datetime:
    if value.utcoffset() is None:
        raise EventParseError(f"{name} has no time zone")
    return value.astimezone(UTC)
