"""Access-log lines: who asked (a key's fingerprint, never the key; the Entra principal), what, when, which bytes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shared.domain.access import BadAccessLine, Read, Served, caller_of, from_line, key_fingerprint, to_line

AT = datetime(2026, 12, 7, 20, 0, tzinfo=UTC)


def test_the_caller_is_the_keys_fingerprint_and_the_principal_app_service_passes() -> None:
    headers = {
        "X-Functions-Key": "secret-key", "X-MS-CLIENT-PRINCIPAL-NAME": "auditor@contoso.example",
        "X-MS-CLIENT-PRINCIPAL-ID": "00000000-0000-0000-0000-000000000001", "X-MS-CLIENT-PRINCIPAL-IDP": "aad",
    }  # fmt: skip
    caller = caller_of(headers, {})
    assert caller.key == key_fingerprint("secret-key")
    assert caller.key.startswith("sha256:")
    assert "secret-key" not in to_line(_read(caller=caller))
    assert (caller.principal_name, caller.identity_provider) == ("auditor@contoso.example", "aad")


def test_a_key_given_as_code_in_the_query_is_named_the_same_way() -> None:
    assert caller_of({}, {"code": "k"}).key == caller_of({"x-functions-key": "k"}, {}).key != caller_of({}, {}).key


def test_a_line_reads_back_as_the_read_it_records() -> None:
    read = _read(served=Served(first=100, last=199, size=5000), channel=1)
    assert from_line(to_line(read)) == read
    assert to_line(read).endswith("\n")
    assert to_line(read).count("\n") == 1


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ("not json", "not JSON"),
        ('{"at": "2026-12-07T20:00:00"}', "no UTC offset"),
        ('{"at": "2026-12-07T20:00:00+00:00", "caller": {}}', "route"),
    ],
)
def test_a_line_the_app_did_not_write_is_refused_with_what_is_wrong(line: str, says: str) -> None:
    with pytest.raises(BadAccessLine, match=says):
        from_line(line)


def test_a_byte_range_outside_the_file_is_refused() -> None:
    line = to_line(_read(served=Served(first=0, last=9, size=10))).replace('"size":10', '"size":5')
    with pytest.raises(BadAccessLine, match="not a range of 5 bytes"):
        from_line(line)


def _read(**changes: object) -> Read:
    fields: dict[str, object] = {
        "at": AT, "caller": caller_of({}, {}), "route": "chunk_media", "call_folder": "folder",
        "recording_id": "rec", "blob": "2026/12/07/folder/rec/chunk-0000.wav", "served": None, **changes,
    }  # fmt: skip
    return Read(**fields)  # type: ignore[arg-type]
