"""What any id (serverCallId, recordingId, callConnectionId, documentId, rawId, event id) may hold.

ACS issues its ids as base64, GUIDs, ``{region}-{guid}`` document ids and ``4:``/``8:`` raw ids: printable text.
An id holding a control character (``\\n``, ``\\x00``, DEL, the C1 range) or a lone UTF-16 surrogate (which JSON's
``\\ud800`` escape can carry but UTF-8 cannot encode) came from no ACS resource, and cannot key a Table row, name a
blob or travel in a URL; it is refused with the character it holds. So is an id longer than ``MAX_ID_LENGTH``
(ACS's are at most a few hundred characters): the call's state and timeline rows keep every id of the call, and a
Table property holds at most 32K characters.
"""

from __future__ import annotations

import unicodedata

_REFUSED = {"Cc": "a control character", "Cs": "an unpaired surrogate"}
MAX_ID_LENGTH = 4096


def id_flaw(value: str) -> str:
    """Why ``value`` cannot be an id ("" when it can): its length, or the first refused character and where."""
    if len(value) > MAX_ID_LENGTH:
        return f"has {len(value)} characters, more than the {MAX_ID_LENGTH} of any id"
    for position, char in enumerate(value):
        kind = _REFUSED.get(unicodedata.category(char))
        if kind is not None:
            return f"holds {kind} (U+{ord(char):04X} at position {position})"
    return ""
