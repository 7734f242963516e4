"""Archive layout: where a chunk, its metadata and the recording's manifest live.

``{yyyy}/{MM}/{dd}/{callFolder}/{recordingId}/chunk-{index:04}.{ext}`` with the date of the recording's
start (UTC).

``callFolder`` names the call by its serverCallId, readably and reversibly:

- a serverCallId that is clean standard base64 (``A-Z a-z 0-9 + /``, length a multiple of 4, at most two ``=``
  at the end; every serverCallId ACS issues) becomes the same text with ``+`` -> ``-``, ``/`` -> ``_`` and the
  ``=`` padding dropped, so it still reads as the id ACS, the portal and the logs show;
- any other id becomes ``=`` followed by the unpadded base64url of its UTF-8 text (``legacy_call_folder``, the
  form every folder had before). ``=`` never begins a clean folder (padding only ever ends base64 and is
  dropped), so the two forms cannot collide.

Either form holds only characters that are safe in a blob name, a Table key and a URL path segment.

Beside an unmixed WAV chunk, one mono WAV per participant: ``chunk-{index:04}.{participant}.wav``, where
``participant`` is the participant's rawId written reversibly (``participant_token``): letters, digits, ``+``, ``-``
and ``.`` stay, ``:`` becomes ``_``, and every other character becomes ``~`` and two uppercase hex digits per UTF-8
byte (``4:+14255550100`` -> ``4_+14255550100``; ``8:acs:abc_1`` -> ``8_acs_abc~5F1``). ``_`` and ``~`` never stand
for themselves, so ``participant_id`` reverses it. A rawId whose token would pass ``MAX_PARTICIPANT_TOKEN`` characters
is named by ``=`` and 32 hex digits of its SHA-256 instead (``=`` never appears in a token); the manifest lists
each participant file with its rawId, which maps the short name back.

A recording erased on request keeps only ``tombstone.json``; one blob of it erased on request alone (a participant's
file) leaves ``{blob name}.tombstone.json`` beside where it was.

Every name fits Azure Blob Storage's limits (at most 1,024 characters and 254 path segments): a folder too long to
hold its longest blob name is refused (``LayoutError``), and no id adds a ``/``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime

from shared.domain.ids import id_flaw
from shared.formats import media_format

FALLBACK_PREFIX = "="
_CLEAN_BASE64 = re.compile(r"[A-Za-z0-9+/]+={0,2}")
_CLEAN_FOLDER = re.compile(r"[A-Za-z0-9_-]+")
_TO_FOLDER = str.maketrans("+/", "-_")
_TO_ID = str.maketrans("-_", "+/")
_RECORDING_ID = re.compile(r"[A-Za-z0-9_\-=+.]{1,512}")
# The callFolder is a Table PartitionKey (and index RowKey): at most 1 KiB, counted in UTF-16 (2 bytes a character).
MAX_CALL_FOLDER = 512
_TOKEN_KEPT = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+-.")
_TOKEN = re.compile(r"(?:[A-Za-z0-9+\-._]|~[0-9A-F]{2})+")
MAX_BLOB_NAME = 1024  # characters (Azure Blob Storage)
MAX_SEGMENTS = 254  # "/"-separated segments of a blob name (Azure Blob Storage)
MAX_PARTICIPANT_TOKEN = 128
HASHED_PARTICIPANT = "="
ERASED_SUFFIX = ".tombstone.json"  # after an erased blob's name: its own tombstone
# The longest leaf name of a recording folder: the tombstone of a participant file whose token has
# MAX_PARTICIPANT_TOKEN characters
_LONGEST_LEAF = len("/chunk-0000..wav") + MAX_PARTICIPANT_TOKEN + len(ERASED_SUFFIX)


class LayoutError(ValueError):
    """A callFolder, recordingId or format that cannot name an archive path."""


def is_clean_base64(server_call_id: str) -> bool:
    """Standard-alphabet base64 with its padding: the form of every serverCallId ACS issues."""
    return len(server_call_id) % 4 == 0 and bool(_CLEAN_BASE64.fullmatch(server_call_id))


def call_folder(server_call_id: str) -> str:
    """serverCallId -> callFolder (see the module docstring); LayoutError if it cannot key the call's rows."""
    if not server_call_id:
        raise LayoutError("serverCallId is empty")
    if flaw := id_flaw(server_call_id):
        raise LayoutError(f"serverCallId {flaw}")
    if is_clean_base64(server_call_id):
        folder = server_call_id.rstrip("=").translate(_TO_FOLDER)
    else:
        folder = FALLBACK_PREFIX + legacy_call_folder(server_call_id)
    if len(folder) > MAX_CALL_FOLDER:
        raise LayoutError(
            f"serverCallId is too long: its callFolder has {len(folder)} characters, a Table key at most "
            f"{MAX_CALL_FOLDER}"
        )
    return folder


def server_call_id(folder: str) -> str:
    """callFolder -> serverCallId; LayoutError if it is not one."""
    if len(folder) > MAX_CALL_FOLDER:
        raise LayoutError(f"callId has {len(folder)} characters; a call's has at most {MAX_CALL_FOLDER}")
    if folder.startswith(FALLBACK_PREFIX):
        decoded = _fallback_id(folder[len(FALLBACK_PREFIX) :])
    elif _CLEAN_FOLDER.fullmatch(folder) and len(folder) % 4 != 1:
        decoded = folder.translate(_TO_ID) + "=" * (-len(folder) % 4)
    else:
        raise LayoutError(f"callId {folder!r} is not a callFolder (a serverCallId with + / made - _, no padding)")
    if call_folder(decoded) != folder:
        raise LayoutError(f"callId {folder!r} is not in canonical form")
    return decoded


def _fallback_id(encoded: str) -> str:
    if not _CLEAN_FOLDER.fullmatch(encoded):
        raise LayoutError(f"callId {FALLBACK_PREFIX}{encoded!r} is not unpadded base64url after its prefix")
    try:
        return base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise LayoutError(f"callId {FALLBACK_PREFIX}{encoded} does not decode to a serverCallId") from None


def legacy_call_folder(server_call_id: str) -> str:
    """The folder archives written before readable callFolders used: unpadded base64url of the id's text."""
    return base64.urlsafe_b64encode(server_call_id.encode("utf-8")).decode("ascii").rstrip("=")


def date_prefix(recording_start: datetime) -> str:
    """UTC date of the recording's start as ``yyyy/MM/dd``."""
    if recording_start.tzinfo is None:
        recording_start = recording_start.replace(tzinfo=UTC)
    day = recording_start.astimezone(UTC)
    return f"{day.year:04d}/{day.month:02d}/{day.day:02d}"  # strftime's %Y does not zero-pad years < 1000 on Linux


def _check_recording_id(recording_id: str) -> str:
    if not _RECORDING_ID.fullmatch(recording_id) or recording_id in (".", ".."):
        raise LayoutError(f"recordingId {recording_id!r} cannot be part of a blob path")
    return recording_id


def recording_prefix(recording_start: datetime, server_call: str, recording_id: str) -> str:
    prefix = f"{date_prefix(recording_start)}/{call_folder(server_call)}/{_check_recording_id(recording_id)}"
    if len(prefix) + _LONGEST_LEAF > MAX_BLOB_NAME:
        raise LayoutError(
            f"serverCallId and recordingId make a recording folder of {len(prefix)} characters: its blob names would "
            f"pass Azure's limit of {MAX_BLOB_NAME}"
        )
    return prefix


def _fitting(name: str) -> str:
    """``name`` if Azure Blob Storage can hold a blob of that name, else LayoutError."""
    if len(name) > MAX_BLOB_NAME or name.count("/") >= MAX_SEGMENTS:
        raise LayoutError(
            f"a blob name of {len(name)} characters and {name.count('/') + 1} segments passes Azure's limits "
            f"({MAX_BLOB_NAME} characters, {MAX_SEGMENTS} segments)"
        )
    return name


def extension(fmt: str) -> str:
    found = media_format(fmt)
    if found is None:
        raise LayoutError(f"unknown recording format {fmt!r}")
    return found.extension


def chunk_path(prefix: str, index: int, fmt: str) -> str:
    if index < 0:
        raise LayoutError("chunk index must not be negative")
    return _fitting(f"{prefix}/chunk-{index:04d}.{extension(fmt)}")


def metadata_path(prefix: str, index: int) -> str:
    return _fitting(f"{prefix}/chunk-{index:04d}.metadata.json")


def participant_token(raw_id: str) -> str:
    """A participant's rawId as it appears in a blob name (see the module docstring)."""
    if not raw_id:
        raise LayoutError("a participant's rawId is empty")
    if flaw := id_flaw(raw_id):
        raise LayoutError(f"a participant's rawId {flaw}")
    parts: list[str] = []
    for char in raw_id:
        if char in _TOKEN_KEPT:
            parts.append(char)
        elif char == ":":
            parts.append("_")
        else:
            parts.append("".join(f"~{byte:02X}" for byte in char.encode("utf-8")))
    return "".join(parts)


def participant_id(token: str) -> str:
    """``participant_token`` reversed; LayoutError if ``token`` is not one."""
    if not _TOKEN.fullmatch(token):
        raise LayoutError(f"{token!r} is not a participant token")
    raw = bytearray()
    i = 0
    while i < len(token):
        if token[i] == "~":
            raw.append(int(token[i + 1 : i + 3], 16))
            i += 3
        else:
            raw += b":" if token[i] == "_" else token[i].encode("ascii")
            i += 1
    try:
        decoded = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise LayoutError(f"{token!r} does not decode to a rawId") from None
    if participant_token(decoded) != token:
        raise LayoutError(f"{token!r} is not in canonical form")
    return decoded


def participant_path(prefix: str, index: int, raw_id: str) -> str:
    """The mono WAV of one participant of an unmixed WAV chunk."""
    if index < 0:
        raise LayoutError("chunk index must not be negative")
    return _fitting(f"{prefix}/chunk-{index:04d}.{participant_name(raw_id)}.wav")


def participant_name(raw_id: str) -> str:
    """The participant's part of its file name: its token, or the short hashed name when the token is too long."""
    token = participant_token(raw_id)
    if len(token) <= MAX_PARTICIPANT_TOKEN:
        return token
    return HASHED_PARTICIPANT + hashlib.sha256(raw_id.encode("utf-8")).hexdigest()[:32]


def manifest_path(prefix: str) -> str:
    return _fitting(f"{prefix}/manifest.json")


def tombstone_path(prefix: str) -> str:
    """What is left of a recording erased on request: who, when, why, and the hashes of what was erased."""
    return f"{prefix}/tombstone.json"


def blob_tombstone_path(blob: str) -> str:
    """What is left of one blob of a recording erased on request (a participant's file), beside where it was."""
    return blob + ERASED_SUFFIX


@dataclass(frozen=True)
class ChunkPaths:
    """Where one chunk's blobs and its recording's manifest live inside the archive container."""

    media: str
    metadata: str
    manifest: str


def chunk_paths(recording_start: datetime, server_call: str, recording_id: str, index: int, fmt: str) -> ChunkPaths:
    """Every archive path of a chunk, from its ids alone (LayoutError when they cannot name a path)."""
    prefix = recording_prefix(recording_start, server_call, recording_id)
    return ChunkPaths(chunk_path(prefix, index, fmt), metadata_path(prefix, index), manifest_path(prefix))


def check_recording_names(recording_start: datetime, server_call: str, recording_id: str, fmt: str) -> None:
    """LayoutError when a recording's ids or format cannot name its archive paths (checked before it is recorded)."""
    chunk_paths(recording_start, server_call, recording_id, 0, fmt)


ACCESS_LOG_PREFIX = "access-log/"


def access_log_path(folder: str, day: date) -> str:
    """The append blob that records the reads of one call's archive on one UTC day:
    ``access-log/{callFolder}/{yyyy-MM-dd}.jsonl`` (outside the dated recording folders)."""
    return f"{ACCESS_LOG_PREFIX}{folder}/{day.isoformat()}.jsonl"
