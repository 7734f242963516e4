"""HTTP byte ranges (RFC 9110 section 14) for media served in bounded pieces.

A response carries at most ``cap`` bytes: a client asking for more (``bytes=0-`` from a media element) gets the
first ``cap`` bytes with a ``Content-Range`` that says so, which RFC 9110 section 14.2 allows ("a server might want
to send only a subset of the data requested"); the client asks again from where the piece ended.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_SINGLE = re.compile(r"[ \t]*([0-9]{0,19})[ \t]*-[ \t]*([0-9]{0,19})[ \t]*")


class RangeNotSatisfiable(ValueError):
    """No byte of the requested range lies inside the representation (answer 416 with ``bytes */size``)."""


@dataclass(frozen=True)
class ByteRange:
    start: int
    end: int  # inclusive

    @property
    def length(self) -> int:
        return self.end - self.start + 1

    def content_range(self, size: int) -> str:
        return f"bytes {self.start}-{self.end}/{size}"


def requested(header: str | None, size: int, cap: int) -> ByteRange | None:
    """The first range of ``header`` within ``size`` bytes, cut to ``cap`` bytes; None when there is no usable
    Range header (absent, another unit, or not the syntax of RFC 9110 section 14.1.1, which a server ignores)."""
    if not header or "=" not in header:
        return None
    unit, _, sets = header.partition("=")
    if unit.strip().lower() != "bytes":
        return None
    found = _SINGLE.fullmatch(sets.split(",")[0])
    if found is None or found.group(1) == found.group(2) == "":
        return None
    first, last = found.group(1), found.group(2)
    if first == "":
        start, end = max(size - int(last), 0), size - 1
        if int(last) == 0:
            raise RangeNotSatisfiable(f"an empty suffix range of a {size}-byte representation")
    else:
        start, end = int(first), size - 1 if last == "" else min(int(last), size - 1)
        if last != "" and int(last) < start:
            return None
    if start >= size:
        raise RangeNotSatisfiable(f"byte {start} is past the end of a {size}-byte representation")
    return ByteRange(start, min(end, start + cap - 1))
