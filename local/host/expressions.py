"""Binding expressions in output paths: ``%Setting%``, ``{prop}``/``{a.b}`` from trigger data, ``{DateTime[:fmt]}``,
``{rand-guid[:N]}``, ``{sys.UtcNow}``, ``{sys.RandGuid}``. Lookups ignore case, like the Functions host's."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from .settings import SettingError, resolve_percent

_TOKEN = re.compile(r"\{([^{}]+)\}")
_DOTNET = re.compile(r"yyyy|yy|MM|M|dd|d|HH|H|hh|h|mm|m|ss|s|f{1,7}|tt|'[^']*'|\\.")
_DEFAULT_DATETIME = "yyyy-MM-ddTHH-mm-ssZ"


class BindingExpressionError(LookupError):
    """A binding expression names data the trigger does not provide (the invocation fails)."""


def resolve(template: str, data: Mapping[str, Any], now: datetime | None = None) -> str:
    """``template`` with every setting and binding expression replaced."""
    try:
        text = resolve_percent(template)
    except SettingError as exc:
        raise BindingExpressionError(f"{template!r}: {exc}") from exc
    moment = now or datetime.now(UTC)
    return _TOKEN.sub(lambda match: _value(match.group(1).strip(), data, moment, template), text)


def format_datetime(moment: datetime, pattern: str) -> str:
    """A .NET custom date and time format (``yyyy``, ``MM``, ``dd``, ``HH``, ``mm``, ``ss``, ``fff``, ...)."""
    return _DOTNET.sub(lambda match: _datetime_part(moment, match.group(0)), pattern)


def _value(expression: str, data: Mapping[str, Any], moment: datetime, template: str) -> str:
    name, _, fmt = expression.partition(":")
    lowered = name.strip().lower()
    if lowered in ("datetime", "sys.utcnow"):
        return format_datetime(moment, fmt or _DEFAULT_DATETIME)
    if lowered in ("rand-guid", "sys.randguid"):
        guid = uuid.uuid4()
        return guid.hex if fmt.strip().upper() == "N" else str(guid)
    return _text(_lookup(data, name.strip(), template))


def _lookup(data: Mapping[str, Any], dotted: str, template: str) -> Any:
    value: Any = data
    for part in dotted.split("."):
        if not isinstance(value, Mapping):
            raise BindingExpressionError(f"{template!r}: no value for {{{dotted}}}")
        key = next((candidate for candidate in value if str(candidate).lower() == part.lower()), None)
        if key is None:
            raise BindingExpressionError(f"{template!r}: no value for {{{dotted}}} in the trigger data")
        value = value[key]
    if value is None:
        raise BindingExpressionError(f"{template!r}: {{{dotted}}} is null")
    return value


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


def _datetime_part(moment: datetime, token: str) -> str:
    if token.startswith("'"):
        return token[1:-1]
    if token.startswith("\\"):
        return token[1:]
    if token.startswith("f"):
        return f"{moment.microsecond:06d}0"[: len(token)]
    hour12 = moment.hour % 12 or 12
    parts = {
        "yyyy": f"{moment.year:04d}",
        "yy": f"{moment.year % 100:02d}",
        "MM": f"{moment.month:02d}",
        "M": str(moment.month),
        "dd": f"{moment.day:02d}",
        "d": str(moment.day),
        "HH": f"{moment.hour:02d}",
        "H": str(moment.hour),
        "hh": f"{hour12:02d}",
        "h": str(hour12),
        "mm": f"{moment.minute:02d}",
        "m": str(moment.minute),
        "ss": f"{moment.second:02d}",
        "s": str(moment.second),
        "tt": "AM" if moment.hour < 12 else "PM",
    }
    return parts[token]
