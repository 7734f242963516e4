from __future__ import annotations

import json
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError, IncompleteReadError, ServiceRequestError

from shared.archive.acsmeta import chunk_copy
from shared.archive.copy_options import ArchiveOptions
from shared.archive.errors import ArchivePermanentError, ArchiveTransientError, SourceGoneError
from shared.archive.translate import from_source, from_storage
from shared.config import from_env
from shared.domain.model import ChunkCopy


def test_facts_come_from_the_acs_metadata_document() -> None:
    document = {
        "chunkDuration": 19320,
        "pauseResumeIntervals": [{"startTime": "2021-09-30T22:24:37.9450001Z", "duration": 5220}],
        "participants": [{"participantId": "8:acs:a", "channel": 0}, {"participantId": "4:+1425", "channel": 1}],
    }
    copy = facts(json.dumps(document).encode())
    assert copy == ChunkCopy(
        **BARE,
        duration_ms=19320,
        pause_intervals=tuple(document["pauseResumeIntervals"]),
        participants=tuple(document["participants"]),
    )


def test_mixed_participants_carry_no_channel() -> None:
    copy = facts(b'{"participants": [{"participantId": "8:acs:a", "extra": 1}]}')
    assert copy.participants == ({"participantId": "8:acs:a"},)


def test_unreadable_metadata_gives_no_facts() -> None:
    assert facts(b"\xff not json") == ChunkCopy(**BARE)


BARE: dict[str, Any] = {"size": 5, "sha256": "a" * 64, "metadata_sha256": "b" * 64, "streamed": True}


def facts(document: bytes) -> ChunkCopy:
    return chunk_copy(document=document, **BARE)


def _http(status: int) -> HttpResponseError:
    error = HttpResponseError(message=f"status {status}")
    error.status_code = status
    return error


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (_http(404), SourceGoneError),
        (_http(410), SourceGoneError),
        (_http(503), ArchiveTransientError),
        (_http(429), ArchiveTransientError),
        (_http(403), ArchivePermanentError),
        (_http(302), ArchiveTransientError),
        (_http(307), ArchiveTransientError),
        (ServiceRequestError("connection refused"), ArchiveTransientError),
        (IncompleteReadError(message="cut"), ArchiveTransientError),
    ],
)
def test_acs_errors_map_onto_the_tree(error: Exception, expected: type[Exception]) -> None:
    assert type(from_source(error, "u")) is expected


def test_a_redirect_from_acs_is_transient_and_names_the_status_it_did_not_follow() -> None:
    error = from_source(_http(302), "https://eu.asm.skype.com/v1/objects/x/content/acsmetadata")
    assert isinstance(error, ArchiveTransientError)
    assert "redirect (302), not followed" in error.reason


def test_storage_5xx_is_transient_and_403_permanent() -> None:
    assert type(from_storage(_http(500), "write")) is ArchiveTransientError
    assert type(from_storage(_http(403), "write")) is ArchivePermanentError


def test_options_come_from_settings() -> None:
    settings = from_env(
        {
            "ACS_ENDPOINT": "https://x",
            "STREAMING_THRESHOLD_BYTES": "10",
            "ARCHIVE_BLOCK_SIZE_BYTES": "5",
            "ARCHIVE_CONCURRENCY": "3",
        }
    )
    assert ArchiveOptions.from_settings(settings) == ArchiveOptions(10, 5, 3)
