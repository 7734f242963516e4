"""Every line logged while a call is bound names it, whichever module logs it."""

from __future__ import annotations

import logging

import pytest

from shared.logs import call_context, current


def test_lines_inside_a_call_context_carry_its_ids_as_prefix_and_attributes(caplog: pytest.LogCaptureFixture) -> None:
    other = logging.getLogger("azure.some.sdk")
    with caplog.at_level(logging.INFO), call_context(call_folder="Zm9v", correlation_id="corr"):
        with call_context(recording_id="rec-1"):
            other.info("downloaded %d bytes", 5)
        other.info("outer")
    inner, outer = caplog.records[-2:]
    assert inner.getMessage() == "[callFolder=Zm9v recordingId=rec-1 correlationId=corr] downloaded 5 bytes"
    assert (inner.callFolder, inner.recordingId, inner.correlationId) == ("Zm9v", "rec-1", "corr")  # type: ignore[attr-defined]
    assert outer.getMessage() == "[callFolder=Zm9v recordingId=- correlationId=corr] outer"


def test_lines_outside_any_call_are_unchanged(caplog: pytest.LogCaptureFixture) -> None:
    with call_context(call_folder="x"):
        pass
    with caplog.at_level(logging.INFO):
        logging.getLogger("shared").info("plain %s", "line")
    assert caplog.records[-1].getMessage() == "plain line"
    assert current() == {"callFolder": "", "recordingId": "", "correlationId": ""}
