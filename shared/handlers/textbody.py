"""Request bodies that are a JSON object of a few short texts in an operator's words (legal hold, erasure)."""

from __future__ import annotations

from collections.abc import Mapping

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
    try:
        value = boundedjson.loads(body or b"null", max_bytes=MAX_BODY_BYTES)
    except ValueError as exc:
        raise BadTextBody(f"body: {exc}") from None
    if not isinstance(value, dict):
        shape = ", ".join(f'"{name}": ...' for name in limits)
        raise BadTextBody(f"body: must be a JSON object {{{shape}}}")
    unknown = sorted(set(value) - set(limits))
    if unknown:
        raise BadTextBody(f"{unknown[0]}: unknown field (use {' and '.join(limits)})")
    for name, limit in limits.items():
        if name in value or required:
            _check(name, value.get(name), limit, required)
    return {name: value[name] for name in limits if name in value}


def _check(name: str, text: object, limit: int, required: bool) -> None:
    if isinstance(text, str) and len(text) <= limit and text.isprintable() and (text.strip() or not required):
        return
    what = "required, printable" if required else "must be printable"
    raise BadTextBody(f"{name}: {what} text of at most {limit} characters")
