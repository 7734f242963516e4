"""A participant as a person types it: every way of writing a phone number is one key; a rawId is itself."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shared.domain import CallState, RecordingOptions
from shared.domain.model import Call, Recording, RecordingState
from shared.domain.participants import BadParticipant, call_participants, participant_key

KEY = "4:+14255550100"


@pytest.mark.parametrize(
    "typed",
    ["+1 425 555 0100", "14255550100", "4:+14255550100", " (+1) 425-555-0100 ", "tel:+1.425.555.0100", "0014255550100"],
)
def test_every_way_of_writing_a_phone_number_is_its_rawid(typed: str) -> None:
    assert participant_key(typed) == KEY


def test_a_rawid_that_is_not_a_phone_number_is_its_own_key() -> None:
    assert participant_key(" 8:acs:1b7a_0000-11aa ") == "8:acs:1b7a_0000-11aa"


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("", "give a phone number"),
        ("425 555", "country code"),
        ("0425 555 0100", "country code"),
        ("x" * 600, "at most"),
    ],
)
def test_text_that_names_no_participant_is_refused_with_why(typed: str, says: str) -> None:
    with pytest.raises(BadParticipant, match=says):
        participant_key(typed)


def test_a_call_is_found_under_its_caller_callee_and_every_channels_participant() -> None:
    at = datetime(2026, 12, 7, tzinfo=UTC)
    options = RecordingOptions(
        content="audio", channel="unmixed", format="wav", channel_affinity=((0, "8:acs:agent"),),
        participant_ordering=("4:+14255550199",),
    )  # fmt: skip
    recording = Recording(recording_id="r", state=RecordingState.ACTIVE, options=options)
    call = Call("sid", CallState.CONNECTED, at, at, caller="4:+1 425 555 0100", callee="4:+18005550100",
                recordings=(recording,))  # fmt: skip
    assert call_participants(call) == {KEY, "4:+18005550100", "8:acs:agent", "4:+14255550199"}
