"""Blob index tags of an archived recording: the facts they carry and the retention class the rules give."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone

import pytest

from shared import config, layout
from shared.archive.tags import recording_blobs, recording_tags, retention_class
from shared.domain import Call, replay
from tests.unit.domain import builders as b

RULES = (("+44", "uk-7y"), ("8:acs:", "internal"), ("4:+1800", "toll-free"), ("*", "standard"))


def call_to(callee: str, *archived: int) -> Call:
    call = replay(
        b.SID, [b.ringing(), b.connected(), b.started(), b.files_ready(2), *(b.archived(i) for i in archived)]
    )
    assert call is not None
    return dataclasses.replace(call, callee=callee)


@pytest.mark.parametrize(
    ("callee", "expected"),
    [
        ("4:+442071234567", "uk-7y"),  # a prefix of the phone number, without the rawId's 4:
        ("8:acs:contoso-agent-7", "internal"),  # a prefix of the rawId
        ("4:+18005550199", "toll-free"),
        ("4:+14255550100", "standard"),  # * takes every other call
    ],
)
def test_the_first_rule_whose_prefix_starts_the_callee_gives_the_class(callee: str, expected: str) -> None:
    assert retention_class(call_to(callee), RULES) == expected


def test_no_rule_or_no_match_gives_no_retention_class_tag() -> None:
    assert retention_class(call_to("4:+14255550100"), (("+44", "uk-7y"),)) == ""
    call = call_to("4:+14255550100", 0, 1)
    recording = call.recording(b.REC)
    assert recording is not None
    assert "retentionClass" not in recording_tags(call, recording, ())


def test_the_tags_carry_the_utc_recording_date_the_verdict_and_the_format() -> None:
    call = call_to("4:+442071234567", 0, 1)
    recording = call.recording(b.REC)
    assert recording is not None
    assert recording_tags(call, recording, RULES) == {
        "recordingDate": "2026-11-23", "verdict": "complete", "format": "wav", "retentionClass": "uk-7y",
    }  # fmt: skip
    assert recording.files is not None
    east = datetime(2026, 11, 24, 4, 30, tzinfo=timezone(timedelta(hours=5)))  # 2026-11-23T23:30Z
    late = dataclasses.replace(recording, files=dataclasses.replace(recording.files, recording_start=east))
    assert recording_tags(call, late, RULES)["recordingDate"] == "2026-11-23"


def test_a_recording_still_missing_a_chunk_is_tagged_incomplete_and_only_its_archived_blobs_are_named() -> None:
    call = call_to("4:+1", 0)
    recording = call.recording(b.REC)
    assert recording is not None
    assert recording_tags(call, recording, RULES)["verdict"] == "incomplete"
    prefix = layout.recording_prefix(b.T0, b.SID, b.REC)
    assert recording_blobs(call, recording) == [
        layout.manifest_path(prefix), layout.chunk_path(prefix, 0, "wav"), layout.metadata_path(prefix, 0),
    ]  # fmt: skip


def test_the_rules_setting_is_parsed_in_order_and_a_bad_class_names_the_setting() -> None:
    base = {"ACS_ENDPOINT": "https://acs.example"}
    settings = config.from_env({**base, "RETENTION_CLASS_RULES": "+44=uk-7y, 8:acs:=internal ,*=standard"})
    assert settings.retention_class_rules == (("+44", "uk-7y"), ("8:acs:", "internal"), ("*", "standard"))
    assert config.from_env(base).retention_class_rules == ()
    for bad in ("+44", "=x", "+44=two words", "+44=a*b"):
        with pytest.raises(config.ConfigError, match="RETENTION_CLASS_RULES"):
            config.from_env({**base, "RETENTION_CLASS_RULES": bad})
