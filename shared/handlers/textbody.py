"""Request bodies that are a JSON object of a few short texts in an operator's words (legal hold, erasure)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from shared import boundedjson

MAX_BODY_BYTES = (
    16 * 1024
)  # a few texts of at most some thousand characters, each escaped at most six bytes a character


class BadTextBody(ValueError):
    """A body that is not a JSON object of short printable texts; the message starts with what is wrong."""


def text_fields(body: bytes, limits: Mapping[str, int], *, required: bool) -> dict[str, str]:
    """The body's fields, in the order of ``limits``: printable texts of at most their limit in characters.

    ``required``: every field is present and not blank. Otherwise each field may be left out, and an empty body
    is an empty object.
    """
    if not required and not body.strip():
        return {}
    value = _object(body, limits, ())
    return _texts(value, limits, required)


def texts_and_options(
    body: bytes, limits: Mapping[str, int], options: Collection[str]
) -> tuple[dict[str, str], dict[str, Any]]:
    """The required texts of ``limits``, and the fields named in ``options`` as sent, for the caller to check."""
    value = _object(body, limits, options)
    return _texts(value, limits, True), {name: value[name] for name in options if name in value}


def _object(body: bytes, limits: Mapping[str, int], options: Collection[str]) -> dict[str, Any]:
    try:
        value = boundedjson.loads(body or b"null", max_bytes=MAX_BODY_BYTES)
    except ValueError as exc:
        raise BadTextBody(f"body: {exc}") from None
    if not isinstance(value, dict):
        shape = ", ".join(f'"{name}": ...' for name in limits)
        raise BadTextBody(f"body: must be a JSON object {{{shape}}}")
    known = [*limits, *sorted(options)]
    unknown = sorted(set(value) - set(known))
    if unknown:
        raise BadTextBody(f"{unknown[0]}: unknown field (use {_listed(known)})")
    return value


def _texts(value: Mapping[str, Any], limits: Mapping[str, int], required: bool) -> dict[str, str]:
    for name, limit in limits.items():
        if name in value or required:
            _check(name, value.get(name), limit, required)
    return {name: value[name] for name in limits if name in value}


def _listed(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _check(name: str, text: object, limit: int, required: bool) -> None:
    if isinstance(text, str) and len(text) <= limit and text.isprintable() and (text.strip() or not required):
        return
    what = "required, printable" if required else "must be printable"
    raise BadTextBody(f"{name}: {what} text of at most {limit} characters")
