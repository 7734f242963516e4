from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared import layout

SERVER_CALL_ID = (
    "aHR0cHM6Ly9hcGkuZmxpZ2h0cHJveHkuc2t5cGUuY29tL2FwaS92Mi9jcC9jb252LXVzd2UtMDEvY29udi8/aT0xMCZlPTYzODAwMA=="
)


def test_call_folder_has_no_path_or_padding_characters() -> None:
    folder = layout.call_folder(SERVER_CALL_ID)
    assert not set("/+=") & set(folder)
    assert layout.server_call_id(folder) == SERVER_CALL_ID


@given(st.text(min_size=1))
def test_call_folder_round_trips_any_server_call_id(value: str) -> None:
    assert layout.server_call_id(layout.call_folder(value)) == value


@pytest.mark.parametrize("bad", ["", "a/b", "abc=", "a+b", "..", "A"])
def test_server_call_id_rejects_what_is_not_a_call_folder(bad: str) -> None:
    with pytest.raises(layout.LayoutError):
        layout.server_call_id(bad)


def test_date_is_the_utc_date_of_the_recording_start() -> None:
    start = datetime(2026, 11, 23, 23, 30, tzinfo=timezone(timedelta(hours=-5)))
    assert layout.date_prefix(start) == "2026/11/24"


def test_a_call_crossing_midnight_stays_under_its_start_date() -> None:
    start = datetime(2026, 1, 31, 23, 59, 59, tzinfo=UTC)
    prefix = layout.recording_prefix(start, "call", "rec1")
    assert prefix.startswith("2026/01/31/")


def test_paths_follow_the_documented_layout() -> None:
    prefix = layout.recording_prefix(datetime(2026, 3, 4, tzinfo=UTC), SERVER_CALL_ID, "eyJQbGF0Zm9ybSJ9")
    folder = layout.call_folder(SERVER_CALL_ID)
    assert layout.chunk_path(prefix, 7, "Wav") == f"2026/03/04/{folder}/eyJQbGF0Zm9ybSJ9/chunk-0007.wav"
    assert layout.metadata_path(prefix, 7) == f"2026/03/04/{folder}/eyJQbGF0Zm9ybSJ9/chunk-0007.metadata.json"
    assert layout.manifest_path(prefix) == f"2026/03/04/{folder}/eyJQbGF0Zm9ybSJ9/manifest.json"


@pytest.mark.parametrize("recording_id", ["../x", "a/b", "", ".."])
def test_recording_ids_that_would_escape_the_folder_are_refused(recording_id: str) -> None:
    with pytest.raises(layout.LayoutError):
        layout.recording_prefix(datetime(2026, 1, 1, tzinfo=UTC), "call", recording_id)


def test_unknown_format_is_refused() -> None:
    with pytest.raises(layout.LayoutError):
        layout.chunk_path("p", 0, "ogg")
