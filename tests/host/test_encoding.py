"""host.json ``messageEncoding`` for queue triggers and queue outputs."""

from __future__ import annotations

import pytest

from local.host.outputs import encode_message
from local.host.queues import decode_message


def test_base64_messages_round_trip_and_plain_text_is_left_alone() -> None:
    assert encode_message("héllo", "base64") == "aMOpbGxv"
    assert decode_message("aMOpbGxv", "base64") == "héllo"
    assert encode_message("héllo", "none") == decode_message("héllo", "none") == "héllo"


def test_binary_base64_payload_stays_bytes() -> None:
    assert decode_message(encode_message(b"\xff\x00", "base64"), "base64") == b"\xff\x00"


def test_text_that_is_not_base64_is_refused_under_base64_encoding() -> None:
    with pytest.raises(ValueError, match="not base64"):
        decode_message("{not base64}", "base64")
