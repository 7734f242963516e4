"""Archive layout: where a chunk, its metadata and the recording's manifest live.

``{yyyy}/{MM}/{dd}/{callFolder}/{recordingId}/chunk-{index:04}.{ext}`` with the date of the recording's
start (UTC), and ``callFolder`` the serverCallId as unpadded base64url (reversible, no ``/``, ``+``, ``=``).
"""

from __future__ import annotations

import base64
import binascii
import re
from datetime import UTC, datetime

EXTENSIONS = {"wav": "wav", "mp3": "mp3", "mp4": "mp4"}
_FOLDER = re.compile(r"^[A-Za-z0-9_-]+$")
_RECORDING_ID = re.compile(r"^[A-Za-z0-9_\-=+.]{1,512}$")


class LayoutError(ValueError):
    """A callFolder, recordingId or format that cannot name an archive path."""


def call_folder(server_call_id: str) -> str:
    """serverCallId -> unpadded base64url of its UTF-8 bytes."""
    if not server_call_id:
        raise LayoutError("serverCallId is empty")
    return base64.urlsafe_b64encode(server_call_id.encode("utf-8")).decode("ascii").rstrip("=")


def server_call_id(folder: str) -> str:
    """callFolder -> serverCallId; LayoutError if it is not one."""
    if not _FOLDER.match(folder):
        raise LayoutError(f"callId {folder!r} is not unpadded base64url")
    try:
        raw = base64.urlsafe_b64decode(folder + "=" * (-len(folder) % 4))
        decoded = raw.decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise LayoutError(f"callId {folder!r} does not decode to a serverCallId") from None
    if call_folder(decoded) != folder:
        raise LayoutError(f"callId {folder!r} is not in canonical form")
    return decoded


def date_prefix(recording_start: datetime) -> str:
    """UTC date of the recording's start as ``yyyy/MM/dd``."""
    if recording_start.tzinfo is None:
        recording_start = recording_start.replace(tzinfo=UTC)
    return recording_start.astimezone(UTC).strftime("%Y/%m/%d")


def _check_recording_id(recording_id: str) -> str:
    if not _RECORDING_ID.match(recording_id) or recording_id in (".", ".."):
        raise LayoutError(f"recordingId {recording_id!r} cannot be part of a blob path")
    return recording_id


def recording_prefix(recording_start: datetime, server_call: str, recording_id: str) -> str:
    return f"{date_prefix(recording_start)}/{call_folder(server_call)}/{_check_recording_id(recording_id)}"


def extension(fmt: str) -> str:
    try:
        return EXTENSIONS[fmt.lower()]
    except KeyError:
        raise LayoutError(f"unknown recording format {fmt!r}") from None


def chunk_path(prefix: str, index: int, fmt: str) -> str:
    if index < 0:
        raise LayoutError("chunk index must not be negative")
    return f"{prefix}/chunk-{index:04d}.{extension(fmt)}"


def metadata_path(prefix: str, index: int) -> str:
    return f"{prefix}/chunk-{index:04d}.metadata.json"


def manifest_path(prefix: str) -> str:
    return f"{prefix}/manifest.json"
