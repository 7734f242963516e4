"""Lines logged while a call is bound carry its ids as attributes, not as message text, and join its span."""

from __future__ import annotations

import logging

import pytest

from shared.layout import call_folder
from shared.logs import call_context, current, get_logger
from shared.telemetry import invocation
from tests.fixtures.telemetry import Exported

SERVER_CALL_ID = "aHR0cHM6Ly9hcGkuZXhhbXBsZS9jb252/YWJj+8="
FOLDER = call_folder(SERVER_CALL_ID)


def test_lines_inside_a_call_context_carry_its_ids_as_attributes(caplog: pytest.LogCaptureFixture) -> None:
    log = get_logger("shared.test")
    with caplog.at_level(logging.INFO), call_context(call_folder=FOLDER, correlation_id="corr"):
        with call_context(recording_id="rec-1"):
            log.info("downloaded %d bytes", 5)
        log.info("outer")
    inner, outer = caplog.records[-2:]
    assert inner.getMessage() == "downloaded 5 bytes"
    assert (inner.callFolder, inner.recordingId, inner.correlationId) == (FOLDER, "rec-1", "corr")  # type: ignore[attr-defined]
    assert inner.serverCallId == SERVER_CALL_ID  # type: ignore[attr-defined]
    assert outer.getMessage() == "outer"
    assert not hasattr(outer, "recordingId")


def test_an_id_given_at_the_call_site_wins_over_the_bound_one(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO), call_context(call_folder=FOLDER, recording_id="rec-1"):
        get_logger("shared.test").info("other recording", extra={"recordingId": "rec-2"})
    assert caplog.records[-1].recordingId == "rec-2"  # type: ignore[attr-defined]


def test_lines_outside_any_call_are_unchanged(caplog: pytest.LogCaptureFixture) -> None:
    with call_context(call_folder="x"):
        pass
    with caplog.at_level(logging.INFO):
        get_logger("shared").info("plain %s", "line")
    assert caplog.records[-1].getMessage() == "plain line"
    assert not hasattr(caplog.records[-1], "callFolder")
    assert current() == {"callFolder": "", "recordingId": "", "correlationId": "", "serverCallId": ""}


def test_exported_log_records_have_the_ids_as_attributes_and_the_span_as_context(exported: Exported) -> None:
    with invocation("archive_chunk") as span, call_context(call_folder=FOLDER, recording_id="rec-1"):
        get_logger("shared.handlers.archive").info("chunk %d archived", 3)
        logging.getLogger("azure.core.pipeline").info("an SDK line")
    ours, sdk = [d.log_record for d in exported.logs.get_finished_logs()][-2:]
    assert ours.body == "chunk 3 archived"
    assert ours.attributes is not None
    assert {k: ours.attributes[k] for k in ("callFolder", "recordingId", "serverCallId")} == {
        "callFolder": FOLDER,
        "recordingId": "rec-1",
        "serverCallId": SERVER_CALL_ID,
    }
    trace_id = span.get_span_context().trace_id
    assert ours.trace_id == sdk.trace_id == trace_id
    assert ours.span_id == span.get_span_context().span_id


def test_the_ids_become_attributes_of_the_invocation_span(exported: Exported) -> None:
    with invocation("get_call"), call_context(call_folder=FOLDER, correlation_id="corr"):
        pass
    (span,) = exported.spans.get_finished_spans()
    assert span.attributes is not None
    assert dict(span.attributes) == {"callFolder": FOLDER, "correlationId": "corr", "serverCallId": SERVER_CALL_ID}
