from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared import layout

SERVER_CALL_ID = (
    "aHR0cHM6Ly9hcGkuZmxpZ2h0cHJveHkuc2t5cGUuY29tL2FwaS92Mi9jcC9jb252LXVzd2UtMDEvY29udi8/aT0xMCZlPTYzODAwMA=="
)


def test_call_folder_of_an_acs_id_is_the_id_made_url_safe_without_padding() -> None:
    folder = layout.call_folder(SERVER_CALL_ID)
    assert folder == SERVER_CALL_ID.replace("/", "_").rstrip("=")
    assert not set("/+=") & set(folder)
    assert layout.server_call_id(folder) == SERVER_CALL_ID


@pytest.mark.parametrize(
    ("server_call_id", "folder"),
    [("ab+/cd==", "ab-_cd"), ("abc+/d8=", "abc-_d8"), ("abcd+/ef", "abcd-_ef")],
)
def test_plus_and_slash_become_dash_and_underscore_and_padding_comes_back(server_call_id: str, folder: str) -> None:
    assert layout.call_folder(server_call_id) == folder
    assert layout.server_call_id(folder) == server_call_id


@pytest.mark.parametrize("server_call_id", ["chaos", "a-b_c+==", "abc", "ab=c", "with space=", "ümlaut"])
def test_an_id_that_is_not_clean_base64_gets_the_prefixed_fallback(server_call_id: str) -> None:
    folder = layout.call_folder(server_call_id)
    assert folder == "=" + layout.legacy_call_folder(server_call_id)
    assert layout.server_call_id(folder) == server_call_id


def test_the_legacy_folder_is_base64url_of_the_id_text() -> None:
    assert layout.legacy_call_folder("aHR0cHM6Ly9hcGk=") == "YUhSMGNITTZMeTloY0drPQ"


@given(st.from_regex(r"(?:[A-Za-z0-9+/]{4}){1,30}", fullmatch=True), st.sampled_from(["", "/w==", "+/8="]))
def test_every_clean_base64_id_keeps_its_text_in_the_folder(body: str, tail: str) -> None:
    value = body + tail
    folder = layout.call_folder(value)
    assert not folder.startswith("=")
    assert folder == value.translate(str.maketrans("+/", "-_")).rstrip("=")
    assert layout.server_call_id(folder) == value


# Any text but control characters and surrogates (refused below); at most 380 UTF-8 bytes: a fallback folder of <= 508
@given(st.text(st.characters(exclude_categories=("Cc", "Cs")), min_size=1, max_size=95))
def test_call_folder_round_trips_any_server_call_id(value: str) -> None:
    assert layout.server_call_id(layout.call_folder(value)) == value


@pytest.mark.parametrize("server_call_id", ["abc\n", "QUJD\n", "ab\x00cd", "\x7fabc", "abc\x85", "a\ud800"])
def test_a_server_call_id_with_a_control_character_or_lone_surrogate_is_refused(server_call_id: str) -> None:
    with pytest.raises(layout.LayoutError, match="serverCallId holds"):
        layout.call_folder(server_call_id)


@pytest.mark.parametrize("folder", ["QUJD\n", "abc\n"])
def test_a_call_folder_with_a_trailing_newline_is_not_a_call_folder(folder: str) -> None:
    with pytest.raises(layout.LayoutError):
        layout.server_call_id(folder)


@pytest.mark.parametrize("recording_id", ["rec-1\n", "rec\n1"])
def test_a_recording_id_with_a_newline_cannot_name_a_blob(recording_id: str) -> None:
    with pytest.raises(layout.LayoutError):
        layout.recording_prefix(datetime(2026, 1, 2, tzinfo=UTC), "QUJD", recording_id)


def test_a_participant_token_with_a_trailing_newline_is_not_one() -> None:
    with pytest.raises(layout.LayoutError):
        layout.participant_id("4_+1425\n")


def test_a_server_call_id_whose_folder_would_not_fit_a_table_key_is_refused() -> None:
    clean = "QUFB" * 128  # clean base64: its folder is its own 512 characters
    assert len(layout.call_folder(clean)) == layout.MAX_CALL_FOLDER
    with pytest.raises(layout.LayoutError, match="too long"):
        layout.call_folder(clean + "QUFB")
    other = "!" * 383  # not base64: "=" and 511 characters of base64url
    assert len(layout.call_folder(other)) == layout.MAX_CALL_FOLDER
    with pytest.raises(layout.LayoutError, match="too long"):
        layout.call_folder(other + "!")
    with pytest.raises(layout.LayoutError, match="characters"):
        layout.server_call_id("A" * (layout.MAX_CALL_FOLDER + 1))


@pytest.mark.parametrize(
    ("start", "prefix"),
    [
        (datetime(1, 1, 1, tzinfo=UTC), "0001/01/01"),
        (datetime(999, 12, 31, 23, 59, tzinfo=UTC), "0999/12/31"),
        (datetime(9999, 12, 31, 23, 59, tzinfo=UTC), "9999/12/31"),
    ],
)
def test_years_are_four_digits_in_archive_paths(start: datetime, prefix: str) -> None:
    assert layout.date_prefix(start) == prefix
    assert layout.recording_prefix(start, "call", "rec1").startswith(prefix + "/")


@pytest.mark.parametrize("bad", ["", "a/b", "abc=", "a+b", "..", "A", "abcde", "=", "=a/b", "=Zg=", "=/w"])
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


@pytest.mark.parametrize(
    ("raw_id", "token"),
    [
        ("4:+14255550100", "4_+14255550100"),
        ("8:acs:1b5c-f3_00000022-aa", "8_acs_1b5c-f3~5F00000022-aa"),
        ("28:bot é/x~", "28_bot~20~C3~A9~2Fx~7E"),
    ],
)
def test_a_participant_token_is_readable_safe_and_reverses_to_the_raw_id(raw_id: str, token: str) -> None:
    assert layout.participant_token(raw_id) == token
    assert layout.participant_id(token) == raw_id
    assert layout.participant_path("p", 3, raw_id) == f"p/chunk-0003.{token}.wav"


@pytest.mark.parametrize("token", ["", "a:b", "a~5f", "a~GG", "~FF", "a b"])
def test_a_string_that_is_not_a_participant_token_is_refused(token: str) -> None:
    with pytest.raises(layout.LayoutError):
        layout.participant_id(token)


def test_a_participant_whose_token_would_be_too_long_gets_a_short_hashed_name() -> None:
    long_id = "8:acs:" + "a" * 1100
    path = layout.participant_path("2026/11/23/QUJD/rec", 0, long_id)
    name = path.rsplit("/", 1)[1]
    assert len(name) == len("chunk-0000.=.wav") + 32
    assert path == layout.participant_path("2026/11/23/QUJD/rec", 0, long_id)
    assert path != layout.participant_path("2026/11/23/QUJD/rec", 0, long_id + "b")
    assert layout.participant_path("p", 0, "4:+1425").endswith(".4_+1425.wav")


def test_a_folder_whose_blob_names_would_pass_azures_limit_is_refused() -> None:
    start = datetime(2026, 1, 2, tzinfo=UTC)
    with pytest.raises(layout.LayoutError, match="limit of 1024"):
        layout.chunk_paths(start, "QUFB" * 128, "r" * 512, 0, "wav")


@given(
    st.text(st.characters(exclude_categories=("Cc", "Cs")), min_size=1, max_size=200),
    st.from_regex(r"[A-Za-z0-9_\-=+.]{1,512}", fullmatch=True).filter(lambda r: r not in (".", "..")),
    st.text(st.characters(exclude_categories=("Cc", "Cs")), min_size=1, max_size=1200),
    st.integers(min_value=0, max_value=10**6),
)
def test_every_derived_blob_name_fits_azures_limits_or_is_refused(sid: str, rec: str, raw: str, index: int) -> None:
    start = datetime(2026, 1, 2, tzinfo=UTC)
    try:
        prefix = layout.recording_prefix(start, sid, rec)
        names = [*vars(layout.chunk_paths(start, sid, rec, index, "wav")).values()]
        names.append(layout.participant_path(prefix, index, raw))
    except layout.LayoutError:
        return
    assert all(len(n) <= layout.MAX_BLOB_NAME and n.count("/") == 5 for n in names), names
